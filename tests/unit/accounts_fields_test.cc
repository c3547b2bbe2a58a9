#include "services/accounts/domain/account.h"
#include "common/status/errors.h"
#include "gtest/gtest.h"

namespace flywheel::accounts {
namespace {

TEST(ChangedFields, ListsExactlyTheFieldsThatDiffer) {
  Account a;
  a.name = "A";
  a.labels["tier"] = "gold";
  Account b = a;
  EXPECT_TRUE(ChangedFields(a, b).empty());
  b.name = "B";
  b.labels["tier"] = "silver";
  b.value_target = ValueTarget{Money{"GBP", 1}, "cost"};
  EXPECT_EQ(ChangedFields(a, b), (std::vector<std::string>{"name", "value_target", "labels"}));
  b.version = 9;  // not a writable field
  b.name = "A";
  EXPECT_EQ(ChangedFields(a, b), (std::vector<std::string>{"value_target", "labels"}));
}

TEST(ApplyFields, CopiesOnlyTheNamedFields) {
  Account from;
  from.name = "New";
  from.segment = "Enterprise";
  from.licensed_seats = 50;
  Account to;
  to.name = "Old";
  to.segment = "SMB";
  ApplyFields(from, {"name", "licensed_seats"}, to);
  EXPECT_EQ(to.name, "New");
  EXPECT_EQ(to.segment, "SMB");
  EXPECT_EQ(to.licensed_seats, 50);
  ApplyFields(from, {}, to);
  EXPECT_EQ(to.segment, "Enterprise");
}

TEST(Etag, StaleEtagIsAborted) {
  Account a;
  a.id = "acc_1";
  a.version = 3;
  EXPECT_TRUE(CheckEtag(a, "").ok());
  EXPECT_TRUE(CheckEtag(a, EtagOf(a)).ok());
  absl::Status stale = CheckEtag(a, "2");
  EXPECT_EQ(stale.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(GetErrorReason(stale), "ETAG_MISMATCH");
}

TEST(Stage, NamesRoundTrip) {
  for (auto s : {LifecycleStage::kSales, LifecycleStage::kOnboarding, LifecycleStage::kAdoption,
                 LifecycleStage::kValue, LifecycleStage::kRenewal, LifecycleStage::kChurned}) {
    EXPECT_EQ(StageFromName(StageName(s)), s);
  }
  EXPECT_FALSE(StageFromName("PILOT").has_value());
}

}  // namespace
}  // namespace flywheel::accounts
