#include "common/auth/verified_tokens.h"

namespace flywheel::auth {

std::optional<Caller> VerifiedTokens::Find(absl::string_view token, absl::Time now) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = callers_.find(token);
  if (it == callers_.end() || now >= it->second.expires) return std::nullopt;
  return it->second;
}

void VerifiedTokens::Add(absl::string_view token, const Caller& caller) {
  absl::MutexLock lock(&mu_);
  if (callers_.size() >= capacity_) callers_.clear();
  callers_.insert_or_assign(std::string(token), caller);
}

}  // namespace flywheel::auth
