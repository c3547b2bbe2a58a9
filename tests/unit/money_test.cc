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
