// Health scoring (DESIGN §3): measures from signals, group and overall scores with missing
// data redistributed, band, quadrant, prescription, Value Hierarchy level, trend and the
// full explanation. Pure: everything it needs is in ScoringInput.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/health/domain/scorecard.h"
#include "services/health/domain/value_tracking.h"

namespace flywheel::health {

enum class Band { kUnknown = 1, kRed, kAmber, kGreen };
enum class Quadrant { kUnknown = 1, kThriving, kCaptive, kDormant, kAtRisk };
enum class Prescription { kCollectData = 1, kAdvocacy, kRelationship, kEducation, kEscalation };
enum class ValueLevel { kNone = 1, kPresence, kUseCases, kValue, kRoi };
enum class Trend { kUnknown = 1, kUp, kFlat, kDown };

struct Override {
  double value = 0;
  std::string reason;
  std::string author;  // the verified principal that set it
  absl::Time expire_time;
  absl::Time create_time;
  std::string on_behalf_of;  // whom the author says it acted for, if anyone
};

// What scoring one account as of one day needs, already cut to the windows of DESIGN §3.
struct ScoringInput {
  absl::CivilDay as_of;
  int64_t licensed_seats = 0;
  std::optional<double> active_users_28d;        // latest reading in (D−7, D]
  std::vector<std::string> use_cases_seen;       // keys with ≥ 1 use_case.<key> event in (D−28, D]
  std::vector<int> nps_scores;                   // responses in (D−90, D]
  std::vector<int> csat_scores;                  // responses in (D−90, D]
  std::optional<ValueTracking> value;            // when the account has a value target
  bool any_value_realised = false;               // any value record in the contract year
  std::optional<double> overall_30_days_earlier; // from history
  std::optional<Override> override;              // applies when not expired at `now`
  absl::Time now;
};

struct MeasureResult {
  std::string name;
  std::string group;  // "behavioural" or "emotional"
  std::optional<double> score;
  double weight = 0;
  double effective_weight = 0;
  double contribution = 0;
  std::vector<std::pair<std::string, double>> inputs;
  std::string note;
};

struct HealthScore {
  absl::CivilDay as_of;
  std::optional<double> overall;           // after the override
  std::optional<double> computed_overall;  // before it
  std::optional<double> behavioural;
  std::optional<double> emotional;
  Band band = Band::kUnknown;
  Quadrant quadrant = Quadrant::kUnknown;
  Prescription prescription = Prescription::kCollectData;
  ValueLevel value_level = ValueLevel::kNone;
  Trend trend = Trend::kUnknown;
  double trend_delta = 0;
  std::vector<MeasureResult> measures;
  std::string scorecard_id;
  int64_t scorecard_version = 0;
  std::optional<Override> override;  // the one applied
};

HealthScore ComputeHealth(const Scorecard& scorecard, const ScoringInput& input);

Band BandFor(double score, const Scorecard& scorecard);
Quadrant QuadrantFor(std::optional<double> behavioural, std::optional<double> emotional);
Prescription PrescriptionFor(Quadrant quadrant);
Trend TrendFor(std::optional<double> now, std::optional<double> earlier, double* delta);

// The window bounds of DESIGN §3 as of `day`: readings count when first < day ≤ last.
inline constexpr int kPresenceWindowDays = 7;
inline constexpr int kUseCaseWindowDays = 28;
inline constexpr int kSurveyWindowDays = 90;
inline constexpr int kTrendLookbackDays = 30;

}  // namespace flywheel::health
