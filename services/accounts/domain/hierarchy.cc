#include "services/accounts/domain/hierarchy.h"

#include <algorithm>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"

namespace flywheel::accounts {

absl::Status CheckParent(const std::string& account_id, const std::string& parent_id,
                         const ParentLookup& lookup) {
  if (parent_id.empty()) return absl::OkStatus();
  if (parent_id == account_id) return InvalidFieldError("parent_id", "an account cannot be its own parent");
  std::string current = parent_id;
  for (int depth = 0; !current.empty(); ++depth) {
    if (depth >= kMaxHierarchyDepth) {
      return InvalidFieldError("parent_id", absl::StrCat("the hierarchy would be deeper than ",
                                                         kMaxHierarchyDepth, " levels"));
    }
    auto link = lookup(current);
    if (!link.ok()) return link.status();
    if (!link->has_value()) {
      if (current == parent_id) return InvalidFieldError("parent_id", absl::StrCat("account ", parent_id, " does not exist"));
      break;  // a dangling ancestor ends the chain
    }
    if (current == parent_id && (*link)->deleted) {
      return InvalidFieldError("parent_id", absl::StrCat("account ", parent_id, " is deleted"));
    }
    if ((*link)->parent_id == account_id) {
      return InvalidFieldError("parent_id",
                               absl::StrCat("account ", parent_id, " is a descendant of ", account_id,
                                            ": the hierarchy would have a cycle"));
    }
    current = (*link)->parent_id;
  }
  return absl::OkStatus();
}

std::vector<TreeNode> BuildTree(const std::string& root_id, const std::vector<Account>& accounts) {
  std::unordered_map<std::string, const Account*> by_id;
  std::unordered_map<std::string, std::vector<const Account*>> children;
  for (const auto& a : accounts) by_id[a.id] = &a;
  for (const auto& a : accounts) {
    if (a.id != root_id && by_id.count(a.parent_id)) children[a.parent_id].push_back(&a);
  }
  for (auto& [_, list] : children) {
    std::sort(list.begin(), list.end(), [](const Account* x, const Account* y) {
      return std::tie(x->name, x->id) < std::tie(y->name, y->id);
    });
  }
  std::vector<TreeNode> out;
  auto it = by_id.find(root_id);
  if (it == by_id.end()) return out;

  // Depth-first: emit a node, visit its children, then fold their totals into it.
  std::function<size_t(const Account&, int)> visit = [&](const Account& a, int depth) -> size_t {
    size_t index = out.size();
    TreeNode node;
    node.account_id = a.id;
    node.name = a.name;
    node.parent_id = a.parent_id;
    node.depth = depth;
    node.arr = a.arr;
    node.licensed_seats = a.licensed_seats;
    node.rolled_up_seats = a.licensed_seats;
    if (a.arr) {
      int64_t& total = node.rolled_up_arr[a.arr->currency_code];
      total = AddMinorUnits(total, a.arr->minor_units);
    }
    out.push_back(std::move(node));
    if (depth >= kMaxHierarchyDepth) return index;  // guards against bad data
    for (const Account* child : children[a.id]) {
      size_t c = visit(*child, depth + 1);
      const TreeNode child_node = out[c];
      TreeNode& self = out[index];
      self.rolled_up_seats += child_node.rolled_up_seats;
      self.descendant_count += 1 + child_node.descendant_count;
      for (const auto& [currency, units] : child_node.rolled_up_arr) {
        self.rolled_up_arr[currency] = AddMinorUnits(self.rolled_up_arr[currency], units);
      }
    }
    return index;
  };
  visit(*it->second, 0);
  return out;
}

}  // namespace flywheel::accounts
