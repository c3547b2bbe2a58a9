// Resource identifiers: opaque strings with a type prefix ("acc_…"), assigned by the server.
#pragma once

#include <string>
#include "absl/strings/string_view.h"

namespace flywheel::ids {

// A new random id: `prefix` + "_" + 26 characters of base32 (128 random bits).
std::string NewId(absl::string_view prefix);

// True when `id` looks like an id made by NewId with this prefix.
bool HasPrefix(absl::string_view id, absl::string_view prefix);

// "" when `id` is a well-formed id with `prefix`, else what is wrong ("is required", …).
std::string IdProblem(absl::string_view id, absl::string_view prefix);

}  // namespace flywheel::ids

namespace flywheel::ids {

// The shard (0 … count−1) an account belongs to: a stable FNV-1a hash of its id, the same
// in every process and release, so report and rescore jobs can split the portfolio.
int ShardOf(absl::string_view account_id, int count);

}  // namespace flywheel::ids
