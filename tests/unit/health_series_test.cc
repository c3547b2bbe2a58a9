// Daily signal series for milestone criteria: the windows of DESIGN §3, day by day.
#include <cmath>

#include "gtest/gtest.h"
#include "services/health/domain/series.h"

namespace flywheel::health {
namespace {

const absl::CivilDay kStart(2026, 5, 1);

UsageReading R(const std::string& metric, absl::CivilDay day, double value) { return {"acc_1", day, metric, value, "t"}; }

TEST(DailySeries, LatestReadingOfTheLastSevenDaysElseMissing) {
  SignalWindow w;
  w.usage = {R("active_users_28d", kStart, 10), R("active_users_28d", kStart, 12),  // two sources: the larger
             R("active_users_28d", kStart + 3, 20)};
  auto s = DailySeries("active_users_28d", w, 100, kStart - 1, kStart + 10);
  ASSERT_EQ(s.size(), 12u);
  EXPECT_TRUE(std::isnan(s[0]));  // the day before any reading
  EXPECT_EQ(s[1], 12);
  EXPECT_EQ(s[3], 12);
  EXPECT_EQ(s[4], 20);
  EXPECT_EQ(s[10], 20);           // kStart + 9: the reading of kStart + 3 is 6 days old
  EXPECT_TRUE(std::isnan(s[11]));  // kStart + 10: it is 7 days old, out of (d−7, d]
}

TEST(DailySeries, UseCasesSumTheLastTwentyEightDays) {
  SignalWindow w;
  w.usage = {R("use_case.reporting", kStart, 2), R("use_case.reporting", kStart + 10, 1)};
  auto s = DailySeries("use_case.reporting", w, 100, kStart - 1, kStart + 28);
  EXPECT_EQ(s[0], 0);
  EXPECT_EQ(s[1], 2);
  EXPECT_EQ(s[11], 3);
  EXPECT_EQ(s[28], 3);  // kStart + 27
  EXPECT_EQ(s[29], 1);  // kStart + 28: the first event has left the window
}

TEST(DailySeries, SeatsNpsAndCsat) {
  SignalWindow w;
  auto survey = [](SurveyKind kind, int score, absl::CivilDay day) {
    return SurveyResponse{"acc_1", "r", kind, score, "x", "", "", absl::FromCivil(day, absl::UTCTimeZone())};
  };
  w.surveys = {survey(SurveyKind::kNps, 10, kStart), survey(SurveyKind::kNps, 3, kStart + 1),
               survey(SurveyKind::kCsat, 4, kStart), survey(SurveyKind::kCsat, 2, kStart + 1)};
  EXPECT_EQ(DailySeries("seats", w, 250, kStart, kStart + 2), (std::vector<double>{250, 250, 250}));
  auto nps = DailySeries("nps", w, 0, kStart, kStart + 90);
  EXPECT_EQ(nps[0], 100);
  EXPECT_EQ(nps[1], 0);    // one promoter, one detractor
  EXPECT_EQ(nps[90], -100);  // kStart + 90: only the detractor is within (d−90, d]
  auto csat = DailySeries("csat", w, 0, kStart - 1, kStart + 1);
  EXPECT_TRUE(std::isnan(csat[0]));
  EXPECT_EQ(csat[1], 4);
  EXPECT_EQ(csat[2], 3);
  EXPECT_TRUE(IsSeriesName("use_case.routing"));
  EXPECT_FALSE(IsSeriesName("Active Users"));
}

}  // namespace
}  // namespace flywheel::health
