#include "common/money/money.h"

#include <algorithm>
#include <array>
#include <limits>

#include "absl/strings/str_cat.h"

namespace flywheel {
namespace {
// Active ISO 4217 codes, sorted for binary search.
constexpr std::array<absl::string_view, 155> kCurrencies = {
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
    "VES", "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWL"};
}  // namespace

bool IsKnownCurrency(absl::string_view code) {
  return std::binary_search(kCurrencies.begin(), kCurrencies.end(), code);
}

void CheckAmount(const Money& amount, absl::string_view field, FieldViolations& v) {
  if (!IsKnownCurrency(amount.currency_code)) {
    v.Add(absl::StrCat(field, ".currency_code"),
          absl::StrCat("\"", amount.currency_code, "\" is not an ISO 4217 currency code"));
  }
  if (amount.minor_units < 0) {
    v.Add(absl::StrCat(field, ".minor_units"), "must not be negative");
  } else if (amount.minor_units > kMaxMinorUnits) {
    v.Add(absl::StrCat(field, ".minor_units"), absl::StrCat("must be at most ", kMaxMinorUnits));
  }
}

int64_t AddMinorUnits(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

}  // namespace flywheel
