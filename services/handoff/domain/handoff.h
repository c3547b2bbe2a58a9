// Critical handoffs (DESIGN §1, §3): a record passing an account from one team to the next,
// with an owner on each side, the gates that must hold before it is submitted, its states,
// and the SLA to accept it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/fields/writable_fields.h"
#include "common/status/errors.h"

namespace flywheel::handoff {

enum class Team { kSales = 1, kImplementation, kCustomerSuccess, kSupport };
// "SALES", "IMPLEMENTATION", "CUSTOMER_SUCCESS", "SUPPORT": how a finding names the team.
absl::string_view TeamName(Team team);
enum class HandoffState { kDraft = 1, kSubmitted, kAccepted, kRejected, kCancelled };

inline constexpr int kDefaultAcceptSlaDays = 3;

struct Handoff {
  std::string id;
  std::string account_id;
  Team from_team = Team::kSales;
  Team to_team = Team::kImplementation;
  std::string sending_owner;
  std::string receiving_owner;
  std::string success_criteria;
  HandoffState state = HandoffState::kDraft;
  std::string reject_reason;
  std::optional<absl::Time> submit_time;
  std::optional<absl::Time> accept_time;
  int sla_days = kDefaultAcceptSlaDays;
  int64_t version = 0;
  absl::Time create_time, update_time;
};

// The fields of a handoff an update may write (a draft or submitted one): sending_owner,
// receiving_owner, success_criteria, sla_days.
const std::vector<WritableField<Handoff>>& HandoffFields();

// The accept SLA a request asks for: 0 means the default, kDefaultAcceptSlaDays.
inline int AcceptSlaDays(int requested) { return requested == 0 ? kDefaultAcceptSlaDays : requested; }

// What the gates need to know from the accounts and stakeholders services and this one.
struct GateFacts {
  bool value_target_set = false;
  bool owner_identified = false;
  bool champion_identified = false;
  bool success_path_assigned = false;
};

// Every gate that does not hold, one violation each (type "GATE", subject the gate name:
// VALUE_TARGET_SET, OWNER_IDENTIFIED, CHAMPION_IDENTIFIED, SUCCESS_CRITERIA_DOCUMENTED,
// SUCCESS_PATH_ASSIGNED, RECEIVING_OWNER_SET).
std::vector<PreconditionViolation> FailedGates(const Handoff& handoff, const GateFacts& facts);

// OK when `handoff` may move to `to` (DRAFT → SUBMITTED → ACCEPTED | REJECTED, and
// CANCELLED from DRAFT or SUBMITTED); FAILED_PRECONDITION otherwise. A rejection needs a
// reason (INVALID_ARGUMENT on `reason`).
absl::Status CheckTransition(const Handoff& handoff, HandoffState to, const std::string& reason = "");

// When a submitted handoff must be accepted by, and whether it is late at `now`.
std::optional<absl::Time> SlaDue(const Handoff& handoff);
bool Overdue(const Handoff& handoff, absl::Time now);

// The lifecycle stage (accounts service name) an accepted handoff moves the account to:
// SALES → IMPLEMENTATION: ONBOARDING; IMPLEMENTATION → CUSTOMER_SUCCESS: ADOPTION; else none.
// The lifecycle stages an accepted handoff moves an account to (the accounts service's).
enum class AccountStage { kOnboarding, kAdoption };
std::optional<AccountStage> StageAfterAccept(Team from, Team to);

}  // namespace flywheel::handoff
