#include "services/accounts/domain/validation.h"

#include <set>

#include "gtest/gtest.h"

namespace flywheel::accounts {
namespace {

Account ValidAccount() {
  Account a;
  a.name = "Northern Utility";
  a.arr = Money{"GBP", 250000000};
  a.licensed_seats = 400;
  a.external_ids["salesforce"] = "0015g00000ABC";
  a.labels["tier"] = "enterprise";
  a.contract_start = absl::CivilDay(2026, 1, 1);
  a.renewal_date = absl::CivilDay(2027, 1, 1);
  a.value_target = ValueTarget{Money{"GBP", 100000000}, "cost reduction"};
  return a;
}

std::set<std::string> FieldsOf(const FieldViolations& v) {
  std::set<std::string> out;
  for (const auto& item : v.items()) out.insert(item.field);
  return out;
}

TEST(ValidateAccount, AcceptsAValidAccount) {
  FieldViolations v;
  ValidateAccount(ValidAccount(), v);
  EXPECT_TRUE(v.empty()) << v.ToStatus();
}

TEST(ValidateAccount, NamesEveryBadField) {
  Account a = ValidAccount();
  a.name = "   ";
  a.arr = Money{"XYZ", -5};
  a.licensed_seats = -1;
  a.segment = std::string(101, 's');
  a.renewal_date = absl::CivilDay(2025, 12, 31);
  a.value_target->amount.minor_units = -1;
  a.labels["Bad Key"] = "x";
  a.external_ids[""] = "x";
  FieldViolations v;
  ValidateAccount(a, v);
  EXPECT_EQ(FieldsOf(v), (std::set<std::string>{"name", "arr.currency_code", "arr.minor_units", "licensed_seats",
                                                "segment", "renewal_date", "value_target.amount.minor_units",
                                                "labels[Bad Key]", "external_ids[]"}));
}

TEST(ValidateAccount, RejectsOversizedName) {
  Account a = ValidAccount();
  a.name = std::string(kMaxNameLength + 1, 'n');
  FieldViolations v;
  ValidateAccount(a, v);
  EXPECT_EQ(FieldsOf(v), std::set<std::string>{"name"});
}

TEST(CheckMask, NamesUnknownPathsByIndex) {
  FieldViolations v;
  CheckMask(WritableFields(), {"name", "etag", "arr", "nonsense"}, "update_mask", true, v);
  EXPECT_EQ(FieldsOf(v), (std::set<std::string>{"update_mask.paths[1]", "update_mask.paths[3]"}));
  FieldViolations empty;
  CheckMask(WritableFields(), {}, "update_mask", true, empty);
  EXPECT_EQ(FieldsOf(empty), std::set<std::string>{"update_mask"});
}

}  // namespace
}  // namespace flywheel::accounts
