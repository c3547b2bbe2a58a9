// Text forms the database layer reads and writes.
#include "common/db/sql_params.h"

#include "gtest/gtest.h"

namespace flywheel::db {
namespace {

TEST(ParseDay, ReadsWhatFormatDayWrites) {
  for (absl::CivilDay day : {absl::CivilDay(2026, 5, 26), absl::CivilDay(2024, 2, 29), absl::CivilDay(1970, 1, 1),
                             absl::CivilDay(9999, 12, 31)}) {
    std::optional<absl::CivilDay> parsed = ParseDay(FormatDay(day));
    ASSERT_TRUE(parsed.has_value()) << FormatDay(day);
    EXPECT_EQ(*parsed, day);
  }
}

TEST(ParseDay, RefusesWhatIsNotADay) {
  for (const char* text : {"", "2026-5-26", "2026-05-26 ", "2026/05/26", "2026-02-30", "2025-02-29", "2026-13-01",
                           "2026-00-10", "2026-01-00", "20a6-01-01", "2026-01-32"}) {
    EXPECT_FALSE(ParseDay(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace flywheel::db
