#include <limits>

#include "common/ids/ids.h"
#include "common/money/money.h"
#include "gtest/gtest.h"

namespace flywheel {
namespace {

TEST(Currency, KnowsIso4217Codes) {
  EXPECT_TRUE(IsKnownCurrency("GBP"));
  EXPECT_TRUE(IsKnownCurrency("USD"));
  EXPECT_TRUE(IsKnownCurrency("EUR"));
  EXPECT_FALSE(IsKnownCurrency("gbp"));
  EXPECT_FALSE(IsKnownCurrency("XXX"));
  EXPECT_FALSE(IsKnownCurrency(""));
}

TEST(Amounts, AreCheckedAgainstTheDocumentedMaximum) {
  FieldViolations v;
  CheckAmount(Money{"GBP", kMaxMinorUnits}, "arr", v);
  EXPECT_TRUE(v.empty());
  CheckAmount(Money{"GBP", kMaxMinorUnits + 1}, "arr", v);
  CheckAmount(Money{"gbp", -1}, "record.amount", v);
  ASSERT_EQ(v.items().size(), 3u);
  EXPECT_EQ(v.items()[0].field, "arr.minor_units");
  EXPECT_EQ(v.items()[0].description, "must be at most 1000000000000000");
  EXPECT_EQ(v.items()[1].field, "record.amount.currency_code");
  EXPECT_EQ(v.items()[2].field, "record.amount.minor_units");
}

TEST(Amounts, SumsAreHeldAtTheBoundsInsteadOfOverflowing) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(AddMinorUnits(max, max), max);
  EXPECT_EQ(AddMinorUnits(max, 1), max);
  EXPECT_EQ(AddMinorUnits(std::numeric_limits<int64_t>::min(), -1), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(AddMinorUnits(40, 2), 42);
}

TEST(Ids, AreUniqueAndPrefixed) {
  std::string a = ids::NewId("acc");
  std::string b = ids::NewId("acc");
  EXPECT_NE(a, b);
  EXPECT_TRUE(ids::HasPrefix(a, "acc"));
  EXPECT_FALSE(ids::HasPrefix(a, "stk"));
  EXPECT_FALSE(ids::HasPrefix("acc_short", "acc"));
}

}  // namespace
}  // namespace flywheel
