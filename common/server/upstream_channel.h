// The channel a service uses to call another Flywheel service: reconnects quickly after the
// other side restarts (backoff 100 ms up to 2 s instead of gRPC's default of up to 120 s),
// so that a service recovers by itself within seconds of its upstream returning, and spreads
// calls over every address a name resolves to (round_robin); TLS when the security settings
// name a CA (see common/tls).
#pragma once

#include <memory>
#include <string>

#include "common/config/server_config.h"
#include "grpcpp/grpcpp.h"

namespace flywheel {

std::shared_ptr<grpc::Channel> UpstreamChannel(const std::string& address, const ServerConfig& config);

}  // namespace flywheel
