#include "services/stakeholders/domain/stakeholder.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/ids/ids.h"

namespace flywheel::stakeholders {
namespace {

template <auto Member>
StakeholderField Field(absl::string_view name) {
  return MakeField<Stakeholder, Member>(name);
}

void CheckLength(const std::string& value, size_t min, size_t max, const char* field, FieldViolations& v) {
  if (value.size() < min || value.size() > max) v.Add(field, absl::StrCat("must be ", min, "-", max, " bytes"));
}

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kOwner: return "OWNER";
    case Role::kChampion: return "CHAMPION";
    case Role::kEnabler: return "ENABLER";
    case Role::kProducer: return "PRODUCER";
  }
  return "";
}

bool IsEngaged(Engagement e) { return e == Engagement::kEngaged || e == Engagement::kAdvocate; }

std::string NormalizeEmail(absl::string_view email) { return absl::AsciiStrToLower(absl::StripAsciiWhitespace(email)); }

bool IsLearningAndDevelopment(const Stakeholder& s) {
  return s.role == Role::kEnabler && s.enabler_focus == EnablerFocus::kLearning;
}

void ValidateStakeholder(const Stakeholder& s, FieldViolations& v) {
  if (absl::StripAsciiWhitespace(s.name).empty()) {
    v.Add("name", "must not be empty");
  } else {
    CheckLength(s.name, 1, 200, "name", v);
  }
  std::string email = NormalizeEmail(s.email);
  size_t at = email.find('@');
  if (email.empty() || email.size() > 254 || at == std::string::npos || at == 0 || at + 1 >= email.size() ||
      email.find('@', at + 1) != std::string::npos || email.find(' ') != std::string::npos ||
      email.find('.', at) == std::string::npos) {
    v.Add("email", "must be an email address");
  }
  CheckLength(s.title, 0, 200, "title", v);
  CheckLength(s.function, 0, 100, "function", v);
  ids::CheckExternalIds(s.external_ids, v);
  if (s.enabler_focus != EnablerFocus::kNone && s.role != Role::kEnabler) {
    v.Add("enabler_focus", "only an ENABLER has a focus");
  }
}

const std::vector<StakeholderField>& WritableFields() {
  static const auto* fields = new std::vector<StakeholderField>{
      Field<&Stakeholder::name>("name"),
      Field<&Stakeholder::email>("email"),
      Field<&Stakeholder::title>("title"),
      Field<&Stakeholder::function>("function"),
      Field<&Stakeholder::role>("role"),
      Field<&Stakeholder::decision_authority>("decision_authority"),
      Field<&Stakeholder::engagement>("engagement"),
      Field<&Stakeholder::primary>("primary"),
      Field<&Stakeholder::external_ids>("external_ids"),
      Field<&Stakeholder::enabler_focus>("enabler_focus"),
  };
  return *fields;
}

const StakeholderField* FindWritableField(absl::string_view name) { return FindField(WritableFields(), name); }

std::vector<std::string> ChangedFields(const Stakeholder& a, const Stakeholder& b) {
  return ChangedFieldNames(WritableFields(), a, b);
}

void ApplyFields(const Stakeholder& from, const std::vector<std::string>& paths, Stakeholder& to) {
  CopyFields(WritableFields(), from, paths, to);
}

}  // namespace flywheel::stakeholders
