// Bearer tokens: signed JWTs (HS256 with a shared secret, RS256 with an RSA key pair) carrying a
// principal (claim `sub`), roles (claim `roles`, an array of role names) and an expiry (`exp`,
// required). Verification and minting go through libjwt; minting is for flywheelctl, the local
// set-up and tests, since the services themselves only verify.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth/roles.h"

namespace flywheel::auth {

// The longest principal a caller may have, in bytes: the width of every audit column that
// records one. A longer one is refused where the caller is identified (UNAUTHENTICATED).
inline constexpr size_t kMaxPrincipalBytes = 200;

// Empty when `principal` may name a caller, else why not (empty, or longer than
// kMaxPrincipalBytes).
std::string PrincipalProblem(absl::string_view principal);

// Who a verified token speaks for.
struct Caller {
  std::string principal;
  std::vector<Role> roles;
  // When the token stops being accepted (its `exp` plus the leeway verification allows).
  absl::Time expires = absl::InfiniteFuture();
};

// The keys incoming tokens are checked against. A token is accepted when it is HS256 and
// verifies with `hs256_secret`, or RS256 and verifies with `rs256_public_key_pem`; a key that is
// empty accepts nothing, so an RS256-only deployment cannot be fooled by an HS256 token signed
// with the public key.
struct VerificationKeys {
  std::string hs256_secret;
  std::string rs256_public_key_pem;
  bool empty() const { return hs256_secret.empty() && rs256_public_key_pem.empty(); }
};

// The caller named by `token` at `now`; UNAUTHENTICATED saying why it is refused (bad
// signature, algorithm, expired or not yet valid, no `sub` or one over kMaxPrincipalBytes,
// malformed `roles`). Role names this
// version does not know are skipped.
absl::StatusOr<Caller> VerifyToken(absl::string_view token, const VerificationKeys& keys, absl::Time now);

enum class Algorithm { kHs256, kRs256 };

// A signed token for `principal` with `roles`, valid from `now` for `ttl`. `key` is the shared
// secret (HS256) or the PEM private key (RS256). INVALID_ARGUMENT for an empty principal or a
// key libjwt refuses (a principal VerifyToken refuses, e.g. an over-long one, is minted: callers
// that take one from a person check PrincipalProblem first).
absl::StatusOr<std::string> MintToken(Algorithm algorithm, absl::string_view key, absl::string_view principal,
                                      const std::vector<Role>& roles, absl::Time now, absl::Duration ttl);

}  // namespace flywheel::auth
