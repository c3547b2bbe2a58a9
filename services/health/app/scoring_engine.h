// Scores accounts as of a day: loads their signals, scorecards, overrides and the score of
// 30 days earlier in batches, applies the domain rules, and (for rescoring) stores the
// results with their explanations, which the API edge encodes (DetailEncoder).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "services/health/domain/inputs.h"
#include "services/health/domain/scoring.h"
#include "services/health/storage/health_repository.h"

namespace flywheel::health {

struct ScoredAccount {
  AccountFacts facts;
  HealthScore score;
  std::optional<ValueTracking> value;
  std::optional<double> overall_30_days_earlier;
};

// The stored explanation of a score: what GetHealth answers for the account that day.
using DetailEncoder = std::function<std::string(const ScoredAccount& scored, absl::Time compute_time)>;

class ScoringEngine {
 public:
  ScoringEngine(HealthRepository& repository, const Clock& clock, DetailEncoder detail)
      : repository_(repository), clock_(clock), detail_(std::move(detail)) {}

  // Scores every account of `accounts` as of `as_of`, in input order.
  absl::StatusOr<std::vector<ScoredAccount>> Score(const std::vector<AccountFacts>& accounts, absl::CivilDay as_of);

  // Scores and stores; returns the number of band or quadrant changes recorded.
  absl::StatusOr<int64_t> ScoreAndStore(const std::vector<AccountFacts>& accounts, absl::CivilDay as_of,
                                        double* score_seconds, double* store_seconds,
                                        ScoreCause cause = ScoreCause::kRescore);

  // The stored form (with the serialized explanation) of a scored account.
  StoredScore ToStored(const ScoredAccount& scored, absl::Time compute_time) const;

 private:
  absl::StatusOr<Scorecard> ScorecardFor(const std::string& id, std::map<std::string, Scorecard>& cache);

  HealthRepository& repository_;
  const Clock& clock_;
  DetailEncoder detail_;
};

}  // namespace flywheel::health
