// How the handoff service's enums are stored: each pairing written once (see
// common/enums/enum_map.h), shared by the two MariaDB repositories. The numbers are those of the
// existing rows; SQL names them through Stored(), never as bare numbers.
#pragma once

#include <cstdint>

#include "common/enums/enum_map.h"
#include "services/handoff/domain/exceptions.h"
#include "services/handoff/domain/handoff.h"

namespace flywheel::handoff {

inline constexpr EnumMap<Team, int, 4> kStoredTeam{
    {{{Team::kSales, 1}, {Team::kImplementation, 2}, {Team::kCustomerSuccess, 3}, {Team::kSupport, 4}}}};
inline constexpr EnumMap<HandoffState, int, 5> kStoredState{{{{HandoffState::kDraft, 1}, {HandoffState::kSubmitted, 2},
                                                              {HandoffState::kAccepted, 3}, {HandoffState::kRejected, 4},
                                                              {HandoffState::kCancelled, 5}}}};
inline constexpr EnumMap<Rule, int, 10> kStoredRule{{{{Rule::kNoPresenceAfterHandoff, 1}, {Rule::kMilestoneOverdue, 2},
                                                      {Rule::kLowPresence, 3}, {Rule::kDetractor, 4}, {Rule::kCaptive, 5},
                                                      {Rule::kDormant, 6}, {Rule::kValueGap, 7}, {Rule::kHandoffStalled, 8},
                                                      {Rule::kRoleGap, 9}, {Rule::kHealthDrop, 10}}}};
inline constexpr EnumMap<Severity, int, 3> kStoredSeverity{
    {{{Severity::kLow, 1}, {Severity::kMedium, 2}, {Severity::kHigh, 3}}}};
inline constexpr EnumMap<Remedy, int, 7> kStoredRemedy{{{{Remedy::kCourtesyCall, 1}, {Remedy::kContent, 2},
                                                         {Remedy::kTraining, 3}, {Remedy::kRelationship, 4},
                                                         {Remedy::kEducation, 5}, {Remedy::kExecReview, 6},
                                                         {Remedy::kEscalation, 7}}}};
static_assert(kStoredTeam.OneToOne() && kStoredState.OneToOne() && kStoredRule.OneToOne() &&
              kStoredSeverity.OneToOne() && kStoredRemedy.OneToOne());

inline int64_t Stored(Team v) { return kStoredTeam.To(v); }
inline int64_t Stored(HandoffState v) { return kStoredState.To(v); }
inline int64_t Stored(Rule v) { return kStoredRule.To(v); }
inline int64_t Stored(Severity v) { return kStoredSeverity.To(v); }
inline int64_t Stored(Remedy v) { return kStoredRemedy.To(v); }

}  // namespace flywheel::handoff
