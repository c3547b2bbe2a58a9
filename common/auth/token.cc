#include "common/auth/token.h"

#include <jwt.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace flywheel::auth {
namespace {

// Clock skew tolerated between the token's issuer and this process.
constexpr absl::Duration kLeeway = absl::Seconds(30);

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

struct MallocDeleter {
  void operator()(char* p) const { std::free(p); }
};
using MallocString = std::unique_ptr<char, MallocDeleter>;

// The token decoded and its signature checked with `key`, when it is signed with `algorithm`.
JwtPtr DecodeWith(const std::string& token, const std::string& key, jwt_alg_t algorithm) {
  if (key.empty()) return nullptr;
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>(key.data()),
                 static_cast<int>(key.size())) != 0) {
    return nullptr;
  }
  JwtPtr jwt(raw);
  // Checked after decoding: a key is only ever trusted for its own algorithm.
  if (jwt_get_alg(jwt.get()) != algorithm) return nullptr;
  return jwt;
}

absl::Status Refused(absl::string_view why) { return absl::UnauthenticatedError(absl::StrCat("bearer token refused: ", why)); }

// The integer claim `name`, or nullopt when the token has none.
std::optional<long> IntClaim(jwt_t* jwt, const char* name) {
  errno = 0;
  long value = jwt_get_grant_int(jwt, name);
  if (errno == ENOENT || errno == EINVAL) return std::nullopt;
  return value;
}

}  // namespace

absl::StatusOr<Caller> VerifyToken(absl::string_view token_view, const VerificationKeys& keys, absl::Time now) {
  if (token_view.empty()) return Refused("empty");
  std::string token(token_view);
  JwtPtr jwt = DecodeWith(token, keys.hs256_secret, JWT_ALG_HS256);
  if (!jwt) jwt = DecodeWith(token, keys.rs256_public_key_pem, JWT_ALG_RS256);
  if (!jwt) return Refused("malformed, or not signed with an accepted key and algorithm");

  int64_t now_s = absl::ToUnixSeconds(now);
  int64_t leeway_s = absl::ToInt64Seconds(kLeeway);
  std::optional<long> exp = IntClaim(jwt.get(), "exp");
  if (!exp) return Refused("no expiry (exp)");
  if (*exp + leeway_s <= now_s) return Refused("expired");
  if (std::optional<long> nbf = IntClaim(jwt.get(), "nbf"); nbf && *nbf - leeway_s > now_s) {
    return Refused("not valid yet (nbf)");
  }
  const char* sub = jwt_get_grant(jwt.get(), "sub");
  if (sub == nullptr || *sub == '\0') return Refused("no principal (sub)");
  if (std::string problem = PrincipalProblem(sub); !problem.empty()) return Refused(absl::StrCat("sub: ", problem));

  Caller caller{sub, {}, absl::FromUnixSeconds(*exp + leeway_s)};
  MallocString roles_json(jwt_get_grants_json(jwt.get(), "roles"));
  if (roles_json) {
    google::protobuf::ListValue roles;
    if (!google::protobuf::util::JsonStringToMessage(roles_json.get(), &roles).ok()) {
      return Refused("roles must be an array of role names");
    }
    for (const auto& value : roles.values()) {
      if (value.kind_case() != google::protobuf::Value::kStringValue) {
        return Refused("roles must be an array of role names");
      }
      // Names this version does not know grant nothing (an issuer may know newer roles).
      if (std::optional<Role> role = ParseRole(value.string_value())) caller.roles.push_back(*role);
    }
  }
  return caller;
}

std::string PrincipalProblem(absl::string_view principal) {
  if (principal.empty()) return "the principal is empty";
  if (principal.size() > kMaxPrincipalBytes) {
    return absl::StrCat("the principal is ", principal.size(), " bytes; at most ", kMaxPrincipalBytes, " are allowed");
  }
  return "";
}

absl::StatusOr<std::string> MintToken(Algorithm algorithm, absl::string_view key, absl::string_view principal,
                                      const std::vector<Role>& roles, absl::Time now, absl::Duration ttl) {
  if (principal.empty()) return absl::InvalidArgumentError("principal must not be empty");
  if (key.empty()) return absl::InvalidArgumentError("signing key must not be empty");
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return absl::ResourceExhaustedError("cannot allocate a token");
  JwtPtr jwt(raw);
  std::vector<std::string> names;
  for (Role role : roles) names.push_back(absl::StrCat("\"", RoleName(role), "\""));
  std::string roles_json = absl::StrCat("{\"roles\":[", absl::StrJoin(names, ","), "]}");
  int64_t now_s = absl::ToUnixSeconds(now);
  bool ok = jwt_add_grant(jwt.get(), "sub", std::string(principal).c_str()) == 0 &&
            jwt_add_grant_int(jwt.get(), "iat", now_s) == 0 &&
            jwt_add_grant_int(jwt.get(), "exp", now_s + absl::ToInt64Seconds(ttl)) == 0 &&
            jwt_add_grants_json(jwt.get(), roles_json.c_str()) == 0;
  if (!ok) return absl::InvalidArgumentError("principal cannot be put in a token");
  jwt_alg_t alg = algorithm == Algorithm::kHs256 ? JWT_ALG_HS256 : JWT_ALG_RS256;
  if (jwt_set_alg(jwt.get(), alg, reinterpret_cast<const unsigned char*>(key.data()), static_cast<int>(key.size())) != 0) {
    return absl::InvalidArgumentError("signing key refused");
  }
  MallocString encoded(jwt_encode_str(jwt.get()));
  if (!encoded) return absl::InvalidArgumentError("signing key refused (an RS256 key must be a PEM private key)");
  return std::string(encoded.get());
}

}  // namespace flywheel::auth
