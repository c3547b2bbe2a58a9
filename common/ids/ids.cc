#include "common/ids/ids.h"

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace flywheel::ids {
namespace {
constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";  // Crockford base32
constexpr int kRandomChars = 26;
}  // namespace

bool IsValidSourceName(absl::string_view source) {
  if (source.empty() || source.size() > 64) return false;
  for (char c : source) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

namespace {
constexpr char kSourceNameRule[] = "must be 1-64 of a-z, 0-9, '_', '.', '-'";
}  // namespace

void RequireId(absl::string_view id, absl::string_view prefix, absl::string_view field, FieldViolations& v) {
  if (std::string problem = IdProblem(id, prefix); !problem.empty()) v.Add(std::string(field), std::move(problem));
}

absl::Status Required(absl::string_view id, absl::string_view prefix, absl::string_view field) {
  FieldViolations v;
  RequireId(id, prefix, field, v);
  return v.ToStatus();
}

void CheckRequestId(absl::string_view request_id, FieldViolations& v) {
  if (request_id.size() > kMaxRequestIdBytes) {
    v.Add("request_id", absl::StrCat("must be at most ", kMaxRequestIdBytes, " bytes"));
  }
}

void CheckExternalIds(const std::map<std::string, std::string>& external_ids, FieldViolations& v) {
  if (external_ids.size() > kMaxExternalIds) v.Add("external_ids", absl::StrCat("at most ", kMaxExternalIds, " entries"));
  for (const auto& [source, id] : external_ids) {
    std::string field = absl::StrCat("external_ids[", source, "]");
    if (!IsValidSourceName(source)) v.Add(field, absl::StrCat("source ", kSourceNameRule));
    if (id.empty() || id.size() > kMaxExternalIdBytes) v.Add(field, absl::StrCat("id must be 1-", kMaxExternalIdBytes, " bytes"));
  }
}

void CheckExternalKey(absl::string_view source, absl::string_view external_id, absl::string_view prefix,
                      FieldViolations& v) {
  if (!IsValidSourceName(source)) v.Add(absl::StrCat(prefix, "source"), kSourceNameRule);
  if (external_id.empty() || external_id.size() > kMaxExternalIdBytes) {
    v.Add(absl::StrCat(prefix, "external_id"), absl::StrCat("must be 1-", kMaxExternalIdBytes, " bytes"));
  }
}

std::string NewId(absl::string_view prefix) {
  thread_local absl::BitGen gen;
  std::string out = absl::StrCat(prefix, "_");
  out.reserve(out.size() + kRandomChars);
  for (int i = 0; i < kRandomChars; ++i) {
    out.push_back(kAlphabet[absl::Uniform<int>(gen, 0, 32)]);
  }
  return out;
}

bool HasPrefix(absl::string_view id, absl::string_view prefix) {
  return id.size() == prefix.size() + 1 + kRandomChars && absl::StartsWith(id, prefix) &&
         id[prefix.size()] == '_';
}

std::string IdProblem(absl::string_view id, absl::string_view prefix) {
  if (id.empty()) return "is required";
  if (!HasPrefix(id, prefix)) return absl::StrCat("is not a well-formed id (", prefix, "_…)");
  return "";
}

}  // namespace flywheel::ids

namespace flywheel::ids {

int ShardOf(absl::string_view account_id, int count) {
  if (count <= 1) return 0;
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : account_id) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return static_cast<int>(hash % static_cast<uint64_t>(count));
}

void CheckShard(int count, int index, FieldViolations& v) {
  if (count < 0 || count > kMaxShards) v.Add("shard_count", absl::StrCat("must be from 0 to ", kMaxShards));
  if (count > 0 && (index < 0 || index >= count)) v.Add("shard_index", "must be from 0 to shard_count - 1");
  if (count == 0 && index != 0) v.Add("shard_index", "needs shard_count");
}

}  // namespace flywheel::ids
