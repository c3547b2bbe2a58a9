#include "common/paging/page_token.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/logging/log.h"
#include "common/status/errors.h"

namespace flywheel::paging {
namespace {
constexpr size_t kMacBytes = 16;
constexpr char kVersion = 1;

void AppendLengthPrefixed(std::string* out, absl::string_view s) {
  uint32_t n = static_cast<uint32_t>(s.size());
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out->append(s.data(), s.size());
}

bool ReadLengthPrefixed(absl::string_view* in, std::string* out) {
  if (in->size() < 4) return false;
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n |= static_cast<uint32_t>(static_cast<unsigned char>((*in)[i])) << (8 * i);
  in->remove_prefix(4);
  if (in->size() < n) return false;
  out->assign(in->data(), n);
  in->remove_prefix(n);
  return true;
}
}  // namespace

absl::StatusOr<int> NormalizePageSize(int requested, absl::string_view field) {
  if (requested < 0) return InvalidFieldError(std::string(field), "must not be negative");
  if (requested == 0) return kDefaultPageSize;
  return requested > kMaxPageSize ? kMaxPageSize : requested;
}

PageTokenCodec::PageTokenCodec(std::string secret) {
  // The keyed HMAC is set up once (fetching the algorithm and hashing the key are most of the
  // cost of a one-shot HMAC of a short message); each token's MAC works on a copy of it.
  EVP_MAC* hmac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  EVP_MAC_CTX* keyed = hmac == nullptr ? nullptr : EVP_MAC_CTX_new(hmac);
  EVP_MAC_free(hmac);
  char digest[] = OSSL_DIGEST_NAME_SHA2_256;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  if (keyed == nullptr ||
      !EVP_MAC_init(keyed, reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), params)) {
    // Nothing can be listed without it; a process that cannot sign tokens must not start.
    log::Error("page tokens: HMAC-SHA256 is not available from OpenSSL");
    std::abort();
  }
  keyed_mac_.reset(keyed);
}

PageTokenCodec::~PageTokenCodec() = default;

void PageTokenCodec::FreeMac::operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }

std::string PageTokenCodec::Mac(absl::string_view query, absl::string_view payload) const {
  std::string message;
  AppendLengthPrefixed(&message, query);
  message.append(payload.data(), payload.size());
  std::unique_ptr<EVP_MAC_CTX, FreeMac> ctx(EVP_MAC_CTX_dup(keyed_mac_.get()));
  unsigned char digest[EVP_MAX_MD_SIZE];
  size_t digest_len = 0;
  if (ctx == nullptr ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      EVP_MAC_final(ctx.get(), digest, &digest_len, sizeof(digest)) != 1 || digest_len < kMacBytes) {
    // Only allocation failure gets here; a token that cannot be signed cannot be handed out.
    log::Error("page tokens: HMAC-SHA256 failed");
    std::abort();
  }
  return std::string(reinterpret_cast<char*>(digest), kMacBytes);
}

std::string PageTokenCodec::Encode(absl::string_view query,
                                   const std::vector<std::string>& cursor) const {
  std::string payload(1, kVersion);
  for (const auto& part : cursor) AppendLengthPrefixed(&payload, part);
  std::string token = payload + Mac(query, payload);
  return absl::WebSafeBase64Escape(token);
}

absl::StatusOr<std::vector<std::string>> PageTokenCodec::Decode(absl::string_view token,
                                                                absl::string_view query,
                                                                absl::string_view field) const {
  auto invalid = [&](absl::string_view why) { return InvalidFieldError(std::string(field), std::string(why)); };
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.size() < 1 + kMacBytes) {
    // Named as the field names it: a page token, a resume token.
    return invalid(absl::StrCat("is not a ", absl::StrReplaceAll(field, {{"_", " "}}), " issued by this service"));
  }
  absl::string_view payload(raw.data(), raw.size() - kMacBytes);
  absl::string_view mac(raw.data() + payload.size(), kMacBytes);
  std::string expected = Mac(query, payload);
  if (CRYPTO_memcmp(expected.data(), mac.data(), kMacBytes) != 0) {
    return invalid("was altered, or was issued for a different query");
  }
  if (payload[0] != kVersion) return invalid("has an unsupported version");
  payload.remove_prefix(1);
  std::vector<std::string> cursor;
  while (!payload.empty()) {
    std::string part;
    if (!ReadLengthPrefixed(&payload, &part)) return invalid("is malformed");
    cursor.push_back(std::move(part));
  }
  return cursor;
}

std::optional<std::vector<std::string>> PageTokenCodec::DecodeCursor(absl::string_view token, absl::string_view query,
                                                                     size_t parts, FieldViolations& violations,
                                                                     absl::string_view field) const {
  if (token.empty()) return std::nullopt;
  auto cursor = Decode(token, query, field);
  if (!cursor.ok()) {
    violations.AddFrom(cursor.status());
    return std::nullopt;
  }
  if (cursor->size() != parts) {
    violations.Add(std::string(field), "is malformed");
    return std::nullopt;
  }
  return *std::move(cursor);
}

}  // namespace flywheel::paging
