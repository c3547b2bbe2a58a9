// DESIGN §3 health rules, table by table.
#include "services/health/domain/scoring.h"

#include <limits>

#include "gtest/gtest.h"
#include "services/health/domain/signals.h"

namespace flywheel::health {
namespace {

const absl::CivilDay kDay(2026, 5, 26);

Scorecard WithUseCases() {
  Scorecard s = DefaultScorecard();
  s.key_use_cases = {"reporting", "routing", "automation", "surveys"};
  return s;
}

ScoringInput Base() {
  ScoringInput in;
  in.as_of = kDay;
  in.licensed_seats = 400;
  in.now = absl::FromCivil(absl::CivilSecond(2026, 5, 26, 12, 0, 0), absl::UTCTimeZone());
  return in;
}

const MeasureResult& MeasureOf(const HealthScore& h, const std::string& name) {
  for (const auto& m : h.measures) {
    if (m.name == name) return m;
  }
  static MeasureResult none;
  return none;
}

TEST(Presence, ScalesToEightyPercentOfSeatsAndCaps) {
  struct Case {
    std::optional<double> active;
    int64_t seats;
    std::optional<double> want;
  } cases[] = {
      {320, 400, 100}, {160, 400, 50}, {400, 400, 100}, {0, 400, 0}, {std::nullopt, 400, std::nullopt}, {10, 0, std::nullopt},
  };
  for (const auto& c : cases) {
    ScoringInput in = Base();
    in.active_users_28d = c.active;
    in.licensed_seats = c.seats;
    EXPECT_EQ(MeasureOf(ComputeHealth(DefaultScorecard(), in), "presence").score, c.want);
  }
}

TEST(Groups, MissingMeasureWeightIsRedistributed) {
  ScoringInput in = Base();
  in.active_users_28d = 160;  // presence 50
  in.use_cases_seen = {"reporting", "routing", "automation", "surveys"};  // use_cases 100
  HealthScore h = ComputeHealth(WithUseCases(), in);
  // value is missing: presence 40 and use_cases 30 share the group → (40×50 + 30×100) ÷ 70.
  ASSERT_TRUE(h.behavioural.has_value());
  EXPECT_NEAR(*h.behavioural, (40 * 50.0 + 30 * 100.0) / 70, 1e-6);
  EXPECT_NEAR(MeasureOf(h, "presence").effective_weight, 40.0 / 70, 1e-12);
  EXPECT_FALSE(MeasureOf(h, "value").score.has_value());
  EXPECT_EQ(MeasureOf(h, "value").effective_weight, 0);
  // No emotional data: the overall is the behavioural score alone, quadrant unknown.
  EXPECT_FALSE(h.emotional.has_value());
  EXPECT_EQ(h.overall, h.behavioural);
  EXPECT_EQ(h.quadrant, Quadrant::kUnknown);
  EXPECT_EQ(h.prescription, Prescription::kCollectData);
}

TEST(Groups, NoDataAtAllIsMissingNotZero) {
  HealthScore h = ComputeHealth(DefaultScorecard(), Base());
  EXPECT_FALSE(h.overall.has_value());
  EXPECT_EQ(h.band, Band::kUnknown);
  EXPECT_EQ(h.quadrant, Quadrant::kUnknown);
  EXPECT_EQ(h.value_level, ValueLevel::kNone);
  EXPECT_EQ(h.trend, Trend::kUnknown);
}

TEST(Emotional, NpsAndCsatMapToHundredPointScales) {
  ScoringInput in = Base();
  in.nps_scores = {10, 9, 8, 6, 0};  // 40% promoters − 40% detractors = 0 → 50
  in.csat_scores = {5, 4, 3};        // mean 4 → 75
  HealthScore h = ComputeHealth(DefaultScorecard(), in);
  EXPECT_EQ(MeasureOf(h, "nps").score, 50);
  EXPECT_EQ(MeasureOf(h, "csat").score, 75);
  EXPECT_NEAR(*h.emotional, (60 * 50 + 40 * 75) / 100.0, 1e-9);
}

TEST(Bands, BoundariesAtExactlyFiftyAndSeventyFive) {
  Scorecard s = DefaultScorecard();
  struct Case {
    double score;
    Band band;
  } cases[] = {{0, Band::kRed}, {50, Band::kRed}, {50.000001, Band::kAmber}, {75, Band::kAmber},
               {75.000001, Band::kGreen}, {100, Band::kGreen}};
  for (const auto& c : cases) EXPECT_EQ(BandFor(c.score, s), c.band) << c.score;

  // Through the whole pipeline: presence exactly 50 and CSAT exactly 50 → overall 50 → RED.
  ScoringInput in = Base();
  in.active_users_28d = 160;
  in.csat_scores = {3};
  HealthScore h = ComputeHealth(s, in);
  EXPECT_EQ(h.overall, 50);
  EXPECT_EQ(h.band, Band::kRed);
}

TEST(Quadrants, EachQuadrantAndItsPrescription) {
  struct Case {
    std::optional<double> b, e;
    Quadrant q;
    Prescription p;
  } cases[] = {
      {80, 80, Quadrant::kThriving, Prescription::kAdvocacy},
      {80, 30, Quadrant::kCaptive, Prescription::kRelationship},
      {30, 80, Quadrant::kDormant, Prescription::kEducation},
      {30, 30, Quadrant::kAtRisk, Prescription::kEscalation},
      {50, 51, Quadrant::kDormant, Prescription::kEducation},  // 50 is not high
      {std::nullopt, 80, Quadrant::kUnknown, Prescription::kCollectData},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(QuadrantFor(c.b, c.e), c.q);
    EXPECT_EQ(PrescriptionFor(c.q), c.p);
  }
}

TEST(ValueHierarchy, LevelsAreReachedInOrder) {
  ValueTracking on_track = ComputeValueTracking(Money{"GBP", 100}, absl::CivilDay(2026, 1, 1), kDay, Money{"GBP", 100});
  ValueTracking short_of = ComputeValueTracking(Money{"GBP", 100000}, absl::CivilDay(2026, 1, 1), kDay, Money{"GBP", 100});
  struct Case {
    std::optional<double> active;
    std::vector<std::string> use_cases;
    bool realised;
    std::optional<ValueTracking> value;
    ValueLevel want;
  } cases[] = {
      {std::nullopt, {}, false, std::nullopt, ValueLevel::kNone},
      {0, {"reporting", "routing"}, true, on_track, ValueLevel::kNone},  // no presence: nothing above counts
      {10, {"reporting"}, false, std::nullopt, ValueLevel::kPresence},   // 25% of use cases
      {10, {"reporting", "routing"}, false, std::nullopt, ValueLevel::kUseCases},
      {10, {"reporting", "routing"}, true, short_of, ValueLevel::kValue},
      {10, {"reporting", "routing"}, true, on_track, ValueLevel::kRoi},
      {10, {"reporting"}, true, on_track, ValueLevel::kPresence},  // ROI without use cases is not reached
  };
  for (const auto& c : cases) {
    ScoringInput in = Base();
    in.active_users_28d = c.active;
    in.use_cases_seen = c.use_cases;
    in.any_value_realised = c.realised;
    in.value = c.value;
    EXPECT_EQ(ComputeHealth(WithUseCases(), in).value_level, c.want);
  }
}

TEST(Trend, ThresholdsAreFivePoints) {
  double delta;
  EXPECT_EQ(TrendFor(60, 54.9, &delta), Trend::kUp);
  EXPECT_EQ(TrendFor(60, 55, &delta), Trend::kFlat);
  EXPECT_EQ(TrendFor(60, 65, &delta), Trend::kFlat);
  EXPECT_EQ(TrendFor(60, 65.1, &delta), Trend::kDown);
  EXPECT_NEAR(delta, -5.1, 1e-9);
  EXPECT_EQ(TrendFor(60, std::nullopt, &delta), Trend::kUnknown);
}

TEST(ValueTracking, WholeDayExampleIsExact) {
  // Contract start 2026-01-01, as of 2026-05-26 (146 days), £320,000 realised.
  ValueTracking t = ComputeValueTracking(Money{"GBP", 100000000}, absl::CivilDay(2026, 1, 1), kDay, Money{"GBP", 32000000});
  EXPECT_EQ(t.elapsed_days, 146);
  EXPECT_EQ(t.year_start, absl::CivilDay(2026, 1, 1));
  EXPECT_EQ(t.projected_annual.minor_units, 80000000);
  EXPECT_EQ(t.gap->minor_units, 20000000);
  EXPECT_EQ(t.on_track, false);
}

TEST(ValueTracking, HalfYearExampleWithinOneDaysRounding) {
  // £1m target, £400k realised at the half year: projected ≈ £800k, gap ≈ £200k.
  for (int days : {182, 183}) {
    absl::CivilDay as_of = absl::CivilDay(2026, 1, 1) + (days - 1);
    ValueTracking t = ComputeValueTracking(Money{"GBP", 100000000}, absl::CivilDay(2026, 1, 1), as_of, Money{"GBP", 40000000});
    EXPECT_EQ(t.elapsed_days, days);
    EXPECT_NEAR(t.projected_annual.minor_units, 80000000, 80000000.0 / 182);
    EXPECT_NEAR(t.gap->minor_units, 20000000, 80000000.0 / 182);
  }
}

TEST(ValueTracking, ContractYearRollsOnAnniversaryAndElapsedIsAtLeastThirty) {
  EXPECT_EQ(ContractYearStart(absl::CivilDay(2024, 3, 15), absl::CivilDay(2026, 3, 14)), absl::CivilDay(2025, 3, 15));
  EXPECT_EQ(ContractYearStart(absl::CivilDay(2024, 3, 15), absl::CivilDay(2026, 3, 15)), absl::CivilDay(2026, 3, 15));
  ValueTracking early = ComputeValueTracking(Money{"GBP", 1000}, absl::CivilDay(2026, 5, 20), kDay, Money{"GBP", 10});
  EXPECT_EQ(early.elapsed_days, 7);
  EXPECT_EQ(early.projected_annual.minor_units, 122);  // 10 × 365 ÷ 30 = 121.67 → 122
  ValueTracking half = ComputeValueTracking(Money{"GBP", 1000}, absl::CivilDay(2026, 1, 1), absl::CivilDay(2026, 3, 1), Money{"GBP", 2});
  // 2 × 365 ÷ 60 = 12.1666 → 12; rounding is half-up: 3 × 365 ÷ 146 = 7.5 → 8.
  EXPECT_EQ(half.projected_annual.minor_units, 12);
  EXPECT_EQ(ComputeValueTracking(Money{"GBP", 1000}, absl::CivilDay(2026, 1, 1), kDay, Money{"GBP", 3}).projected_annual.minor_units, 8);
}

TEST(ValueTracking, ReportsTheDaysElapsedAndTheDaysUsedApart) {
  // Seven days into the year: the projection divides by 30, and says so.
  ValueTracking t = ComputeValueTracking(Money{"GBP", 1000}, absl::CivilDay(2026, 5, 20), kDay, Money{"GBP", 10});
  EXPECT_EQ(t.elapsed_days, 7);
  EXPECT_EQ(t.days_used, 30);
  ValueTracking later = ComputeValueTracking(Money{"GBP", 1000}, absl::CivilDay(2026, 1, 1), kDay, Money{"GBP", 10});
  EXPECT_EQ(later.elapsed_days, 146);
  EXPECT_EQ(later.days_used, 146);
}

TEST(ValueTracking, WithoutATargetRealisedAndProjectedStillExist) {
  ValueTracking t = ComputeValueTracking(std::nullopt, absl::CivilDay(2026, 1, 1), kDay, Money{"GBP", 32000000});
  EXPECT_FALSE(t.target.has_value());
  EXPECT_EQ(t.realised, (Money{"GBP", 32000000}));
  EXPECT_EQ(t.projected_annual, (Money{"GBP", 80000000}));
  EXPECT_FALSE(t.gap.has_value());
  EXPECT_FALSE(t.on_track.has_value());
}

TEST(ValueTracking, AFebruaryTwentyNinthStartHasItsAnniversaryOnTheTwentyEighth) {
  absl::CivilDay start(2024, 2, 29);
  EXPECT_EQ(ContractYearStart(start, absl::CivilDay(2025, 2, 28)), absl::CivilDay(2025, 2, 28));
  EXPECT_EQ(ContractYearStart(start, absl::CivilDay(2025, 2, 27)), absl::CivilDay(2024, 2, 29));
  EXPECT_EQ(ContractYearStart(start, absl::CivilDay(2025, 3, 1)), absl::CivilDay(2025, 2, 28));
  EXPECT_EQ(ContractYearStart(start, absl::CivilDay(2028, 2, 29)), absl::CivilDay(2028, 2, 29));
  EXPECT_EQ(ContractYearStart(start, absl::CivilDay(2028, 2, 28)), absl::CivilDay(2027, 2, 28));
  // On the 28th the new year has begun: one day elapsed.
  EXPECT_EQ(ComputeValueTracking(std::nullopt, start, absl::CivilDay(2025, 2, 28), Money{"GBP", 0}).elapsed_days, 1);
}

TEST(ValueTracking, HugeSumsAreHeldNotWrappedAndTheMeasureStaysInRange) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  ValueTracking t = ComputeValueTracking(Money{"GBP", kMaxMinorUnits}, absl::CivilDay(2026, 1, 1), kDay, Money{"GBP", max});
  EXPECT_EQ(t.projected_annual.minor_units, max);
  EXPECT_EQ(t.gap->minor_units, 0);
  EXPECT_EQ(t.on_track, true);
  ScoringInput in = Base();
  in.value = t;
  in.any_value_realised = true;
  HealthScore h = ComputeHealth(DefaultScorecard(), in);
  ASSERT_TRUE(MeasureOf(h, "value").score.has_value());
  EXPECT_EQ(*MeasureOf(h, "value").score, 100);
  ASSERT_TRUE(h.overall.has_value());
  EXPECT_LE(*h.overall, 100);
}

TEST(Overrides, ApplyUntilTheyExpire) {
  ScoringInput in = Base();
  in.active_users_28d = 320;
  in.nps_scores = {10};
  in.override = Override{20, "exec escalation", "vp@vendor.example", in.now + absl::Hours(1), in.now};
  HealthScore h = ComputeHealth(DefaultScorecard(), in);
  EXPECT_EQ(h.overall, 20);
  EXPECT_EQ(h.computed_overall, 100);
  EXPECT_EQ(h.band, Band::kRed);
  ASSERT_TRUE(h.override.has_value());
  EXPECT_EQ(h.quadrant, Quadrant::kThriving);  // quadrants come from the measured groups

  in.now += absl::Hours(2);  // expired
  h = ComputeHealth(DefaultScorecard(), in);
  EXPECT_EQ(h.overall, 100);
  EXPECT_FALSE(h.override.has_value());
  EXPECT_EQ(h.band, Band::kGreen);
}

TEST(Explanation, ContributionsAddUpToTheGroupScores) {
  ScoringInput in = Base();
  in.active_users_28d = 200;
  in.use_cases_seen = {"reporting"};
  in.value = ComputeValueTracking(Money{"GBP", 100000000}, absl::CivilDay(2026, 1, 1), kDay, Money{"GBP", 32000000});
  in.any_value_realised = true;
  in.nps_scores = {9, 3};
  in.csat_scores = {4, 5};
  HealthScore h = ComputeHealth(WithUseCases(), in);
  double behavioural = 0, emotional = 0;
  for (const auto& m : h.measures) (m.group == "behavioural" ? behavioural : emotional) += m.contribution;
  EXPECT_NEAR(behavioural, *h.behavioural, 1e-5);
  EXPECT_NEAR(emotional, *h.emotional, 1e-5);
  EXPECT_EQ(MeasureOf(h, "value").score, 80);
  EXPECT_EQ(h.scorecard_id, "default");
}

TEST(Signals, ValidationNamesBadFields) {
  FieldViolations v;
  ValidateUsage({"acc", kDay, "Use Case!", -1, ""}, kDay, v);
  ASSERT_EQ(v.items().size(), 2u);
  EXPECT_EQ(v.items()[0].field, "metric");
  EXPECT_EQ(v.items()[1].field, "value");
  FieldViolations nan;
  ValidateUsage({"acc", kDay, "logins", std::nan(""), ""}, kDay, nan);
  EXPECT_EQ(nan.items().at(0).field, "value");
  FieldViolations absurd;
  ValidateUsage({"acc", kDay + 2, "logins", 1e308, ""}, kDay, absurd);
  ASSERT_EQ(absurd.items().size(), 2u);
  EXPECT_EQ(absurd.items()[0].description, "must be at most 1e+12");
  EXPECT_EQ(absurd.items()[1].field, "day");
  EXPECT_EQ(absurd.items()[1].description, "must not be after tomorrow (2026-05-27)");
  FieldViolations tomorrow;
  ValidateUsage({"acc", kDay + 1, "logins", kMaxUsageValue, ""}, kDay, tomorrow);
  EXPECT_TRUE(tomorrow.empty());
  FieldViolations survey;
  SurveyResponse r;
  r.kind = SurveyKind::kCsat;
  r.score = 0;
  r.time = absl::FromCivil(kDay + 2, absl::UTCTimeZone());
  ValidateSurvey(r, kDay, survey);
  EXPECT_EQ(survey.items().size(), 4u);  // time, response_id, score, respondent
  EXPECT_TRUE(IsValidMetricName("use_case.reporting"));
  EXPECT_FALSE(IsValidMetricName("use_case..x"));
  EXPECT_FALSE(IsValidMetricName(".x"));
}

TEST(Scorecards, ValidationNamesEveryBrokenRule) {
  Scorecard s = DefaultScorecard();
  s.red_max = 80;
  s.weights.nps = 0;
  s.weights.csat = 0;
  s.presence_target = 0;
  s.key_use_cases = {"a", "a"};
  FieldViolations v;
  ValidateScorecard(s, v);
  std::vector<std::string> fields;
  for (const auto& i : v.items()) fields.push_back(i.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"weights", "amber_max", "presence_target", "key_use_cases[1]"}));
}

}  // namespace
}  // namespace flywheel::health
