// The Stakeholder aggregate as the domain sees it: a person at a customer in one of the
// four flywheel roles, with engagement, decision authority and CRM identifiers; the fields
// callers may write, and the rules a stakeholder's content must follow.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/fields/writable_fields.h"
#include "common/status/errors.h"

namespace flywheel::stakeholders {

enum class Role { kOwner = 1, kChampion, kEnabler, kProducer };
enum class Engagement { kUnknown = 1, kAware, kInvolved, kEngaged, kAdvocate };
// What an Enabler enables (kNone for the other roles).
enum class EnablerFocus { kNone = 0, kIt, kLearning };

inline constexpr Role kAllRoles[] = {Role::kOwner, Role::kChampion, Role::kEnabler, Role::kProducer};

absl::string_view RoleName(Role role);  // "OWNER", …

struct Stakeholder {
  std::string id;
  std::string account_id;
  std::string name;
  std::string email;
  std::string title;
  std::string function;  // IT, L&D, Operations, Finance, …
  Role role = Role::kProducer;
  bool decision_authority = false;
  Engagement engagement = Engagement::kUnknown;
  bool primary = false;
  std::map<std::string, std::string> external_ids;
  EnablerFocus enabler_focus = EnablerFocus::kNone;
  int64_t version = 0;
  absl::Time create_time;
  absl::Time update_time;
  std::optional<absl::Time> delete_time;

  bool deleted() const { return delete_time.has_value(); }
};

// ENGAGED or ADVOCATE: engagement adds commitment to involvement.
bool IsEngaged(Engagement engagement);

// The lower-cased email: uniqueness within an account ignores case.
std::string NormalizeEmail(absl::string_view email);

// True for an Enabler whose focus is Learning and Development (who supplies training content).
bool IsLearningAndDevelopment(const Stakeholder& s);

// Adds a violation (named relative to the stakeholder) for every rule `s` breaks.
void ValidateStakeholder(const Stakeholder& s, FieldViolations& violations);

using StakeholderField = WritableField<Stakeholder>;
const std::vector<StakeholderField>& WritableFields();
const StakeholderField* FindWritableField(absl::string_view name);
std::vector<std::string> ChangedFields(const Stakeholder& a, const Stakeholder& b);
void ApplyFields(const Stakeholder& from, const std::vector<std::string>& paths, Stakeholder& to);

}  // namespace flywheel::stakeholders
