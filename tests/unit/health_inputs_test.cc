// Cutting stored signals into the windows of DESIGN §3 as of a day.
#include "services/health/domain/inputs.h"

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
  EXPECT_FALSE(BuildScoringInput(no_target, w, kDay, std::nullopt, std::nullopt, absl::Now()).value.has_value());
}

}  // namespace
}  // namespace flywheel::health
