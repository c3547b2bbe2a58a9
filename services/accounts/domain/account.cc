#include "services/accounts/domain/account.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"

namespace flywheel::accounts {
namespace {

constexpr std::array<std::pair<LifecycleStage, absl::string_view>, 6> kStageNames = {{
    {LifecycleStage::kSales, "SALES"},
    {LifecycleStage::kOnboarding, "ONBOARDING"},
    {LifecycleStage::kAdoption, "ADOPTION"},
    {LifecycleStage::kValue, "VALUE"},
    {LifecycleStage::kRenewal, "RENEWAL"},
    {LifecycleStage::kChurned, "CHURNED"},
}};

template <auto Member>
AccountField Field(absl::string_view name) {
  return MakeField<Account, Member>(name);
}

}  // namespace

absl::string_view StageName(LifecycleStage stage) {
  for (const auto& [s, name] : kStageNames) {
    if (s == stage) return name;
  }
  return "SALES";
}

std::optional<LifecycleStage> StageFromName(absl::string_view name) {
  for (const auto& [s, n] : kStageNames) {
    if (n == name) return s;
  }
  return std::nullopt;
}

const std::vector<AccountField>& WritableFields() {
  static const auto* fields = new std::vector<AccountField>{
      Field<&Account::name>("name"),
      Field<&Account::external_ids>("external_ids"),
      Field<&Account::parent_id>("parent_id"),
      Field<&Account::segment>("segment"),
      Field<&Account::industry>("industry"),
      Field<&Account::region>("region"),
      Field<&Account::arr>("arr"),
      Field<&Account::licensed_seats>("licensed_seats"),
      Field<&Account::lifecycle_stage>("lifecycle_stage"),
      Field<&Account::csm_owner>("csm_owner"),
      Field<&Account::contract_start>("contract_start"),
      Field<&Account::renewal_date>("renewal_date"),
      Field<&Account::value_target>("value_target"),
      Field<&Account::labels>("labels"),
  };
  return *fields;
}

const AccountField* FindWritableField(absl::string_view name) { return FindField(WritableFields(), name); }

std::vector<std::string> ChangedFields(const Account& a, const Account& b) {
  return ChangedFieldNames(WritableFields(), a, b);
}

void ApplyFields(const Account& from, const std::vector<std::string>& paths, Account& to) {
  CopyFields(WritableFields(), from, paths, to);
}

std::string EtagOf(const Account& account) { return absl::StrCat(account.version); }

absl::Status CheckEtag(const Account& current, absl::string_view etag) {
  return flywheel::CheckEtag("account", current.id, EtagOf(current), etag);
}

}  // namespace flywheel::accounts
