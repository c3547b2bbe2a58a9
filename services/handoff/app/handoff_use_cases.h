// The handoff service's use cases: success paths (create, update, delete, assign), handoffs
// (create, update, and the submit / accept / reject / cancel transitions with their gates and
// the account's move on accept), rule configuration, and people's actions on exceptions
// (acknowledge, resolve, dismiss, snooze, reassign). Domain types only, the accounts and
// stakeholders services behind interfaces; no gRPC and no SQL. The exception report itself is
// report_runner.h. Field violations are named as the API request names them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/db/write_context.h"
#include "common/status/errors.h"
#include "services/handoff/domain/exceptions.h"
#include "services/handoff/domain/handoff.h"
#include "services/handoff/app/report_runner.h"
#include "services/handoff/domain/success_path.h"
#include "services/handoff/storage/exception_repository.h"
#include "services/handoff/storage/handoff_repository.h"

namespace flywheel::handoff {

// What the use cases need of the accounts service.
class AccountsPeer {
 public:
  virtual ~AccountsPeer() = default;
  // OK when the account exists and is live (NOT_FOUND naming it otherwise).
  virtual absl::Status RequireLive(const std::string& account_id) = 0;
  // Whether the live account has a value target, read fresh (a gate).
  virtual absl::StatusOr<bool> HasValueTarget(const std::string& account_id) = 0;
  // Moves the account to `stage` and/or gives it `csm_owner` (either may be absent).
  virtual absl::Status Move(const std::string& account_id, std::optional<AccountStage> stage,
                            std::optional<std::string> csm_owner) = 0;
};

// What the use cases need of the stakeholders service: which flywheel roles are held.
class StakeholdersPeer {
 public:
  virtual ~StakeholdersPeer() = default;
  struct Roles {
    bool owner = false;
    bool champion = false;
  };
  virtual absl::StatusOr<Roles> RolesHeld(const std::string& account_id) = 0;
};

inline constexpr size_t kMaxOwnerLength = 200;
inline constexpr size_t kMaxReasonLength = 1000;
inline constexpr size_t kMaxCriteriaLength = 5000;
inline constexpr int kMaxSlaDays = 365;

// A handoff as decoded: its teams are absent when the request named none the API knows.
struct HandoffDraft {
  Handoff handoff;
  std::optional<Team> from_team, to_team;
};

// A rule's new configuration as decoded: severity absent when the request named none known.
struct RulePatch {
  std::optional<Rule> rule;
  RuleConfig config;
  std::optional<Severity> severity;
};

class HandoffUseCases {
 public:
  HandoffUseCases(HandoffRepository& handoffs, ExceptionRepository& exceptions, AccountsPeer& accounts,
                  StakeholdersPeer& stakeholders, ReportRunner& runner, const Clock& clock)
      : handoffs_(handoffs),
        exceptions_(exceptions),
        accounts_(accounts),
        stakeholders_(stakeholders),
        runner_(runner),
        clock_(clock) {}

  absl::CivilDay Today() const;

  absl::StatusOr<Created<SuccessPath>> CreatePath(std::optional<SuccessPath> draft, const std::string& request_id,
                                                  const WriteContext& write, const RecordResponse<SuccessPath>& record);
  absl::StatusOr<SuccessPath> UpdatePath(const SuccessPath& patch, const std::vector<std::string>& paths,
                                         const std::string& etag, const WriteContext& write);
  absl::Status DeletePath(const std::string& id, const std::string& etag, const WriteContext& write);
  absl::StatusOr<PathAssignment> AssignPath(const std::string& account_id, const std::string& path_id,
                                            std::optional<absl::CivilDay> start, const WriteContext& write);
  // The account's path and when it starts; FAILED_PRECONDITION when it has none.
  struct AssignedPath {
    SuccessPath path;
    std::optional<absl::CivilDay> start;
  };
  absl::StatusOr<AssignedPath> PathOf(const std::string& account_id);
  // The account's progress along its path as of `day`: each milestone's status once the path
  // has started; before that (no start day, or a later one) `progress` is empty and each
  // milestone is not started (due on start + its offset when the start is known).
  struct PathProgressView {
    AssignedPath assigned;
    bool started = false;
    std::vector<MilestoneProgress> progress;  // of assigned.path's milestones, in order
  };
  absl::StatusOr<PathProgressView> Progress(const std::string& account_id, absl::CivilDay day);

  absl::StatusOr<Created<Handoff>> CreateHandoff(HandoffDraft draft, const std::string& request_id,
                                                 const WriteContext& write, const RecordResponse<Handoff>& record);
  absl::StatusOr<Handoff> UpdateHandoff(const std::string& id, const Handoff& patch,
                                        const std::vector<std::string>& paths, const std::string& etag,
                                        const WriteContext& write);
  // Submits a draft whose gates hold (value target, Owner and Champion, a success path).
  absl::StatusOr<Handoff> Submit(const std::string& id, const std::string& etag, const WriteContext& write);
  // Accepts a submitted handoff: the account moves first (stage, CSM), then the handoff, and
  // the account's success path starts today.
  absl::StatusOr<Handoff> Accept(const std::string& id, const std::string& etag, const WriteContext& write);
  absl::StatusOr<Handoff> Reject(const std::string& id, const std::string& etag, const std::string& reason,
                                 const WriteContext& write);
  absl::StatusOr<Handoff> Cancel(const std::string& id, const std::string& etag, const WriteContext& write);

  absl::StatusOr<StoredRule> UpdateRule(const RulePatch& patch, const std::vector<std::string>& paths,
                                        const std::string& etag, const WriteContext& write);

  absl::StatusOr<StoredException> Acknowledge(const std::string& id, const std::string& etag, const WriteContext& write);
  absl::StatusOr<StoredException> Resolve(const std::string& id, const std::string& etag, const WriteContext& write);
  absl::StatusOr<StoredException> Dismiss(const std::string& id, const std::string& etag, const std::string& reason,
                                          const WriteContext& write);
  // `until` absent: the request named no day (or a bad one, already in `problems`).
  absl::StatusOr<StoredException> Snooze(const std::string& id, const std::string& etag, const std::string& reason,
                                         std::optional<absl::CivilDay> until, FieldViolations problems,
                                         const WriteContext& write);
  absl::StatusOr<StoredException> Reassign(const std::string& id, const std::string& etag, const std::string& assignee,
                                           const WriteContext& write);

  // Live exceptions: the health of `account_ids` changed (health's change stream). Their rules
  // are evaluated as of today, as the report evaluates them. The follower saves its position
  // after this (with the band changes' webhook deliveries), so a change is evaluated at least
  // once; evaluating twice changes nothing.
  absl::Status HealthChanged(const std::vector<std::string>& account_ids);

 private:
  // Moves handoff `id` to `to` when the etag matches and the transition is allowed; `apply`
  // sets the rest (submit or accept time, reason).
  absl::StatusOr<Handoff> Transition(const std::string& id, const std::string& etag, HandoffState to,
                                     const std::string& reason, const std::function<void(Handoff&)>& apply,
                                     const WriteContext& write, std::optional<absl::CivilDay> start_path_on = std::nullopt);
  absl::Status CheckGates(const Handoff& handoff);
  // A person's action on exception `id`: the transition to `to` (its own status for a
  // reassignment), then `apply`.
  absl::StatusOr<StoredException> ExceptionAction(const std::string& action, const std::string& id,
                                                  const std::string& etag, std::optional<ExceptionStatus> to,
                                                  FieldViolations checks,
                                                  const std::function<void(StoredException&)>& apply,
                                                  const WriteContext& write);

  HandoffRepository& handoffs_;
  ExceptionRepository& exceptions_;
  AccountsPeer& accounts_;
  StakeholdersPeer& stakeholders_;
  ReportRunner& runner_;
  const Clock& clock_;
};

}  // namespace flywheel::handoff
