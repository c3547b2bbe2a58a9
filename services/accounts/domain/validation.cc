#include "services/accounts/domain/validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/ids/ids.h"

namespace flywheel::accounts {
namespace {

bool IsTokenChar(char c) {
  return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' || c == '.' || c == '-';
}

bool IsToken(absl::string_view s, size_t max_length) {
  if (s.empty() || s.size() > max_length) return false;
  for (char c : s) {
    if (!IsTokenChar(c) && c != '/') return false;
  }
  return true;
}

void CheckLength(absl::string_view value, size_t max, const char* field, FieldViolations& v) {
  if (value.size() > max) v.Add(field, absl::StrCat("must be at most ", max, " bytes"));
}

}  // namespace


void ValidateAccount(const Account& a, FieldViolations& v) {
  if (absl::StripAsciiWhitespace(a.name).empty()) {
    v.Add("name", "must not be empty");
  } else {
    CheckLength(a.name, kMaxNameLength, "name", v);
  }
  CheckLength(a.segment, kMaxShortTextLength, "segment", v);
  CheckLength(a.industry, kMaxShortTextLength, "industry", v);
  CheckLength(a.region, kMaxShortTextLength, "region", v);
  CheckLength(a.csm_owner, kMaxOwnerLength, "csm_owner", v);
  ids::CheckExternalIds(a.external_ids, v);
  if (!a.id.empty() && a.parent_id == a.id) v.Add("parent_id", "an account cannot be its own parent");
  if (a.arr) CheckAmount(*a.arr, "arr", v);
  if (a.licensed_seats < 0) v.Add("licensed_seats", "must not be negative");
  if (a.contract_start && a.renewal_date && *a.renewal_date < *a.contract_start) {
    v.Add("renewal_date", "must not be before contract_start");
  }
  if (a.value_target) {
    CheckAmount(a.value_target->amount, "value_target.amount", v);
    CheckLength(a.value_target->description, kMaxNameLength, "value_target.description", v);
  }
  if (a.labels.size() > kMaxLabels) v.Add("labels", absl::StrCat("at most ", kMaxLabels, " labels"));
  for (const auto& [key, value] : a.labels) {
    std::string field = absl::StrCat("labels[", key, "]");
    if (!IsToken(key, 63)) v.Add(field, "key must be 1-63 of a-z, 0-9, '_', '.', '-', '/'");
    if (value.size() > kMaxLabelValueLength) {
      v.Add(field, absl::StrCat("value must be at most ", kMaxLabelValueLength, " bytes"));
    }
  }
}

}  // namespace flywheel::accounts
