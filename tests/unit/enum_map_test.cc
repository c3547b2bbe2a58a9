// EnumMap: lookups both ways, the one-to-one check a table is compiled against, SQL lists.
#include "common/enums/enum_map.h"

#include "gtest/gtest.h"

namespace flywheel {
namespace {

enum class Colour { kRed = 1, kGreen, kBlue };

constexpr EnumMap<Colour, int, 3> kStored{{{{Colour::kRed, 10}, {Colour::kGreen, 20}, {Colour::kBlue, 30}}}};
static_assert(kStored.OneToOne());
static_assert(kStored.To(Colour::kGreen) == 20);
static_assert(*kStored.From(30) == Colour::kBlue);

TEST(EnumMap, MapsBothWaysAndRefusesUnknownNumbers) {
  EXPECT_EQ(kStored.To(Colour::kRed), 10);
  EXPECT_EQ(kStored.From(20), Colour::kGreen);
  EXPECT_FALSE(kStored.From(2).has_value());  // the enum's own number is not what is stored
  EXPECT_EQ(StoredList(kStored, {Colour::kBlue, Colour::kRed}), "30, 10");
}

TEST(EnumMap, ATableWithAValueTwiceIsNotOneToOne) {
  constexpr EnumMap<Colour, int, 3> twice_stored{{{{Colour::kRed, 1}, {Colour::kGreen, 1}, {Colour::kBlue, 3}}}};
  constexpr EnumMap<Colour, int, 3> twice_listed{{{{Colour::kRed, 1}, {Colour::kRed, 2}, {Colour::kBlue, 3}}}};
  EXPECT_FALSE(twice_stored.OneToOne());
  EXPECT_FALSE(twice_listed.OneToOne());
}

}  // namespace
}  // namespace flywheel
