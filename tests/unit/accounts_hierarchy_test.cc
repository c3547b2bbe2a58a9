#include "services/accounts/domain/hierarchy.h"

#include <map>

#include "common/status/errors.h"
#include "gtest/gtest.h"

namespace flywheel::accounts {
namespace {

// parent links: root ← region ← site
ParentLookup LookupIn(std::map<std::string, ParentLink> links) {
  return [links](const std::string& id) -> absl::StatusOr<std::optional<ParentLink>> {
    auto it = links.find(id);
    if (it == links.end()) return std::nullopt;
    return it->second;
  };
}

const std::map<std::string, ParentLink> kChain = {
    {"root", {"", false}}, {"region", {"root", false}}, {"site", {"region", false}}, {"gone", {"", true}}};

TEST(CheckParent, AcceptsAParentHigherUp) {
  EXPECT_TRUE(CheckParent("new", "site", LookupIn(kChain)).ok());
  EXPECT_TRUE(CheckParent("site", "root", LookupIn(kChain)).ok());
  EXPECT_TRUE(CheckParent("root", "", LookupIn(kChain)).ok());
}

TEST(CheckParent, RejectsCycles) {
  absl::Status s = CheckParent("root", "site", LookupIn(kChain));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetFieldViolations(s).at(0).field, "parent_id");
  EXPECT_NE(s.message().find("cycle"), absl::string_view::npos);
  EXPECT_FALSE(CheckParent("region", "site", LookupIn(kChain)).ok());
  EXPECT_FALSE(CheckParent("site", "site", LookupIn(kChain)).ok());
}

TEST(CheckParent, RejectsMissingAndDeletedParents) {
  EXPECT_EQ(CheckParent("x", "nowhere", LookupIn(kChain)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckParent("x", "gone", LookupIn(kChain)).code(), absl::StatusCode::kInvalidArgument);
}

TEST(CheckParent, RejectsTooDeepHierarchies) {
  std::map<std::string, ParentLink> links;
  for (int i = 0; i < kMaxHierarchyDepth + 2; ++i) {
    links["n" + std::to_string(i)] = {i == 0 ? "" : "n" + std::to_string(i - 1), false};
  }
  EXPECT_FALSE(CheckParent("leaf", "n" + std::to_string(kMaxHierarchyDepth + 1), LookupIn(links)).ok());
  EXPECT_TRUE(CheckParent("leaf", "n3", LookupIn(links)).ok());
}

Account Make(std::string id, std::string parent, std::string name, int64_t arr, int64_t seats,
             std::string currency = "GBP") {
  Account a;
  a.id = std::move(id);
  a.parent_id = std::move(parent);
  a.name = std::move(name);
  a.arr = Money{std::move(currency), arr};
  a.licensed_seats = seats;
  return a;
}

TEST(BuildTree, RollsUpArrAndSeatsPerCurrency) {
  std::vector<Account> accounts = {
      Make("g", "", "Group", 100, 10),          Make("b", "g", "B Site", 50, 5),
      Make("a", "g", "A Region", 20, 2),        Make("a1", "a", "A1 Depot", 7, 1),
      Make("a2", "a", "A2 Depot", 3, 1, "EUR"), Make("other", "", "Elsewhere", 999, 999),
  };
  auto tree = BuildTree("g", accounts);
  ASSERT_EQ(tree.size(), 5u);
  // Depth first, siblings by name.
  EXPECT_EQ(tree[0].account_id, "g");
  EXPECT_EQ(tree[1].account_id, "a");
  EXPECT_EQ(tree[2].account_id, "a1");
  EXPECT_EQ(tree[3].account_id, "a2");
  EXPECT_EQ(tree[4].account_id, "b");
  EXPECT_EQ(tree[2].depth, 2);
  EXPECT_EQ(tree[0].rolled_up_seats, 19);
  EXPECT_EQ(tree[0].rolled_up_arr.at("GBP"), 177);
  EXPECT_EQ(tree[0].rolled_up_arr.at("EUR"), 3);
  EXPECT_EQ(tree[0].descendant_count, 4);
  EXPECT_EQ(tree[1].rolled_up_seats, 4);
  EXPECT_EQ(tree[1].rolled_up_arr.at("GBP"), 27);
  EXPECT_EQ(tree[1].descendant_count, 2);
  EXPECT_EQ(tree[4].descendant_count, 0);
}

TEST(BuildTree, UnknownRootIsEmpty) { EXPECT_TRUE(BuildTree("nope", {Make("g", "", "G", 1, 1)}).empty()); }

}  // namespace
}  // namespace flywheel::accounts
