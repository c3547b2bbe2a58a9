// Money and calendar days as the domain sees them: integer minor units with an ISO 4217
// code (never a float), and UTC calendar days.
#pragma once

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

namespace flywheel {

struct Money {
  std::string currency_code;  // ISO 4217, e.g. "GBP"
  int64_t minor_units = 0;

  friend bool operator==(const Money& a, const Money& b) {
    return a.currency_code == b.currency_code && a.minor_units == b.minor_units;
  }
  friend bool operator!=(const Money& a, const Money& b) { return !(a == b); }
};

// True for an active ISO 4217 currency code (upper case, three letters).
bool IsKnownCurrency(absl::string_view code);

}  // namespace flywheel
