// Scorecards: the measure weights, band thresholds, key use cases and presence target that
// turn signals into a health score (DESIGN §3). The default scorecard is DefaultScorecard().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/fields/writable_fields.h"
#include "common/status/errors.h"

namespace flywheel::health {

inline constexpr char kDefaultScorecardId[] = "default";

struct MeasureWeights {
  double presence = 40;
  double use_cases = 30;
  double value = 30;
  double nps = 60;
  double csat = 40;
  friend bool operator==(const MeasureWeights& a, const MeasureWeights& b) {
    return a.presence == b.presence && a.use_cases == b.use_cases && a.value == b.value && a.nps == b.nps &&
           a.csat == b.csat;
  }
};

struct Scorecard {
  std::string id = kDefaultScorecardId;
  int64_t version = 1;
  std::string name = "Default";
  MeasureWeights weights;
  double red_max = 50;    // score ≤ red_max → RED
  double amber_max = 75;  // score ≤ amber_max → AMBER, else GREEN
  std::vector<std::string> key_use_cases;
  double presence_target = 0.8;  // share of licensed seats that counts as full presence
  absl::Time update_time;
};

// The fields of a scorecard an update may write: name, weights, red_max, amber_max,
// key_use_cases, presence_target.
const std::vector<WritableField<Scorecard>>& ScorecardFields();

// The scorecard of DESIGN §3, used by every account not assigned another.
Scorecard DefaultScorecard();

// Adds a violation (named relative to the scorecard) for every rule `s` breaks: weights
// 0–100 with at least one positive per group, 0 ≤ red_max < amber_max ≤ 100, presence target
// in (0, 1], use-case keys valid and unique, name 1–100 bytes.
void ValidateScorecard(const Scorecard& s, FieldViolations& violations);

}  // namespace flywheel::health
