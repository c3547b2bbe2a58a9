// Transport security from the configured PEM material: TLS for servers (mutual TLS when a client
// CA is set) and for channels to other services and from flywheelctl (presenting the
// certificate too when one is configured, for servers that require mTLS). Without certificates
// both sides fall back to plaintext, which is for loopback development only.
#pragma once

#include <memory>

#include "common/config/server_config.h"
#include "grpcpp/grpcpp.h"

namespace flywheel::tls {

std::shared_ptr<grpc::ServerCredentials> ServerCredentialsFor(const SecurityConfig& security);

std::shared_ptr<grpc::ChannelCredentials> ChannelCredentialsFor(const SecurityConfig& security);

}  // namespace flywheel::tls
