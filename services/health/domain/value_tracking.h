// Value (ROI) tracking (DESIGN §3): the contract year, what was realised in it, the
// projected annual value, the gap to the target and whether the account is on track.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/time/civil_time.h"
#include "common/money/money.h"

namespace flywheel::health {

inline constexpr int kMinimumElapsedDays = 30;

// Realised, elapsed and projected exist without a target; gap and on-track only with one.
struct ValueTracking {
  std::optional<Money> target;
  absl::CivilDay year_start;
  int elapsed_days = 0;  // from the year start to the day, both included
  int days_used = 0;     // what the projection divides by: max(elapsed_days, 30)
  Money realised;        // in the target's currency (see ValueTrackingFor)
  Money projected_annual;
  std::optional<Money> gap;
  std::optional<bool> on_track;
};

// The start of the contract year containing `as_of`: the last anniversary of
// `contract_start` on or before it. A 29 February start has its anniversary on 28 February in a
// common year (years added as most date libraries add them).
absl::CivilDay ContractYearStart(absl::CivilDay contract_start, absl::CivilDay as_of);

// projected = realised × 365 ÷ max(elapsed, 30), rounded half-up to a minor unit (held at
// int64's maximum); with a target, gap = max(0, target − projected) and on track when
// projected ≥ target. `realised` is the sum of value records in [year start, as_of] in one
// currency (the target's, when there is one).
ValueTracking ComputeValueTracking(const std::optional<Money>& target, absl::CivilDay contract_start,
                                   absl::CivilDay as_of, const Money& realised);

}  // namespace flywheel::health
