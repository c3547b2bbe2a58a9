// The signals that feed health scores, as the domain sees them, and the rules an incoming
// signal must follow before it is stored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/money/money.h"
#include "common/status/errors.h"

namespace flywheel::health {

// Metric names DESIGN §1 and §3 give meaning to.
inline constexpr char kActiveUsers28d[] = "active_users_28d";
inline constexpr char kUseCasePrefix[] = "use_case.";

struct UsageReading {
  std::string account_id;
  absl::CivilDay day;
  std::string metric;
  double value = 0;
  std::string source;
};

enum class SurveyKind { kNps = 1, kCsat = 2 };

struct SurveyResponse {
  std::string account_id;
  std::string response_id;
  SurveyKind kind = SurveyKind::kNps;
  int score = 0;
  std::string respondent;
  std::string reason;
  std::string channel;
  absl::Time time;
};

struct ValueRecord {
  std::string account_id;
  std::string record_id;
  Money amount;
  absl::CivilDay day;
  std::string description;
};

// NPS classes (DESIGN §3): promoters answer 9–10, detractors 0–6 (7–8 are passives).
inline bool IsPromoter(int nps_score) { return nps_score >= 9; }
inline bool IsDetractor(int nps_score) { return nps_score <= 6; }
// A response that makes its respondent a detractor: an NPS answer of 0–6.
inline bool IsDetractorResponse(const SurveyResponse& r) { return r.kind == SurveyKind::kNps && IsDetractor(r.score); }

// A metric name: 1–100 of [a-z0-9_], with dots separating segments ("use_case.reporting").
bool IsValidMetricName(absl::string_view metric);

// The largest usage value taken (a count or a percentage far below it; 1e308 is no reading).
inline constexpr double kMaxUsageValue = 1e12;

// Violations are named relative to the signal ("metric", "value", …). `today` is the service's
// day: a usage reading or survey response dated after tomorrow (UTC) is bad input, since no
// feed can have seen it yet (one day's slack covers callers in time zones ahead of UTC).
void ValidateUsage(const UsageReading& reading, absl::CivilDay today, FieldViolations& violations);
void ValidateSurvey(const SurveyResponse& response, absl::CivilDay today, FieldViolations& violations);
void ValidateValue(const ValueRecord& record, FieldViolations& violations);

}  // namespace flywheel::health
