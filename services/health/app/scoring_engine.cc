#include "services/health/app/scoring_engine.h"

namespace flywheel::health {

absl::StatusOr<Scorecard> ScoringEngine::ScorecardFor(const std::string& id, std::map<std::string, Scorecard>& cache) {
  auto it = cache.find(id);
  if (it != cache.end()) return it->second;
  auto loaded = repository_.GetScorecard(id);
  if (loaded.status().code() == absl::StatusCode::kNotFound && id == kDefaultScorecardId) loaded = DefaultScorecard();
  if (!loaded.ok()) return loaded.status();
  return cache[id] = *loaded;
}

absl::StatusOr<std::vector<ScoredAccount>> ScoringEngine::Score(const std::vector<AccountFacts>& accounts,
                                                                absl::CivilDay as_of) {
  std::vector<std::string> ids;
  ids.reserve(accounts.size());
  for (const auto& a : accounts) ids.push_back(a.id);
  auto signals = repository_.LoadScoringSignals(ids, as_of);
  if (!signals.ok()) return signals.status();
  auto assignments = repository_.Assignments(ids);
  if (!assignments.ok()) return assignments.status();
  auto overrides = repository_.Overrides(ids);
  if (!overrides.ok()) return overrides.status();
  auto earlier = repository_.OverallOn(ids, as_of - kTrendLookbackDays);
  if (!earlier.ok()) return earlier.status();

  std::map<std::string, Scorecard> scorecards;
  std::vector<ScoredAccount> out;
  out.reserve(accounts.size());
  absl::Time now = clock_.Now();
  static const SignalWindow kNoSignals;
  for (const auto& account : accounts) {
    auto assigned = assignments->find(account.id);
    auto scorecard = ScorecardFor(assigned == assignments->end() ? kDefaultScorecardId : assigned->second, scorecards);
    if (!scorecard.ok()) return scorecard.status();
    auto s = signals->find(account.id);
    const SignalWindow& window = s == signals->end() ? kNoSignals : s->second;
    auto e = earlier->find(account.id);
    auto o = overrides->find(account.id);
    ScoringInput input = BuildScoringInput(account, window, as_of, e == earlier->end() ? std::nullopt : e->second,
                                           o == overrides->end() ? std::nullopt : std::optional<Override>(o->second), now);
    out.push_back({account, ComputeHealth(*scorecard, input), input.value, input.overall_30_days_earlier});
  }
  return out;
}

StoredScore ScoringEngine::ToStored(const ScoredAccount& s, absl::Time compute_time) const {
  StoredScore out;
  out.account_id = s.facts.id;
  out.as_of = s.score.as_of;
  out.overall = s.score.overall;
  out.band = s.score.band;
  out.quadrant = s.score.quadrant;
  out.trend = s.score.trend;
  out.trend_delta = s.score.trend_delta;
  out.value_level = s.score.value_level;
  out.account_name = s.facts.name;
  out.csm_owner = s.facts.csm_owner;
  out.arr = s.facts.arr;
  if (s.value && s.value->target) {
    out.value_target = s.value->target;
    out.value_projected_minor = s.value->projected_annual.minor_units;
    out.value_gap_minor = s.value->gap->minor_units;
  }
  out.detail = detail_(s, compute_time);
  out.compute_time = compute_time;
  return out;
}

absl::StatusOr<int64_t> ScoringEngine::ScoreAndStore(const std::vector<AccountFacts>& accounts, absl::CivilDay as_of,
                                                     double* score_seconds, double* store_seconds,
                                                     ScoreCause cause) {
  absl::Time start = absl::Now();
  auto scored = Score(accounts, as_of);
  if (!scored.ok()) return scored.status();
  absl::Time now = clock_.Now();
  std::vector<StoredScore> stored;
  stored.reserve(scored->size());
  for (const auto& s : *scored) stored.push_back(ToStored(s, now));
  absl::Time scored_at = absl::Now();
  auto changes = repository_.StoreScores(stored, cause);
  *score_seconds += absl::ToDoubleSeconds(scored_at - start);
  *store_seconds += absl::ToDoubleSeconds(absl::Now() - scored_at);
  return changes;
}

}  // namespace flywheel::health
