#include "common/server/upstream_channel.h"

#include "common/tls/credentials.h"

namespace flywheel {

std::shared_ptr<grpc::Channel> UpstreamChannel(const std::string& address, const ServerConfig& config) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  // Behind a headless Service (dns:///name:port) every replica gets calls.
  args.SetLoadBalancingPolicyName("round_robin");
  args.SetMaxReceiveMessageSize(config.max_message_bytes);
  args.SetMaxSendMessageSize(config.max_message_bytes);
  return grpc::CreateCustomChannel(address, tls::ChannelCredentialsFor(config.security), args);
}

}  // namespace flywheel
