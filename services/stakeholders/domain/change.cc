#include "services/stakeholders/domain/change.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"

namespace flywheel::stakeholders {
namespace {

absl::string_view StageName(AdkarStage s) {
  switch (s) {
    case AdkarStage::kAwareness: return "AWARENESS";
    case AdkarStage::kDesire: return "DESIRE";
    case AdkarStage::kKnowledge: return "KNOWLEDGE";
    case AdkarStage::kAbility: return "ABILITY";
    case AdkarStage::kReinforcement: return "REINFORCEMENT";
  }
  return "";
}

// The primary holder of `role` among those `eligible`, else the first by name.
const Stakeholder* Holder(const std::vector<Stakeholder>& stakeholders, Role role,
                          bool (*eligible)(const Stakeholder&) = nullptr) {
  const Stakeholder* best = nullptr;
  for (const auto& s : stakeholders) {
    if (s.deleted() || s.role != role || (eligible && !eligible(s))) continue;
    if (!best || (s.primary && !best->primary) || (s.primary == best->primary && s.name < best->name)) best = &s;
  }
  return best;
}

}  // namespace

std::vector<FollowUp> FollowUpsFor(const ChangeInitiative& c, const std::vector<Stakeholder>& stakeholders) {
  std::vector<FollowUp> out;
  auto add = [&](FollowUpKind kind, Role role, const Stakeholder* who, std::string what) {
    out.push_back({kind, role, who ? who->id : "", std::move(what)});
  };
  const Stakeholder* champion = Holder(stakeholders, Role::kChampion);
  if (c.needs_training) {
    const Stakeholder* enabler = Holder(stakeholders, Role::kEnabler, IsLearningAndDevelopment);
    if (!enabler) enabler = Holder(stakeholders, Role::kEnabler);
    add(FollowUpKind::kTrainingContent, Role::kEnabler, enabler,
        absl::StrCat("Supply training content for \"", c.title, "\" (short online modules)"));
  }
  if (c.needs_training || c.needs_communication) {
    add(FollowUpKind::kFocusChange, Role::kChampion, champion,
        absl::StrCat("Change day-to-day focus to land \"", c.title, "\""));
  }
  if (c.needs_communication) {
    add(FollowUpKind::kCommunication, Role::kProducer, champion,
        absl::StrCat("Tell the agents and team leads about \"", c.title, "\" and what changes for them"));
  }
  if (c.needs_organisational_change) {
    add(FollowUpKind::kOrganisationalChange, Role::kOwner, Holder(stakeholders, Role::kOwner),
        absl::StrCat("Sponsor the organisational change of \"", c.title, "\""));
  }
  return out;
}

absl::Status CheckAdvance(AdkarStage from, AdkarStage to) {
  if (static_cast<int>(to) == static_cast<int>(from) + 1) return absl::OkStatus();
  std::string why = from == AdkarStage::kReinforcement
                        ? "REINFORCEMENT is the last stage"
                        : absl::StrCat("stages advance one at a time: from ", StageName(from), " the next is ",
                                       StageName(static_cast<AdkarStage>(static_cast<int>(from) + 1)));
  return FailedPreconditionError("cannot move the initiative to " + std::string(StageName(to)),
                                 {{"ADKAR_ORDER", std::string(StageName(to)), why}});
}

}  // namespace flywheel::stakeholders
