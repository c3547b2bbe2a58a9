// What a service's gRPC adapter is given by the bootstrap: configuration, the database
// pool, the workers that run blocking calls, the page-token codec and the clock, plus
// the helpers that run one unary call on a worker (or batch its point read with others') and
// finish it with a mapped status.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "common/auth/call_gate.h"
#include "common/auth/outgoing_identity.h"
#include "common/clock/clock.h"
#include "common/config/server_config.h"
#include "common/db/write_context.h"
#include "common/db/connection_pool.h"
#include "common/paging/page_token.h"
#include "common/server/call_record.h"
#include "common/server/read_coalescer.h"
#include "common/server/worker_pool.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/service_type.h"

namespace flywheel {

struct ServiceContext {
  const ServerConfig& config;
  db::ConnectionPool& pool;
  WorkerPool& workers;
  const paging::PageTokenCodec& page_tokens;
  const Clock& clock;
  const auth::CallGate& gate;               // admits incoming calls
  const auth::OutgoingIdentity& identity;   // what this service presents on its own calls
};

// Who writes and when, for a write made by the call `context` (the principal the gate verified,
// the service's clock), with the request's idempotency id if it has one.
WriteContext WriteContextOf(const ServiceContext& service, const grpc::ServerContextBase* context,
                            std::string request_id = "");

// Admits the call to `method` (its short name) through the gate, then runs `work` (returning
// absl::Status, filling the response itself) on a worker and finishes the call with the
// converted status. Logs one line per call.
grpc::ServerUnaryReactor* RunUnary(grpc::CallbackServerContext* context, const ServiceContext& service,
                                   const char* method, std::function<absl::Status()> work);

// As RunUnary, for a read of one value by `key` that `reads` may batch with other calls' reads
// (see ReadCoalescer). `invalid` holds the request's field violations (OK when none) and is
// answered at once; otherwise `respond` fills the response from the value read, on a worker,
// and its status finishes the call.
template <typename Value>
grpc::ServerUnaryReactor* RunCoalescedRead(grpc::CallbackServerContext* context, const ServiceContext& service,
                                           const char* method, ReadCoalescer<Value>& reads, std::string key,
                                           const absl::Status& invalid, std::function<absl::Status(const Value&)> respond);

// The parts of a unary call: admission through the gate and its call record (nullopt, with the
// call already finished, when refused); and the finish, recorded and converted.
std::optional<CallRecord> AdmitUnary(grpc::CallbackServerContext* context, const ServiceContext& service,
                                     const char* method, grpc::ServerUnaryReactor* reactor);
void FinishUnary(grpc::ServerUnaryReactor* reactor, const CallRecord& record, const absl::Status& status);

template <typename Value>
grpc::ServerUnaryReactor* RunCoalescedRead(grpc::CallbackServerContext* context, const ServiceContext& service,
                                           const char* method, ReadCoalescer<Value>& reads, std::string key,
                                           const absl::Status& invalid, std::function<absl::Status(const Value&)> respond) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::optional<CallRecord> record = AdmitUnary(context, service, method, reactor);
  if (!record) return reactor;
  if (!invalid.ok()) {
    FinishUnary(reactor, *record, invalid);
    return reactor;
  }
  bool queued = reads.Read(std::move(key), [reactor, record = *record, respond = std::move(respond)](
                                               absl::StatusOr<Value> value) {
    FinishUnary(reactor, record, value.ok() ? respond(*value) : value.status());
  }, [context] { return context->IsCancelled(); });
  if (!queued) FinishUnary(reactor, *record, OverloadedError());
  return reactor;
}

}  // namespace flywheel
