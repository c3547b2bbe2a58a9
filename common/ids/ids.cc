#include "common/ids/ids.h"

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace flywheel::ids {
namespace {
constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";  // Crockford base32
constexpr int kRandomChars = 26;
}  // namespace

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

}  // namespace flywheel::ids
