#include "common/db/change_log.h"

#include "gtest/gtest.h"

namespace flywheel::db {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

TEST(ChangeLogTest, StopsBeforeAYoungGapAndPassesAnOldOne) {
  // Contiguous changes are all delivered.
  EXPECT_EQ(DeliverableChanges(4, {{5, kNow}, {6, kNow}, {7, kNow}}, kNow), 3u);
  // 8 may still commit: 9 waits for it.
  EXPECT_EQ(DeliverableChanges(7, {{9, kNow - absl::Seconds(1)}}, kNow), 0u);
  EXPECT_EQ(DeliverableChanges(5, {{6, kNow}, {8, kNow}}, kNow), 1u);
  // A number missing for longer than the grace was rolled back: read past it.
  EXPECT_EQ(DeliverableChanges(7, {{9, kNow - kChangeLogGrace}, {10, kNow}}, kNow), 2u);
  // A later young gap still stops the read.
  EXPECT_EQ(DeliverableChanges(7, {{9, kNow - absl::Minutes(5)}, {11, kNow}}, kNow), 1u);
  EXPECT_EQ(DeliverableChanges(7, {}, kNow), 0u);
}

}  // namespace
}  // namespace flywheel::db
