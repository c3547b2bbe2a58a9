// Answers requests that do not decode into their message type with INVALID_ARGUMENT naming the
// field, instead of what gRPC 1.51 does on its own: a bare UNIMPLEMENTED for a unary or
// server-streaming call (its callback handlers hard-code it). One cause is a proto3 string field
// holding bytes that are not UTF-8, which the wire format allows and protobuf refuses to parse;
// others are broken wire data (a bad varint, a truncated field). Client streams read raw bytes
// and decode each message through DecodeMessage (see pipelined_read_reactor.h).
//
// How: protobuf names the offending field only in a log line, written on the thread that parses;
// gRPC runs server interceptors on that same thread right after parsing. So protobuf's log is
// routed here (the field is kept per thread, other lines go to the JSON log), and an interceptor
// notes, per call, a message that arrived but did not decode.
#pragma once

#include <memory>

#include "common/status/errors.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/server_interceptor.h"

namespace flywheel {

// Routes protobuf's log into the JSON log. Call once in main(), before serving (protobuf's
// handler is process-wide and not safe to change while other threads log).
void RouteProtobufLog();

// The interceptor factory to give the server builder: unary and server-streaming calls whose
// request did not decode finish with INVALID_ARGUMENT.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> UndecodableRequestInterceptorFactory();

// Decodes `bytes` into `into` (consuming them); INVALID_ARGUMENT saying `where` ("message 3 of the
// stream") when they are not a valid encoding of it, naming the string field by its protobuf
// name when that field's text is not UTF-8.
absl::Status DecodeMessage(grpc::ByteBuffer& bytes, google::protobuf::Message& into, absl::string_view where);

}  // namespace flywheel
