// Daily series of named signals, for callers that evaluate conditions over time (success-path
// milestone criteria): each name's value on every day of a range, cut with the windows of
// DESIGN §3 so that a criterion means the same as the score it sits beside.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/health/domain/inputs.h"

namespace flywheel::health {

inline constexpr char kSeatsSeries[] = "seats";
inline constexpr char kNpsSeries[] = "nps";
inline constexpr char kCsatSeries[] = "csat";

// True for "seats", "nps", "csat" and any valid usage metric name.
bool IsSeriesName(absl::string_view name);
// Whether the series reads surveys (nps, csat) or usage readings (any metric).
bool SeriesReadsSurveys(absl::string_view name);
bool SeriesReadsUsage(absl::string_view name);

// How far before the first day of a series its signals reach (the survey window).
inline constexpr int kSeriesLookbackDays = 90;

// The value of `name` on each day of [start, end]; NaN where it has none:
//   a usage metric: its largest reading on the latest day with one in (d−7, d];
//   use_case.<key>: the sum of its readings in (d−28, d] (0 without any);
//   seats: the licensed seats; nps: −100..100 over (d−90, d]; csat: the mean over (d−90, d].
// `signals` holds the account's readings of `name` and surveys from start − 90 to end.
std::vector<double> DailySeries(absl::string_view name, const SignalWindow& signals, int64_t licensed_seats,
                                absl::CivilDay start, absl::CivilDay end);

}  // namespace flywheel::health
