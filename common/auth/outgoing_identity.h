// What a client puts on each outgoing call to say who is calling: the bearer token read from a
// file (re-read when the file changes, so a rotated Kubernetes Secret takes effect without a
// restart) and, for servers running without auth, the principal's name in x-flywheel-principal.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"

namespace flywheel::auth {

class OutgoingIdentity {
 public:
  // `token_file` empty: no token is sent (the servers run without auth).
  OutgoingIdentity(std::string principal, std::string token_file);

  // Adds the headers to `context`.
  void Apply(grpc::ClientContext* context) const;

 private:
  std::string Token() const;

  std::string principal_;
  std::string token_file_;
  mutable std::mutex mu_;
  mutable std::string token_;
  mutable absl::Time checked_ = absl::InfinitePast();
  mutable int64_t modified_ns_ = -1;
};

}  // namespace flywheel::auth
