// The exception report (DESIGN §3 "Exceptions"): the default rules, their evaluation for one
// account's snapshot (what fired, with the numbers that fired it and the remedy), and the
// reconciliation of a run's findings with the exceptions already stored (update, resolve by
// rule, respect snoozes) so that re-running a report never duplicates anything.
#pragma once

#include <map>
#include <set>
#include <optional>
#include <string>
#include <vector>

#include "common/fields/writable_fields.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "services/handoff/domain/success_path.h"

namespace flywheel::handoff {

enum class Rule {
  kNoPresenceAfterHandoff = 1, kMilestoneOverdue, kLowPresence, kDetractor, kCaptive, kDormant, kValueGap,
  kHandoffStalled, kRoleGap, kHealthDrop
};
enum class Severity { kLow = 1, kMedium, kHigh };
enum class Remedy { kCourtesyCall = 1, kContent, kTraining, kRelationship, kEducation, kExecReview, kEscalation };

const char* RuleName(Rule rule);  // "NO_PRESENCE_AFTER_HANDOFF", …

struct RuleConfig {
  Rule rule;
  bool enabled = true;
  Severity severity = Severity::kMedium;
  int sla_days = 7;        // the exception's due date: the run's day + sla_days
  double threshold = 0;    // the rule's number (days, points, percent); see DefaultRules
};

// The fields of a rule's configuration an update may write: enabled, severity, sla_days,
// threshold.
const std::vector<WritableField<RuleConfig>>& RuleConfigFields();

// DESIGN §3's table: NO_PRESENCE_AFTER_HANDOFF (7 days), MILESTONE_OVERDUE (call when more
// than 14 days late), LOW_PRESENCE (30 days, presence < 50), DETRACTOR (30 days),
// CAPTIVE, DORMANT, VALUE_GAP (90 days into the year, projected < 90 % of target),
// HANDOFF_STALLED, ROLE_GAP, HEALTH_DROP (15 points in 30 days).
std::vector<RuleConfig> DefaultRules();

struct Detractor {
  std::string respondent;
  int score = 0;
  absl::CivilDay day;
};

struct StalledHandoff {
  std::string handoff_id;
  std::string receiving_team;
  absl::CivilDay due_day;
};

// Everything the rules read about one account as of one day.
// The health service's behavioural × emotional quadrant of an account, as the rules read it.
enum class HealthQuadrant { kUnknown, kThriving, kCaptive, kDormant, kAtRisk };
// "THRIVING", "CAPTIVE", …: how evidence names it.
absl::string_view QuadrantName(HealthQuadrant quadrant);

struct AccountSnapshot {
  std::string account_id;
  absl::CivilDay as_of;
  std::optional<absl::CivilDay> path_start;
  std::optional<double> active_users_28d;
  std::optional<double> presence;  // the health presence measure, 0–100
  SuccessPath path;
  std::vector<MilestoneProgress> milestones;  // of `path`, in order
  std::vector<Detractor> detractors;          // NPS 0–6 responses of the last 30 days
  HealthQuadrant quadrant = HealthQuadrant::kUnknown;
  bool has_value_target = false;
  int64_t value_target = 0, value_projected = 0, value_gap = 0;
  std::string value_currency;
  int contract_days_elapsed = 0;
  std::vector<StalledHandoff> stalled_handoffs;
  bool has_owner = false, has_champion = false;
  std::optional<double> overall, overall_30_days_earlier;
};

struct Finding {
  Rule rule;
  std::string subject;  // what it is about within the account: a milestone key, a handoff id, or ""
  Severity severity;
  std::map<std::string, std::string> evidence;  // the numbers that fired it
  Remedy remedy;
  std::string remedy_detail;                // content title and link, or what the call is about
  std::string target_role;                  // OWNER, CHAMPION, ENABLER, PRODUCER, CSM, RESPONDENTS, a team
  std::vector<std::string> target_people;   // respondents, when the rule names them
  absl::CivilDay due_day;
};

// What fires for `account` under the enabled `rules`.
std::vector<Finding> Evaluate(const AccountSnapshot& account, const std::vector<RuleConfig>& rules);

enum class ExceptionStatus { kOpen = 1, kAcknowledged, kResolved, kDismissed, kSnoozed };

// OK when a user may move an exception from `from` to `to`: OPEN → ACKNOWLEDGED; OPEN or
// ACKNOWLEDGED → SNOOZED; OPEN, ACKNOWLEDGED or SNOOZED → RESOLVED | DISMISSED; and
// to == from for an active one (a change that keeps the status, e.g. reassigning).
// FAILED_PRECONDITION otherwise.
absl::Status CheckExceptionTransition(const std::string& id, ExceptionStatus from, ExceptionStatus to);

// What watchers of exceptions are told (WatchExceptions): a rule run opened one, found it again
// with other evidence (or woke it from an expired snooze), or resolved it; or a user moved it.
// A run also tells when an open or acknowledged exception passes its due day (once).
enum class ExceptionEvent { kOpened = 1, kUpdated, kResolved, kSnoozed, kAcknowledged, kDismissed, kReassigned, kDue };

// The event of a user's change of an exception from status `from` to `to` (resolving,
// snoozing, …; the same status: a reassignment).
ExceptionEvent EventOfUserChange(ExceptionStatus from, ExceptionStatus to);

struct ExistingException {
  std::string id;
  Rule rule;
  std::string subject;
  ExceptionStatus status;
  std::optional<absl::CivilDay> snoozed_until;
};

struct ReconcilePlan {
  std::vector<Finding> open;                                 // new exceptions
  std::vector<std::pair<std::string, Finding>> update;       // id → fresh evidence (reopens an expired snooze)
  std::vector<std::string> resolve;                          // ids whose condition no longer holds (close source RULE)
  std::vector<std::string> release;                          // dismissed ids whose condition has cleared
};

// Matches findings to an account's stored exceptions by (rule, subject): an open or
// acknowledged one is updated, a snoozed one stays quiet until its day, a dismissed one keeps
// the condition quiet while it lasts, a resolved one lets it open again; stored open,
// acknowledged or expired-snooze exceptions that no longer fire are resolved, and dismissed
// ones that no longer fire are released (the condition may open again later). `existing`
// holds no released dismissals.
ReconcilePlan Reconcile(const std::vector<Finding>& findings, const std::vector<ExistingException>& existing,
                        absl::CivilDay as_of);

}  // namespace flywheel::handoff
