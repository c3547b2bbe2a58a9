// Key material for tests of TLS and auth, made once per test binary by
// deploy/local/make-credentials.sh (openssl) in a fresh folder of the build tree: a CA, server
// and client certificates, an HS256 secret, an RS256 key pair; and bearer tokens minted from them.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/auth/token.h"
#include "grpcpp/grpcpp.h"

namespace flywheel::testing {

class TestCredentials {
 public:
  // The process's credentials (made on first use; aborts when openssl fails).
  static const TestCredentials& Shared();

  // Path of a file of the set: "ca.pem", "server.pem", "server.key", "client.pem",
  // "client.key", "jwt-hs256.secret", "jwt-rs256.key", "jwt-rs256.pub".
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  std::string Read(const std::string& name) const;

  // Server flags for TLS with client certificates required (mTLS) and both token keys.
  std::vector<std::string> ServerFlags() const;

  // A token for `principal` with `roles`, valid for an hour.
  std::string Token(const std::string& principal, const std::vector<auth::Role>& roles,
                    auth::Algorithm algorithm = auth::Algorithm::kHs256) const;
  // Writes Token(...) to a new file and returns its path.
  std::string TokenFile(const std::string& principal, const std::vector<auth::Role>& roles) const;

  // A TLS channel to `address` that trusts the CA and presents the client certificate
  // (`client_certificate` false: presents none).
  std::shared_ptr<grpc::Channel> Channel(const std::string& address, bool client_certificate = true) const;

 private:
  explicit TestCredentials(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace flywheel::testing
