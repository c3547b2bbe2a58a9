#include "common/paging/page_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
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

PageTokenCodec::PageTokenCodec(std::string secret) : secret_(std::move(secret)) {}

std::string PageTokenCodec::Mac(absl::string_view query, absl::string_view payload) const {
  std::string message;
  AppendLengthPrefixed(&message, query);
  message.append(payload.data(), payload.size());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &digest_len);
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
    return invalid("is not a page token issued by this service");
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
