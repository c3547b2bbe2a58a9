#include <limits>

#include "common/convert/type_convert.h"
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

TEST(Timestamps, OutsideTheProtobufRangeAreBadInputNotAnotherInstant) {
  auto check = [](int64_t seconds, int32_t nanos) {
    google::protobuf::Timestamp t;
    t.set_seconds(seconds);
    t.set_nanos(nanos);
    FieldViolations v;
    std::optional<absl::Time> at = convert::FromTimestamp(t, "expire_time", v);
    EXPECT_EQ(at.has_value(), v.empty());
    return at;
  };
  EXPECT_EQ(check(0, 5), absl::UnixEpoch() + absl::Nanoseconds(5));
  EXPECT_TRUE(check(253402300799, 999999999).has_value());  // 9999-12-31T23:59:59.999999999Z
  EXPECT_TRUE(check(-62135596800, 0).has_value());          // 0001-01-01T00:00:00Z
  EXPECT_FALSE(check(999999999999999, 0).has_value());
  EXPECT_FALSE(check(-62135596801, 0).has_value());         // before year 1
  EXPECT_FALSE(check(0, 2000000000).has_value());
  EXPECT_FALSE(check(0, -1).has_value());
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
