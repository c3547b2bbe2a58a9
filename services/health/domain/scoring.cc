#include "services/health/domain/scoring.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "services/health/domain/signals.h"

namespace flywheel::health {
namespace {

constexpr char kBehavioural[] = "behavioural";
constexpr char kEmotional[] = "emotional";
constexpr double kHigh = 50;        // a group score above this is "high" for the quadrant
constexpr double kTrendStep = 5;    // points of change that make a trend

// Scores are kept to a millionth of a point so that band boundaries compare exactly.
double Tidy(double score) { return std::round(score * 1e6) / 1e6; }

MeasureResult Presence(const Scorecard& sc, const ScoringInput& in) {
  MeasureResult m{"presence", kBehavioural, std::nullopt, sc.weights.presence};
  m.inputs = {{"licensed_seats", static_cast<double>(in.licensed_seats)}, {"presence_target", sc.presence_target}};
  if (!in.active_users_28d) {
    m.note = "no active_users_28d reading in the last 7 days";
  } else if (in.licensed_seats <= 0) {
    m.inputs.push_back({kActiveUsers28d, *in.active_users_28d});
    m.note = "the account has no licensed seats";
  } else {
    m.inputs.push_back({kActiveUsers28d, *in.active_users_28d});
    double ratio = *in.active_users_28d / (static_cast<double>(in.licensed_seats) * sc.presence_target);
    m.score = Tidy(std::clamp(ratio, 0.0, 1.0) * 100);
    m.note = "active users ÷ (seats × presence target), capped at 1";
  }
  return m;
}

MeasureResult UseCases(const Scorecard& sc, const ScoringInput& in) {
  MeasureResult m{"use_cases", kBehavioural, std::nullopt, sc.weights.use_cases};
  if (sc.key_use_cases.empty()) {
    m.note = "the scorecard names no key use cases";
    return m;
  }
  std::set<std::string> seen(in.use_cases_seen.begin(), in.use_cases_seen.end());
  int used = 0;
  for (const auto& key : sc.key_use_cases) used += seen.count(key) ? 1 : 0;
  m.inputs = {{"key_use_cases", static_cast<double>(sc.key_use_cases.size())}, {"key_use_cases_used_28d", static_cast<double>(used)}};
  m.score = Tidy(100.0 * used / sc.key_use_cases.size());
  m.note = "share of key use cases with an event in the last 28 days";
  return m;
}

MeasureResult Value(const Scorecard& sc, const ScoringInput& in) {
  MeasureResult m{"value", kBehavioural, std::nullopt, sc.weights.value};
  if (!in.value || !in.value->target) {
    m.note = "the account has no value target";
  } else if (!in.any_value_realised) {
    m.note = "no value recorded in the contract year";
  } else if (in.value->target->minor_units <= 0) {
    m.note = "the value target is zero";
  } else {
    m.inputs = {{"target_minor_units", static_cast<double>(in.value->target->minor_units)},
                {"projected_annual_minor_units", static_cast<double>(in.value->projected_annual.minor_units)},
                {"realised_minor_units", static_cast<double>(in.value->realised.minor_units)},
                {"elapsed_days", static_cast<double>(in.value->elapsed_days)},
                {"days_used", static_cast<double>(in.value->days_used)}};
    double ratio = static_cast<double>(in.value->projected_annual.minor_units) / in.value->target->minor_units;
    m.score = Tidy(std::clamp(ratio, 0.0, 1.0) * 100);
    m.note = "projected annual value ÷ target, capped at 1";
  }
  return m;
}

MeasureResult Nps(const Scorecard& sc, const ScoringInput& in) {
  MeasureResult m{"nps", kEmotional, std::nullopt, sc.weights.nps};
  if (in.nps_scores.empty()) {
    m.note = "no NPS response in the last 90 days";
    return m;
  }
  int promoters = 0, detractors = 0;
  for (int s : in.nps_scores) {
    promoters += IsPromoter(s);
    detractors += IsDetractor(s);
  }
  double n = static_cast<double>(in.nps_scores.size());
  double nps = 100.0 * promoters / n - 100.0 * detractors / n;
  m.inputs = {{"responses", n}, {"promoters", static_cast<double>(promoters)},
              {"detractors", static_cast<double>(detractors)}, {"nps", Tidy(nps)}};
  m.score = Tidy((nps + 100) / 2);
  m.note = "(NPS + 100) ÷ 2 over the last 90 days";
  return m;
}

MeasureResult Csat(const Scorecard& sc, const ScoringInput& in) {
  MeasureResult m{"csat", kEmotional, std::nullopt, sc.weights.csat};
  if (in.csat_scores.empty()) {
    m.note = "no CSAT response in the last 90 days";
    return m;
  }
  double sum = 0;
  for (int s : in.csat_scores) sum += s;
  double mean = sum / in.csat_scores.size();
  m.inputs = {{"responses", static_cast<double>(in.csat_scores.size())}, {"mean", Tidy(mean)}};
  m.score = Tidy((mean - 1) / 4 * 100);
  m.note = "(mean CSAT − 1) ÷ 4 over the last 90 days";
  return m;
}

// Weighted mean of the group's non-missing measures; fills their effective weights.
std::optional<double> GroupScore(std::vector<MeasureResult>& measures, const std::string& group) {
  double total_weight = 0;
  for (const auto& m : measures) {
    if (m.group == group && m.score) total_weight += m.weight;
  }
  if (total_weight <= 0) return std::nullopt;
  double score = 0;
  for (auto& m : measures) {
    if (m.group != group || !m.score) continue;
    m.effective_weight = m.weight / total_weight;
    m.contribution = Tidy(m.effective_weight * *m.score);
    score += m.effective_weight * *m.score;
  }
  return Tidy(score);
}

ValueLevel LevelFor(const ScoringInput& in, const std::vector<MeasureResult>& measures) {
  const auto& use_cases = measures[1];
  bool presence = in.active_users_28d && *in.active_users_28d > 0;
  bool use = use_cases.score && *use_cases.score >= 50;
  bool value = in.any_value_realised;
  bool roi = in.value && in.value->on_track.value_or(false) && in.value->target->minor_units > 0;
  if (!presence) return ValueLevel::kNone;
  if (!use) return ValueLevel::kPresence;
  if (!value) return ValueLevel::kUseCases;
  if (!roi) return ValueLevel::kValue;
  return ValueLevel::kRoi;
}

}  // namespace

Band BandFor(double score, const Scorecard& sc) {
  if (score <= sc.red_max) return Band::kRed;
  if (score <= sc.amber_max) return Band::kAmber;
  return Band::kGreen;
}

Quadrant QuadrantFor(std::optional<double> behavioural, std::optional<double> emotional) {
  if (!behavioural || !emotional) return Quadrant::kUnknown;
  bool b = *behavioural > kHigh, e = *emotional > kHigh;
  if (b && e) return Quadrant::kThriving;
  if (b) return Quadrant::kCaptive;
  if (e) return Quadrant::kDormant;
  return Quadrant::kAtRisk;
}

Prescription PrescriptionFor(Quadrant q) {
  switch (q) {
    case Quadrant::kThriving: return Prescription::kAdvocacy;
    case Quadrant::kCaptive: return Prescription::kRelationship;
    case Quadrant::kDormant: return Prescription::kEducation;
    case Quadrant::kAtRisk: return Prescription::kEscalation;
    case Quadrant::kUnknown: break;
  }
  return Prescription::kCollectData;
}

Trend TrendFor(std::optional<double> now, std::optional<double> earlier, double* delta) {
  *delta = 0;
  if (!now || !earlier) return Trend::kUnknown;
  *delta = Tidy(*now - *earlier);
  if (*delta > kTrendStep) return Trend::kUp;
  if (*delta < -kTrendStep) return Trend::kDown;
  return Trend::kFlat;
}

HealthScore ComputeHealth(const Scorecard& sc, const ScoringInput& in) {
  HealthScore h;
  h.as_of = in.as_of;
  h.scorecard_id = sc.id;
  h.scorecard_version = sc.version;
  h.measures = {Presence(sc, in), UseCases(sc, in), Value(sc, in), Nps(sc, in), Csat(sc, in)};
  h.behavioural = GroupScore(h.measures, kBehavioural);
  h.emotional = GroupScore(h.measures, kEmotional);
  if (h.behavioural && h.emotional) {
    h.computed_overall = Tidy((*h.behavioural + *h.emotional) / 2);
  } else if (h.behavioural) {
    h.computed_overall = h.behavioural;
  } else {
    h.computed_overall = h.emotional;
  }
  h.overall = h.computed_overall;
  if (in.override && in.override->expire_time > in.now) {
    h.override = in.override;
    h.overall = in.override->value;
  }
  h.band = h.overall ? BandFor(*h.overall, sc) : Band::kUnknown;
  h.quadrant = QuadrantFor(h.behavioural, h.emotional);
  h.prescription = PrescriptionFor(h.quadrant);
  h.value_level = LevelFor(in, h.measures);
  h.trend = TrendFor(h.overall, in.overall_30_days_earlier, &h.trend_delta);
  return h;
}

}  // namespace flywheel::health
