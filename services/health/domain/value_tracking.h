// Value (ROI) tracking (DESIGN §3): the contract year, what was realised in it, the
// projected annual value, the gap to the target and whether the account is on track.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/time/civil_time.h"
#include "common/money/money.h"

namespace flywheel::health {

inline constexpr int kMinimumElapsedDays = 30;

struct ValueTracking {
  Money target;
  absl::CivilDay year_start;
  int elapsed_days = 0;
  Money realised;
  Money projected_annual;
  Money gap;
  bool on_track = false;
};

// The start of the contract year containing `as_of`: the last anniversary of
// `contract_start` on or before it (a 29 February start falls on 1 March in other years).
absl::CivilDay ContractYearStart(absl::CivilDay contract_start, absl::CivilDay as_of);

// projected = realised × 365 ÷ max(elapsed, 30), rounded half-up to a minor unit;
// gap = max(0, target − projected). `realised_minor_units` is the sum of value records in
// [year start, as_of], in the target's currency.
ValueTracking ComputeValueTracking(const Money& target, absl::CivilDay contract_start, absl::CivilDay as_of,
                                   int64_t realised_minor_units);

}  // namespace flywheel::health
