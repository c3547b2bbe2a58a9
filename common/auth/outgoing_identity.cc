#include "common/auth/outgoing_identity.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "common/auth/call_gate.h"

namespace flywheel::auth {
namespace {
// How often the token file is looked at again.
constexpr absl::Duration kRecheck = absl::Seconds(1);
}  // namespace

OutgoingIdentity::OutgoingIdentity(std::string principal, std::string token_file)
    : principal_(std::move(principal)), token_file_(std::move(token_file)) {}

std::string OutgoingIdentity::Token() const {
  std::lock_guard<std::mutex> lock(mu_);
  absl::Time now = absl::Now();
  if (now - checked_ < kRecheck) return token_;
  checked_ = now;
  struct stat st {};
  if (stat(token_file_.c_str(), &st) != 0) return token_;  // keep the last one seen
  int64_t modified_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  if (modified_ns == modified_ns_) return token_;
  std::ifstream in(token_file_);
  std::stringstream ss;
  ss << in.rdbuf();
  if (in) {
    token_ = std::string(absl::StripAsciiWhitespace(ss.str()));
    modified_ns_ = modified_ns;
  }
  return token_;
}

void OutgoingIdentity::Apply(grpc::ClientContext* context) const {
  if (!principal_.empty()) context->AddMetadata("x-flywheel-principal", principal_);
  if (token_file_.empty()) return;
  if (std::string token = Token(); !token.empty()) context->AddMetadata("authorization", BearerHeader(token));
}

}  // namespace flywheel::auth
