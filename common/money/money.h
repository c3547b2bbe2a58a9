// Money and calendar days as the domain sees them: integer minor units with an ISO 4217
// code (never a float), and UTC calendar days.
#pragma once

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include "common/status/errors.h"

namespace flywheel {

struct Money {
  std::string currency_code;  // ISO 4217, e.g. "GBP"
  int64_t minor_units = 0;

  friend bool operator==(const Money& a, const Money& b) {
    return a.currency_code == b.currency_code && a.minor_units == b.minor_units;
  }
  friend bool operator!=(const Money& a, const Money& b) { return !(a == b); }
};

// The largest amount any request may carry: 10^15 minor units (£10 trillion, ¥1 quadrillion).
// Every such amount is exact as a double (and so as a JSON number), and ×365 fits in int64.
inline constexpr int64_t kMaxMinorUnits = 1'000'000'000'000'000;

// True for an active ISO 4217 currency code (upper case, three letters).
bool IsKnownCurrency(absl::string_view code);

// Checks an amount a caller sent: a known currency and 0 ≤ minor_units ≤ kMaxMinorUnits;
// violations are named `field`.currency_code and `field`.minor_units.
void CheckAmount(const Money& amount, absl::string_view field, FieldViolations& v);

// a + b held at the int64 bounds instead of overflowing: how sums of amounts (realised value,
// ARR rolled up a hierarchy or a portfolio) are added.
int64_t AddMinorUnits(int64_t a, int64_t b);

}  // namespace flywheel
