#include "services/health/domain/value_tracking.h"

#include <algorithm>

namespace flywheel::health {

absl::CivilDay ContractYearStart(absl::CivilDay contract_start, absl::CivilDay as_of) {
  if (as_of < contract_start) return contract_start;
  absl::CivilDay start(as_of.year(), contract_start.month(), contract_start.day());
  if (start > as_of) start = absl::CivilDay(as_of.year() - 1, contract_start.month(), contract_start.day());
  return start;
}

ValueTracking ComputeValueTracking(const Money& target, absl::CivilDay contract_start, absl::CivilDay as_of,
                                   int64_t realised_minor_units) {
  ValueTracking t;
  t.target = target;
  t.year_start = ContractYearStart(contract_start, as_of);
  t.elapsed_days = static_cast<int>(std::max<int64_t>(as_of - t.year_start + 1, 0));
  int64_t divisor = std::max(t.elapsed_days, kMinimumElapsedDays);
  t.realised = Money{target.currency_code, realised_minor_units};
  // Half-up rounding in integers: (2 × realised × 365 + divisor) ÷ (2 × divisor).
  __int128 numerator = static_cast<__int128>(realised_minor_units) * 365 * 2 + divisor;
  int64_t projected = static_cast<int64_t>(numerator / (2 * static_cast<__int128>(divisor)));
  t.projected_annual = Money{target.currency_code, projected};
  t.gap = Money{target.currency_code, std::max<int64_t>(0, target.minor_units - projected)};
  t.on_track = projected >= target.minor_units;
  return t;
}

}  // namespace flywheel::health
