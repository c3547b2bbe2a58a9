// Answers requests gRPC cannot decode into their message type with INVALID_ARGUMENT naming the
// field, instead of what gRPC 1.51 does on its own: a bare UNIMPLEMENTED for a unary or
// server-streaming call (its callback handlers hard-code it), and, in a client stream, ending the
// reads as if the client had closed the stream. The usual cause is a proto3 string field holding
// bytes that are not UTF-8, which the wire format allows and protobuf refuses to parse.
//
// How: protobuf names the offending field only in a log line, written on the thread that parses;
// gRPC runs server interceptors on that same thread right after parsing. So protobuf's log is
// routed here (the field is kept per thread, other lines go to the JSON log), and an interceptor
// notes, per call, a message that arrived but did not decode.
#pragma once

#include <memory>
#include <optional>

#include "common/status/errors.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/server_interceptor.h"

namespace flywheel {

// Routes protobuf's log into the JSON log. Call once in main(), before serving (protobuf's
// handler is process-wide and not safe to change while other threads log).
void RouteProtobufLog();

// The interceptor factory to give the server builder: unary and server-streaming calls whose
// request did not decode finish with INVALID_ARGUMENT; so does a client stream with a message
// that did not decode, if its reactor did not finish it first (see UndecodedStreamMessage).
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> UndecodableRequestInterceptorFactory();

// For client-stream reactors, when a read ended (ok = false): INVALID_ARGUMENT naming the field
// and `where` ("the message after record 12"), when the read ended on a message that did not
// decode (a string field that is not UTF-8); nullopt when the client closed the stream. A stream
// message whose wire data is broken in other ways cannot be told apart from the end of the stream.
std::optional<absl::Status> UndecodedStreamMessage(const grpc::CallbackServerContext* context,
                                                   absl::string_view where);

}  // namespace flywheel
