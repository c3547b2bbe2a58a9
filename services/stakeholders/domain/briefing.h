// Role briefings (DESIGN §1 table, §3): the key metrics of each flywheel role, and for each
// the latest value, the previous one and the trend between them.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/civil_time.h"
#include "services/stakeholders/domain/stakeholder.h"

namespace flywheel::stakeholders {

inline constexpr char kCsatMetric[] = "csat";
inline constexpr int kCsatWindowDays = 30;

struct MetricSpec {
  std::string name;   // a health signal name, or kCsatMetric for survey responses
  std::string label;  // what a person calls it
};

// OWNER: agent engagement (its value figures come from value tracking); CHAMPION: time
// delivered, support prompts delivered; ENABLER: system uptime, query resolution;
// PRODUCER: log-ins, satisfaction (CSAT).
const std::vector<MetricSpec>& KeyMetrics(Role role);

enum class MetricTrend { kUnknown = 1, kUp, kFlat, kDown };

struct MetricPoint {
  absl::CivilDay day;
  double value = 0;
};

struct BriefingMetric {
  MetricSpec spec;
  std::optional<MetricPoint> latest;
  std::optional<MetricPoint> previous;
  MetricTrend trend = MetricTrend::kUnknown;
};

// The latest and previous points on or before `as_of` (one point per day: a day's last
// reading wins) and the trend between them.
BriefingMetric Summarize(const MetricSpec& spec, std::vector<MetricPoint> points, absl::CivilDay as_of);

// CSAT as two points: the mean score of the last 30 days (dated `as_of`) and of the 30
// days before (dated as_of − 30); a window without responses gives no point.
std::vector<MetricPoint> CsatPoints(const std::vector<std::pair<absl::CivilDay, int>>& responses, absl::CivilDay as_of);

}  // namespace flywheel::stakeholders
