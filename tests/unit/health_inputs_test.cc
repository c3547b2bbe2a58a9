// Cutting stored signals into the windows of DESIGN §3 as of a day.
#include "services/health/domain/inputs.h"

#include <limits>

#include "gtest/gtest.h"

namespace flywheel::health {
namespace {

const absl::CivilDay kDay(2026, 5, 26);

AccountFacts Utility() {
  AccountFacts a;
  a.id = "acc_1";
  a.licensed_seats = 400;
  a.contract_start = absl::CivilDay(2026, 1, 1);
  a.value_target = Money{"GBP", 100000000};
  return a;
}

absl::Time At(absl::CivilDay day) { return absl::FromCivil(day, absl::UTCTimeZone()) + absl::Hours(12); }

TEST(BuildScoringInput, PresenceTakesTheLatestReadingOfTheLastSevenDays) {
  SignalWindow w;
  w.usage = {{"acc_1", kDay - 10, kActiveUsers28d, 999, "t"},  // too old
             {"acc_1", kDay - 6, kActiveUsers28d, 100, "t"},
             {"acc_1", kDay - 1, kActiveUsers28d, 200, "t"},
             {"acc_1", kDay + 1, kActiveUsers28d, 300, "t"}};  // after the day: ignored
  ScoringInput in = BuildScoringInput(Utility(), w, kDay, std::nullopt, std::nullopt, absl::Now());
  EXPECT_EQ(in.active_users_28d, 200);
  w.usage.resize(1);
  EXPECT_FALSE(BuildScoringInput(Utility(), w, kDay, std::nullopt, std::nullopt, absl::Now()).active_users_28d);
}

TEST(BuildScoringInput, UseCasesCountInTheLastTwentyEightDays) {
  SignalWindow w;
  w.usage = {{"acc_1", kDay - 27, "use_case.reporting", 1, "t"},
             {"acc_1", kDay - 28, "use_case.routing", 5, "t"},  // outside (D−28, D]
             {"acc_1", kDay, "use_case.surveys", 0, "t"},       // no event
             {"acc_1", kDay, "logins", 50, "t"}};
  ScoringInput in = BuildScoringInput(Utility(), w, kDay, std::nullopt, std::nullopt, absl::Now());
  EXPECT_EQ(in.use_cases_seen, std::vector<std::string>{"reporting"});
}

TEST(BuildScoringInput, SurveysCountInTheLastNinetyDaysByKind) {
  SignalWindow w;
  SurveyResponse nps_old{"acc_1", "a", SurveyKind::kNps, 10, "x", "", "", At(kDay - 90)};
  SurveyResponse nps{"acc_1", "b", SurveyKind::kNps, 3, "x", "", "", At(kDay - 89)};
  SurveyResponse csat{"acc_1", "c", SurveyKind::kCsat, 4, "x", "", "", At(kDay)};
  SurveyResponse future{"acc_1", "d", SurveyKind::kCsat, 1, "x", "", "", At(kDay + 1)};
  w.surveys = {nps_old, nps, csat, future};
  ScoringInput in = BuildScoringInput(Utility(), w, kDay, std::nullopt, std::nullopt, absl::Now());
  EXPECT_EQ(in.nps_scores, std::vector<int>{3});
  EXPECT_EQ(in.csat_scores, std::vector<int>{4});
}

TEST(BuildScoringInput, ValueCountsFromTheContractYearStartAndRecomputesAsOfAPastDay) {
  SignalWindow w;
  w.values = {{"acc_1", "v0", Money{"GBP", 5000000}, absl::CivilDay(2025, 12, 31), ""},  // previous year
              {"acc_1", "v1", Money{"GBP", 32000000}, absl::CivilDay(2026, 5, 20), ""},
              {"acc_1", "v2", Money{"GBP", 10000000}, absl::CivilDay(2026, 6, 20), ""},
              {"acc_1", "v3", Money{"EUR", 999}, absl::CivilDay(2026, 5, 1), ""}};  // other currency
  ScoringInput now = BuildScoringInput(Utility(), w, kDay, std::nullopt, std::nullopt, absl::Now());
  ASSERT_TRUE(now.value.has_value());
  EXPECT_EQ(now.value->realised.minor_units, 32000000);
  EXPECT_EQ(now.value->projected_annual.minor_units, 80000000);
  EXPECT_TRUE(now.any_value_realised);
  // As of an earlier day, later records do not count.
  ScoringInput earlier = BuildScoringInput(Utility(), w, absl::CivilDay(2026, 5, 19), std::nullopt, std::nullopt, absl::Now());
  EXPECT_EQ(earlier.value->realised.minor_units, 0);
  AccountFacts no_target = Utility();
  no_target.value_target.reset();
  no_target.arr = Money{"GBP", 1};
  ScoringInput without = BuildScoringInput(no_target, w, kDay, std::nullopt, std::nullopt, absl::Now());
  ASSERT_TRUE(without.value.has_value());  // realised and projected exist without a target
  EXPECT_EQ(without.value->realised, (Money{"GBP", 32000000}));
  EXPECT_EQ(without.value->projected_annual, (Money{"GBP", 80000000}));
  EXPECT_FALSE(without.value->gap.has_value());
}

TEST(ValueTrackingFor, SumsAreHeldAtTheLargestAmountInsteadOfWrapping) {
  // Two of the largest int64 amounts (stored before amounts had a maximum): not -2.
  const int64_t max = std::numeric_limits<int64_t>::max();
  std::vector<ValueRecord> values = {{"acc_1", "v1", Money{"GBP", max}, kDay - 1, ""},
                                     {"acc_1", "v2", Money{"GBP", max}, kDay, ""}};
  std::optional<ValueTracking> t = ValueTrackingFor(Utility(), values, kDay);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->realised.minor_units, max);
  EXPECT_EQ(t->projected_annual.minor_units, max);
  EXPECT_EQ(t->gap->minor_units, 0);
}

TEST(ValueTrackingFor, WithoutTargetOrArrCountsInTheLatestRecordsCurrency) {
  AccountFacts a = Utility();
  a.value_target.reset();
  std::vector<ValueRecord> values = {{"acc_1", "v1", Money{"EUR", 500}, kDay - 3, ""},
                                     {"acc_1", "v2", Money{"USD", 700}, kDay - 1, ""},
                                     {"acc_1", "v3", Money{"USD", 300}, kDay - 2, ""}};
  std::optional<ValueTracking> t = ValueTrackingFor(a, values, kDay);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->realised, (Money{"USD", 1000}));
  a.contract_start.reset();
  EXPECT_FALSE(ValueTrackingFor(a, values, kDay).has_value());  // no contract year without a start
}

}  // namespace
}  // namespace flywheel::health
