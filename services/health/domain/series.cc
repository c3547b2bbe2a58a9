#include "services/health/domain/series.h"

#include <cmath>
#include <limits>
#include <map>

#include "absl/strings/match.h"
#include "services/health/domain/scoring.h"

namespace flywheel::health {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Values of one metric (largest per day) or one survey kind, by day.
std::map<absl::CivilDay, double> UsageByDay(absl::string_view metric, const SignalWindow& signals) {
  std::map<absl::CivilDay, double> out;
  for (const auto& r : signals.usage) {
    if (r.metric != metric) continue;
    auto [it, fresh] = out.emplace(r.day, r.value);
    if (!fresh && r.value > it->second) it->second = r.value;
  }
  return out;
}

std::vector<std::pair<absl::CivilDay, int>> SurveysByDay(SurveyKind kind, const SignalWindow& signals) {
  std::vector<std::pair<absl::CivilDay, int>> out;
  for (const auto& s : signals.surveys) {
    if (s.kind == kind) out.emplace_back(absl::ToCivilDay(s.time, absl::UTCTimeZone()), s.score);
  }
  return out;
}

}  // namespace

bool SeriesReadsSurveys(absl::string_view name) { return name == kNpsSeries || name == kCsatSeries; }

bool SeriesReadsUsage(absl::string_view name) {
  return name != kSeatsSeries && !SeriesReadsSurveys(name) && IsValidMetricName(name);
}

bool IsSeriesName(absl::string_view name) {
  return name == kSeatsSeries || SeriesReadsSurveys(name) || IsValidMetricName(name);
}

std::vector<double> DailySeries(absl::string_view name, const SignalWindow& signals, int64_t licensed_seats,
                                absl::CivilDay start, absl::CivilDay end) {
  std::vector<double> out;
  if (end < start) return out;
  out.reserve(static_cast<size_t>(end - start + 1));
  if (name == kSeatsSeries) {
    out.assign(static_cast<size_t>(end - start + 1), static_cast<double>(licensed_seats));
    return out;
  }
  if (SeriesReadsSurveys(name)) {
    bool nps = name == kNpsSeries;
    auto surveys = SurveysByDay(nps ? SurveyKind::kNps : SurveyKind::kCsat, signals);
    for (absl::CivilDay d = start; d <= end; ++d) {
      int n = 0, promoters = 0, detractors = 0;
      double sum = 0;
      for (const auto& [day, score] : surveys) {
        if (day <= d - kSurveyWindowDays || day > d) continue;
        ++n;
        sum += score;
        if (IsPromoter(score)) ++promoters;
        if (IsDetractor(score)) ++detractors;
      }
      if (n == 0) {
        out.push_back(kNaN);
      } else {
        out.push_back(nps ? 100.0 * (promoters - detractors) / n : sum / n);
      }
    }
    return out;
  }
  auto by_day = UsageByDay(name, signals);
  bool use_case = absl::StartsWith(name, kUseCasePrefix);
  for (absl::CivilDay d = start; d <= end; ++d) {
    if (use_case) {
      double sum = 0;
      for (auto it = by_day.upper_bound(d - kUseCaseWindowDays); it != by_day.end() && it->first <= d; ++it) {
        sum += it->second;
      }
      out.push_back(sum);
    } else {
      auto it = by_day.upper_bound(d);  // first day after d
      if (it != by_day.begin() && std::prev(it)->first > d - kPresenceWindowDays) {
        out.push_back(std::prev(it)->second);
      } else {
        out.push_back(kNaN);
      }
    }
  }
  return out;
}

}  // namespace flywheel::health
