// What a service's gRPC adapter is given by the bootstrap: configuration, the database
// pool, the workers that run blocking calls, the page-token codec and the clock, plus
// the helper that runs one unary call on a worker and finishes it with a mapped status.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "common/auth/call_gate.h"
#include "common/auth/outgoing_identity.h"
#include "common/clock/clock.h"
#include "common/config/server_config.h"
#include "common/db/connection_pool.h"
#include "common/paging/page_token.h"
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

// Admits the call to `method` (its short name) through the gate, then runs `work` (returning
// absl::Status, filling the response itself) on a worker and finishes the call with the
// converted status. Logs one line per call.
grpc::ServerUnaryReactor* RunUnary(grpc::CallbackServerContext* context, const ServiceContext& service,
                                   const char* method, std::function<absl::Status()> work);

}  // namespace flywheel
