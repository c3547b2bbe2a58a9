#include "common/tls/credentials.h"

#include "grpcpp/security/server_credentials.h"

namespace flywheel::tls {

std::shared_ptr<grpc::ServerCredentials> ServerCredentialsFor(const SecurityConfig& security) {
  if (security.tls_cert.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(security.tls_client_ca.empty()
                                                ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                                : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = security.tls_client_ca;
  options.pem_key_cert_pairs.push_back({security.tls_key, security.tls_cert});
  return grpc::SslServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> ChannelCredentialsFor(const SecurityConfig& security) {
  if (security.tls_ca.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = security.tls_ca;
  options.pem_private_key = security.tls_key;
  options.pem_cert_chain = security.tls_cert;
  return grpc::SslCredentials(options);
}

}  // namespace flywheel::tls
