// Account hierarchy rules: a parent must exist and must not make a cycle, and a tree's
// ARR and seats roll up from the leaves to the root.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/accounts/domain/account.h"

namespace flywheel::accounts {

inline constexpr int kMaxHierarchyDepth = 32;

// What the hierarchy check needs to know of an account: its parent, and whether it is live.
struct ParentLink {
  std::string parent_id;  // "" for a root
  bool deleted = false;
};
// Looks an account up by id; nullopt when it does not exist.
using ParentLookup = std::function<absl::StatusOr<std::optional<ParentLink>>(const std::string& id)>;

// OK when `account_id` may hang under `parent_id` ("" always may). INVALID_ARGUMENT on
// field "parent_id" when the parent does not exist, is deleted, would make a cycle, or the
// tree would be deeper than kMaxHierarchyDepth.
absl::Status CheckParent(const std::string& account_id, const std::string& parent_id,
                         const ParentLookup& lookup);

struct TreeNode {
  std::string account_id;
  std::string name;
  std::string parent_id;
  int depth = 0;
  std::optional<Money> arr;
  int64_t licensed_seats = 0;
  std::map<std::string, int64_t> rolled_up_arr;  // currency → minor units, node and descendants
  int64_t rolled_up_seats = 0;
  int descendant_count = 0;
};

// The tree under `root_id` built from `accounts` (the root and its descendants; others are
// ignored), depth first with siblings by name, root first, with rolled-up figures.
std::vector<TreeNode> BuildTree(const std::string& root_id, const std::vector<Account>& accounts);

}  // namespace flywheel::accounts
