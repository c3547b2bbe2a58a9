#include "common/testing/test_credentials.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/ids/ids.h"

namespace flywheel::testing {

const TestCredentials& TestCredentials::Shared() {
  static const TestCredentials* credentials = [] {
    std::string dir = absl::StrCat(FLYWHEEL_BUILD_DIR, "/test-credentials/", ids::NewId("set"));
    std::string command =
        absl::StrCat(FLYWHEEL_SOURCE_DIR, "/deploy/local/make-credentials.sh '", dir, "' >/dev/null");
    if (std::system(command.c_str()) != 0) {
      std::fprintf(stderr, "cannot make test credentials: %s\n", command.c_str());
      std::abort();
    }
    return new TestCredentials(dir);
  }();
  return *credentials;
}

std::string TestCredentials::Read(const std::string& name) const {
  std::ifstream in(Path(name));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> TestCredentials::ServerFlags() const {
  return {absl::StrCat("--tls_cert_file=", Path("server.pem")), absl::StrCat("--tls_key_file=", Path("server.key")),
          absl::StrCat("--tls_client_ca_file=", Path("ca.pem")),
          absl::StrCat("--jwt_hs256_secret_file=", Path("jwt-hs256.secret")),
          absl::StrCat("--jwt_rs256_public_key_file=", Path("jwt-rs256.pub"))};
}

std::string TestCredentials::Token(const std::string& principal, const std::vector<auth::Role>& roles,
                                   auth::Algorithm algorithm) const {
  std::string key = algorithm == auth::Algorithm::kHs256
                        ? std::string(absl::StripTrailingAsciiWhitespace(Read("jwt-hs256.secret")))
                        : Read("jwt-rs256.key");
  auto token = auth::MintToken(algorithm, key, principal, roles, absl::Now(), absl::Hours(1));
  if (!token.ok()) {
    std::fprintf(stderr, "cannot mint a test token: %s\n", std::string(token.status().message()).c_str());
    std::abort();
  }
  return *token;
}

std::string TestCredentials::TokenFile(const std::string& principal, const std::vector<auth::Role>& roles) const {
  std::string path = Path(ids::NewId("token"));
  std::ofstream(path) << Token(principal, roles) << "\n";
  return path;
}

std::shared_ptr<grpc::Channel> TestCredentials::Channel(const std::string& address, bool client_certificate) const {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = Read("ca.pem");
  if (client_certificate) {
    options.pem_private_key = Read("client.key");
    options.pem_cert_chain = Read("client.pem");
  }
  return grpc::CreateChannel(address, grpc::SslCredentials(options));
}

}  // namespace flywheel::testing
