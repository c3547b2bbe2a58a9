#include "services/health/domain/value_tracking.h"

#include <algorithm>
#include <limits>

namespace flywheel::health {

namespace {

// The anniversary of `start` in `year`, 28 February standing for 29 February in a common year.
absl::CivilDay Anniversary(absl::CivilDay start, absl::civil_year_t year) {
  absl::CivilDay day(year, start.month(), start.day());
  if (day.month() != start.month()) day = absl::CivilDay(year, start.month() + 1, 1) - 1;  // past the month's end
  return day;
}

}  // namespace

absl::CivilDay ContractYearStart(absl::CivilDay contract_start, absl::CivilDay as_of) {
  if (as_of < contract_start) return contract_start;
  absl::CivilDay start = Anniversary(contract_start, as_of.year());
  if (start > as_of) start = Anniversary(contract_start, as_of.year() - 1);
  return start;
}

ValueTracking ComputeValueTracking(const std::optional<Money>& target, absl::CivilDay contract_start,
                                   absl::CivilDay as_of, const Money& realised) {
  ValueTracking t;
  t.target = target;
  t.year_start = ContractYearStart(contract_start, as_of);
  t.elapsed_days = static_cast<int>(std::max<int64_t>(as_of - t.year_start + 1, 0));
  t.days_used = std::max(t.elapsed_days, kMinimumElapsedDays);
  t.realised = realised;
  // Half-up rounding in integers: (2 × realised × 365 + divisor) ÷ (2 × divisor), held at
  // int64's maximum (a realised sum can be near it: see AddMinorUnits).
  __int128 numerator = static_cast<__int128>(realised.minor_units) * 365 * 2 + t.days_used;
  int64_t projected = static_cast<int64_t>(
      std::min<__int128>(numerator / (2 * static_cast<__int128>(t.days_used)), std::numeric_limits<int64_t>::max()));
  t.projected_annual = Money{realised.currency_code, projected};
  if (target) {
    t.gap = Money{target->currency_code, std::max<int64_t>(0, target->minor_units - projected)};
    t.on_track = projected >= target->minor_units;
  }
  return t;
}

}  // namespace flywheel::health
