// List paging per DESIGN §4: page-size rules and opaque page tokens that are tamper-evident
// (HMAC-SHA256) and bound to the query that produced them, so a token cannot be forged or
// replayed against a different filter or order.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/status/errors.h"

typedef struct evp_mac_ctx_st EVP_MAC_CTX;  // OpenSSL's, declared as <openssl/types.h> does

namespace flywheel::paging {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

// 0 → default; above the maximum → the maximum; negative → INVALID_ARGUMENT on `field`.
absl::StatusOr<int> NormalizePageSize(int requested, absl::string_view field = "page_size");

class PageTokenCodec {
 public:
  // `secret` keys the HMAC; replicas that serve the same clients must share it.
  explicit PageTokenCodec(std::string secret);
  ~PageTokenCodec();

  // A token holding `cursor` (the sort key of the last row returned) for `query`, a canonical
  // description of every filter and the order of the list call.
  std::string Encode(absl::string_view query, const std::vector<std::string>& cursor) const;

  // The cursor inside `token`; INVALID_ARGUMENT naming `field` when the token was altered,
  // forged, or made for another query.
  absl::StatusOr<std::vector<std::string>> Decode(absl::string_view token, absl::string_view query,
                                                  absl::string_view field = "page_token") const;

  // The cursor of a list call's token: nullopt for an empty token (the first page) and for a
  // bad one, which adds a violation on `field`. A cursor must have exactly `parts` parts.
  std::optional<std::vector<std::string>> DecodeCursor(absl::string_view token, absl::string_view query, size_t parts,
                                                       FieldViolations& violations,
                                                       absl::string_view field = "page_token") const;

 private:
  std::string Mac(absl::string_view query, absl::string_view payload) const;
  struct FreeMac {
    void operator()(EVP_MAC_CTX* ctx) const;
  };
  std::unique_ptr<EVP_MAC_CTX, FreeMac> keyed_mac_;  // HMAC-SHA256 keyed with the secret
};

}  // namespace flywheel::paging
