// Change initiatives (DESIGN §1 change management, §3 stakeholders): a single owner,
// impacts per stakeholder or role, the follow-ups the flywheel implies, and ADKAR stages
// that advance one at a time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/stakeholders/domain/stakeholder.h"

namespace flywheel::stakeholders {

enum class Impact { kPositive = 1, kNegative, kNeutral };
enum class AdkarStage { kAwareness = 1, kDesire, kKnowledge, kAbility, kReinforcement };
enum class FollowUpKind { kTrainingContent = 1, kFocusChange, kCommunication, kOrganisationalChange };

struct StakeholderImpact {
  std::string stakeholder_id;  // one of stakeholder_id or role
  std::optional<Role> role;
  Impact impact = Impact::kNeutral;
};

struct FollowUp {
  FollowUpKind kind;
  Role role;
  std::string assignee_stakeholder_id;  // "" when nobody holds the role
  std::string description;
};

struct ChangeInitiative {
  std::string id;
  std::string account_id;
  std::string owner_stakeholder_id;
  std::string title;
  std::string description;
  std::vector<StakeholderImpact> impacts;
  bool needs_training = false;
  bool needs_communication = false;
  bool needs_organisational_change = false;
  Engagement awareness = Engagement::kUnknown;
  AdkarStage stage = AdkarStage::kAwareness;
  std::vector<FollowUp> follow_ups;
  absl::Time create_time;
  absl::Time update_time;
};

// What the change sets in motion around the wheel, given the account's live stakeholders:
// training content → the L&D Enabler (else any Enabler); a focus change → the Champion;
// communication → the Producers, sent via the Champion; organisational change → the Owner.
// The Champion's focus changes whenever the change needs training or communication. Each
// follow-up is assigned to the primary (else first by name) holder of its role, if any.
std::vector<FollowUp> FollowUpsFor(const ChangeInitiative& change, const std::vector<Stakeholder>& stakeholders);

// OK when `to` is the stage right after `from`; FAILED_PRECONDITION otherwise.
absl::Status CheckAdvance(AdkarStage from, AdkarStage to);

}  // namespace flywheel::stakeholders
