// The rules an account's content must follow, checked before anything is written. Every
// broken rule is reported, each naming its field relative to the account ("arr.currency_code").
#pragma once

#include "absl/strings/string_view.h"
#include <string>
#include <vector>

#include "common/status/errors.h"
#include "services/accounts/domain/account.h"

namespace flywheel::accounts {

inline constexpr size_t kMaxNameLength = 200;
inline constexpr size_t kMaxShortTextLength = 100;  // segment, industry, region
inline constexpr size_t kMaxOwnerLength = 200;
inline constexpr size_t kMaxLabels = 64;
inline constexpr size_t kMaxLabelValueLength = 256;

// Adds a violation for every rule `account` breaks.
void ValidateAccount(const Account& account, FieldViolations& violations);


}  // namespace flywheel::accounts
