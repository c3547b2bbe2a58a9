#include "services/stakeholders/domain/briefing.h"

#include <algorithm>

namespace flywheel::stakeholders {

const std::vector<MetricSpec>& KeyMetrics(Role role) {
  static const auto* owner = new std::vector<MetricSpec>{{"agent_engagement", "agent engagement"}};
  static const auto* champion = new std::vector<MetricSpec>{{"time_delivered_hours", "time delivered (hours)"},
                                                           {"support_prompts_delivered", "support prompts delivered"}};
  static const auto* enabler = new std::vector<MetricSpec>{{"system_uptime_pct", "system uptime (%)"},
                                                          {"query_resolution_pct", "query resolution (%)"}};
  static const auto* producer = new std::vector<MetricSpec>{{"logins", "log-ins"}, {kCsatMetric, "satisfaction (CSAT)"}};
  switch (role) {
    case Role::kOwner: return *owner;
    case Role::kChampion: return *champion;
    case Role::kEnabler: return *enabler;
    case Role::kProducer: return *producer;
  }
  return *owner;
}

BriefingMetric Summarize(const MetricSpec& spec, std::vector<MetricPoint> points, absl::CivilDay as_of) {
  BriefingMetric m{spec};
  points.erase(std::remove_if(points.begin(), points.end(), [&](const MetricPoint& p) { return p.day > as_of; }),
               points.end());
  std::stable_sort(points.begin(), points.end(), [](const MetricPoint& a, const MetricPoint& b) { return a.day < b.day; });
  // One point per day: the day's last reading.
  std::vector<MetricPoint> daily;
  for (const auto& p : points) {
    if (!daily.empty() && daily.back().day == p.day) {
      daily.back() = p;
    } else {
      daily.push_back(p);
    }
  }
  if (!daily.empty()) m.latest = daily.back();
  if (daily.size() >= 2) m.previous = daily[daily.size() - 2];
  if (m.latest && m.previous) {
    m.trend = m.latest->value > m.previous->value   ? MetricTrend::kUp
              : m.latest->value < m.previous->value ? MetricTrend::kDown
                                                    : MetricTrend::kFlat;
  }
  return m;
}

std::vector<MetricPoint> CsatPoints(const std::vector<std::pair<absl::CivilDay, int>>& responses, absl::CivilDay as_of) {
  double recent = 0, earlier = 0;
  int recent_n = 0, earlier_n = 0;
  for (const auto& [day, score] : responses) {
    if (day <= as_of && day > as_of - kCsatWindowDays) {
      recent += score;
      ++recent_n;
    } else if (day <= as_of - kCsatWindowDays && day > as_of - 2 * kCsatWindowDays) {
      earlier += score;
      ++earlier_n;
    }
  }
  std::vector<MetricPoint> out;
  if (earlier_n) out.push_back({as_of - kCsatWindowDays, earlier / earlier_n});
  if (recent_n) out.push_back({as_of, recent / recent_n});
  return out;
}

}  // namespace flywheel::stakeholders
