// A bounded memory of tokens already verified, so a client that sends the same bearer token on
// every call (as clients do for the token's lifetime) pays for the signature check once, not on
// every call: measured here, 9.5 µs a verification for HS256 and 618 µs for RS256 (libjwt reads
// the PEM key each time), against ~150 µs for a whole GetAccount. A remembered token is only
// ever the exact string that verified, and is forgotten at its expiry (with the same leeway
// verification allows). Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth/token.h"

namespace flywheel::auth {

class VerifiedTokens {
 public:
  // At most `capacity` tokens; a full memory starts over (cheap, and a flood of distinct valid
  // tokens only costs what no memory would).
  explicit VerifiedTokens(size_t capacity = 4096) : capacity_(capacity) {}

  // The caller `token` verified as, if it did and has not expired at `now`.
  std::optional<Caller> Find(absl::string_view token, absl::Time now) const;
  // Remembers that `token` verified as `caller` (whose `expires` says until when).
  void Add(absl::string_view token, const Caller& caller);

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Caller> callers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flywheel::auth
