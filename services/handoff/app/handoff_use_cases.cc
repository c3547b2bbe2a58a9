#include "services/handoff/app/handoff_use_cases.h"

#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/ids/ids.h"

namespace flywheel::handoff {
namespace {

void RequireText(const std::string& text, size_t max, const std::string& field, FieldViolations& v) {
  if (absl::StripAsciiWhitespace(text).empty() || text.size() > max) {
    v.Add(field, absl::StrCat("must be 1-", max, " bytes, not blank"));
  }
}

void CheckHandoffFields(const Handoff& h, FieldViolations& v) {
  if (h.sending_owner.size() > kMaxOwnerLength) v.Add("handoff.sending_owner", "must be at most 200 bytes");
  if (h.receiving_owner.size() > kMaxOwnerLength) v.Add("handoff.receiving_owner", "must be at most 200 bytes");
  if (h.success_criteria.size() > kMaxCriteriaLength) v.Add("handoff.success_criteria", "must be at most 5000 bytes");
  if (h.sla_days < 1 || h.sla_days > kMaxSlaDays) v.Add("handoff.sla_days", "must be from 1 to 365 (0 means 3)");
}

// Violations of `path` named under "success_path.".
void CheckPath(const SuccessPath& path, FieldViolations& v) {
  FieldViolations local;
  ValidateSuccessPath(path, local);
  v.AddAll("success_path.", local);
}

}  // namespace

absl::CivilDay HandoffUseCases::Today() const { return absl::ToCivilDay(clock_.Now(), absl::UTCTimeZone()); }

absl::StatusOr<Created<SuccessPath>> HandoffUseCases::CreatePath(std::optional<SuccessPath> draft,
                                                                 const std::string& request_id,
                                                                 const WriteContext& write,
                                                                 const RecordResponse<SuccessPath>& record) {
  FieldViolations v;
  if (!draft) v.Add("success_path", "is required");
  SuccessPath path = draft.value_or(SuccessPath{});
  path.active = true;
  CheckPath(path, v);
  ids::CheckRequestId(request_id, v);
  if (!v.empty()) return v.ToStatus();
  path.id = ids::NewId("path");
  path.version = 1;
  path.create_time = path.update_time = write.now;
  auto result = handoffs_.CreatePath(path, write, record(path));
  if (!result.ok()) return result.status();
  return Created<SuccessPath>{std::move(path), *result};
}

absl::StatusOr<SuccessPath> HandoffUseCases::UpdatePath(const SuccessPath& patch, const std::vector<std::string>& paths,
                                                        const std::string& etag, const WriteContext& write) {
  FieldViolations v;
  ids::RequireId(patch.id, "path", "success_path.id", v);
  CheckMask(PathFields(), paths, "update_mask", /*required=*/true, v);
  if (!v.empty()) return v.ToStatus();
  return handoffs_.UpdatePath(
      patch.id,
      [&](SuccessPath& current) -> absl::Status {
        if (absl::Status s = CheckEtag("success path", current.id, std::to_string(current.version), etag); !s.ok()) {
          return s;
        }
        CopyFields(PathFields(), patch, paths, current);
        FieldViolations after;
        CheckPath(current, after);
        return after.ToStatus();
      },
      paths, write);
}

absl::Status HandoffUseCases::DeletePath(const std::string& id, const std::string& etag, const WriteContext& write) {
  if (absl::Status s = ids::Required(id, "path", "id"); !s.ok()) return s;
  return handoffs_.DeletePath(
      id,
      [&](const SuccessPath& current) {
        return CheckEtag("success path", current.id, std::to_string(current.version), etag);
      },
      write);
}

absl::StatusOr<PathAssignment> HandoffUseCases::AssignPath(const std::string& account_id, const std::string& path_id,
                                                           std::optional<absl::CivilDay> start,
                                                           const WriteContext& write) {
  if (absl::Status a = accounts_.RequireLive(account_id); !a.ok()) return a;
  return handoffs_.AssignPath(account_id, path_id, start, write);
}

absl::StatusOr<HandoffUseCases::AssignedPath> HandoffUseCases::PathOf(const std::string& account_id) {
  auto assignments = handoffs_.Assignments({account_id});
  if (!assignments.ok()) return assignments.status();
  auto it = assignments->find(account_id);
  if (it == assignments->end()) {
    // An account that does not exist is NOT_FOUND, not one without a path.
    if (absl::Status a = accounts_.RequireLive(account_id); !a.ok()) return a;
    return FailedPreconditionError(absl::StrCat("account ", account_id, " has no success path"),
                                   {{"NO_PATH", account_id, "assign a path first (AssignPath)"}});
  }
  auto path = handoffs_.GetPath(it->second.path_id);
  if (!path.ok()) return path.status();
  return AssignedPath{*std::move(path), it->second.start_day};
}

absl::StatusOr<HandoffUseCases::PathProgressView> HandoffUseCases::Progress(const std::string& account_id,
                                                                           absl::CivilDay day) {
  if (absl::Status s = ids::Required(account_id, "acc", "account_id"); !s.ok()) return s;
  auto assigned = PathOf(account_id);
  if (!assigned.ok()) return assigned.status();
  PathProgressView view{*std::move(assigned)};
  const std::optional<absl::CivilDay>& start = view.assigned.start;
  view.started = start && *start <= day;
  if (!view.started) return view;
  auto progress = runner_.Progress(account_id, view.assigned.path, *start, day);
  if (!progress.ok()) return progress.status();
  view.progress = *std::move(progress);
  return view;
}

absl::StatusOr<Created<Handoff>> HandoffUseCases::CreateHandoff(HandoffDraft draft, const std::string& request_id,
                                                                const WriteContext& write,
                                                                const RecordResponse<Handoff>& record) {
  FieldViolations v;
  Handoff& h = draft.handoff;
  ids::RequireId(h.account_id, "acc", "handoff.account_id", v);
  if (!draft.from_team) v.Add("handoff.from_team", "must be SALES, IMPLEMENTATION, CUSTOMER_SUCCESS or SUPPORT");
  if (!draft.to_team) v.Add("handoff.to_team", "must be SALES, IMPLEMENTATION, CUSTOMER_SUCCESS or SUPPORT");
  if (draft.from_team && draft.to_team && draft.from_team == draft.to_team) {
    v.Add("handoff.to_team", "must differ from from_team");
  }
  RequireText(h.sending_owner, kMaxOwnerLength, "handoff.sending_owner", v);
  h.from_team = draft.from_team.value_or(Team::kSales);
  h.to_team = draft.to_team.value_or(Team::kImplementation);
  CheckHandoffFields(h, v);
  ids::CheckRequestId(request_id, v);
  if (!v.empty()) return v.ToStatus();
  if (absl::Status a = accounts_.RequireLive(h.account_id); !a.ok()) return a;
  h.id = ids::NewId("hof");
  h.version = 1;
  h.state = HandoffState::kDraft;
  h.create_time = h.update_time = write.now;
  auto result = handoffs_.CreateHandoff(h, write, record(h));
  if (!result.ok()) return result.status();
  return Created<Handoff>{std::move(h), *result};
}

absl::StatusOr<Handoff> HandoffUseCases::UpdateHandoff(const std::string& id, const Handoff& patch,
                                                       const std::vector<std::string>& paths, const std::string& etag,
                                                       const WriteContext& write) {
  FieldViolations v;
  ids::RequireId(id, "hof", "handoff.id", v);
  CheckMask(HandoffFields(), paths, "update_mask", /*required=*/true, v);
  if (!v.empty()) return v.ToStatus();
  return handoffs_.UpdateHandoff(
      id, "UPDATE",
      [&](Handoff& h) -> absl::Status {
        if (absl::Status s = CheckEtag("handoff", h.id, std::to_string(h.version), etag); !s.ok()) return s;
        if (h.state != HandoffState::kDraft && h.state != HandoffState::kSubmitted) {
          return FailedPreconditionError("only a draft or submitted handoff can be changed",
                                         {{"STATE", h.id, "handoff is closed"}});
        }
        CopyFields(HandoffFields(), patch, paths, h);
        FieldViolations after;
        RequireText(h.sending_owner, kMaxOwnerLength, "handoff.sending_owner", after);
        CheckHandoffFields(h, after);
        return after.ToStatus();
      },
      paths, write);
}

absl::StatusOr<Handoff> HandoffUseCases::Transition(const std::string& id, const std::string& etag, HandoffState to,
                                                    const std::string& reason,
                                                    const std::function<void(Handoff&)>& apply,
                                                    const WriteContext& write,
                                                    std::optional<absl::CivilDay> start_path_on) {
  static const std::map<HandoffState, std::string> kActions = {{HandoffState::kSubmitted, "SUBMIT"},
                                                               {HandoffState::kAccepted, "ACCEPT"},
                                                               {HandoffState::kRejected, "REJECT"},
                                                               {HandoffState::kCancelled, "CANCEL"}};
  return handoffs_.UpdateHandoff(
      id, kActions.at(to),
      [&](Handoff& h) -> absl::Status {
        if (absl::Status s = CheckEtag("handoff", h.id, std::to_string(h.version), etag); !s.ok()) return s;
        if (absl::Status s = CheckTransition(h, to, reason); !s.ok()) return s;
        h.state = to;
        apply(h);
        return absl::OkStatus();
      },
      {"state"}, write, start_path_on);
}

absl::Status HandoffUseCases::CheckGates(const Handoff& h) {
  auto has_target = accounts_.HasValueTarget(h.account_id);
  if (!has_target.ok()) return has_target.status();
  auto roles = stakeholders_.RolesHeld(h.account_id);
  if (!roles.ok()) return roles.status();
  auto assignments = handoffs_.Assignments({h.account_id});
  if (!assignments.ok()) return assignments.status();
  GateFacts facts;
  facts.value_target_set = *has_target;
  facts.owner_identified = roles->owner;
  facts.champion_identified = roles->champion;
  facts.success_path_assigned = assignments->count(h.account_id) > 0;
  std::vector<PreconditionViolation> failed = FailedGates(h, facts);
  if (failed.empty()) return absl::OkStatus();
  std::string message = absl::StrCat(failed.size(), " handoff gate(s) do not hold");
  return FailedPreconditionError(message, std::move(failed));
}

absl::StatusOr<Handoff> HandoffUseCases::Submit(const std::string& id, const std::string& etag,
                                                const WriteContext& write) {
  if (absl::Status s = ids::Required(id, "hof", "id"); !s.ok()) return s;
  auto current = handoffs_.GetHandoff(id);
  if (!current.ok()) return current.status();
  if (absl::Status s = CheckTransition(*current, HandoffState::kSubmitted); !s.ok()) return s;
  if (absl::Status s = CheckGates(*current); !s.ok()) return s;
  return Transition(id, etag, HandoffState::kSubmitted, "", [&](Handoff& h) { h.submit_time = write.now; }, write);
}

absl::StatusOr<Handoff> HandoffUseCases::Accept(const std::string& id, const std::string& etag,
                                                const WriteContext& write) {
  if (absl::Status s = ids::Required(id, "hof", "id"); !s.ok()) return s;
  auto current = handoffs_.GetHandoff(id);
  if (!current.ok()) return current.status();
  if (absl::Status s = CheckEtag("handoff", current->id, std::to_string(current->version), etag); !s.ok()) return s;
  if (absl::Status s = CheckTransition(*current, HandoffState::kAccepted); !s.ok()) return s;
  // The account moves first: if the accounts service fails, nothing here has changed and the
  // call can be retried; a retry after a lost reply sets the same values again.
  std::optional<AccountStage> stage = StageAfterAccept(current->from_team, current->to_team);
  std::optional<std::string> csm;
  if (current->to_team == Team::kCustomerSuccess && !current->receiving_owner.empty()) csm = current->receiving_owner;
  if (stage || csm) {
    if (absl::Status moved = accounts_.Move(current->account_id, stage, csm); !moved.ok()) return moved;
  }
  return Transition(id, std::to_string(current->version), HandoffState::kAccepted, "",
                    [&](Handoff& h) { h.accept_time = write.now; }, write,
                    absl::ToCivilDay(write.now, absl::UTCTimeZone()));
}

absl::StatusOr<Handoff> HandoffUseCases::Reject(const std::string& id, const std::string& etag,
                                                const std::string& reason, const WriteContext& write) {
  FieldViolations v;
  ids::RequireId(id, "hof", "id", v);
  RequireText(reason, kMaxReasonLength, "reason", v);
  if (!v.empty()) return v.ToStatus();
  return Transition(id, etag, HandoffState::kRejected, reason, [&](Handoff& h) { h.reject_reason = reason; }, write);
}

absl::StatusOr<Handoff> HandoffUseCases::Cancel(const std::string& id, const std::string& etag,
                                                const WriteContext& write) {
  if (absl::Status s = ids::Required(id, "hof", "id"); !s.ok()) return s;
  return Transition(id, etag, HandoffState::kCancelled, "", [](Handoff&) {}, write);
}

absl::StatusOr<StoredRule> HandoffUseCases::UpdateRule(const RulePatch& patch, const std::vector<std::string>& paths,
                                                       const std::string& etag, const WriteContext& write) {
  FieldViolations v;
  if (!patch.rule) v.Add("rule.rule", "must name one of the rules (ListRules)");
  CheckMask(RuleConfigFields(), paths, "update_mask", /*required=*/true, v);
  if (PathsName(paths, "severity") && !patch.severity) v.Add("rule.severity", "must be LOW, MEDIUM or HIGH");
  if (PathsName(paths, "sla_days") && (patch.config.sla_days < 0 || patch.config.sla_days > kMaxSlaDays)) {
    v.Add("rule.sla_days", "must be from 0 to 365");
  }
  double threshold = patch.config.threshold;
  if (PathsName(paths, "threshold") && (!std::isfinite(threshold) || threshold < 0 || threshold > 10000)) {
    v.Add("rule.threshold", "must be a number from 0 to 10000");
  }
  if (!v.empty()) return v.ToStatus();
  return handoffs_.UpdateRule(
      *patch.rule,
      [&](StoredRule& r) -> absl::Status {
        if (absl::Status s = CheckEtag("rule", RuleName(*patch.rule), std::to_string(r.version), etag); !s.ok()) {
          return s;
        }
        RuleConfig written = patch.config;
        written.severity = patch.severity.value_or(r.config.severity);
        CopyFields(RuleConfigFields(), written, paths, r.config);
        return absl::OkStatus();
      },
      paths, write);
}

absl::StatusOr<StoredException> HandoffUseCases::ExceptionAction(const std::string& action, const std::string& id,
                                                                 const std::string& etag,
                                                                 std::optional<ExceptionStatus> to,
                                                                 FieldViolations checks,
                                                                 const std::function<void(StoredException&)>& apply,
                                                                 const WriteContext& write) {
  ids::RequireId(id, "exc", "id", checks);
  if (!checks.empty()) return checks.ToStatus();
  return exceptions_.Update(
      id, action,
      [&](StoredException& e) -> absl::Status {
        if (absl::Status s = CheckEtag("exception", e.id, std::to_string(e.version), etag); !s.ok()) return s;
        ExceptionStatus target = to.value_or(e.status);
        if (absl::Status s = CheckExceptionTransition(e.id, e.status, target); !s.ok()) return s;
        e.status = target;
        apply(e);
        return absl::OkStatus();
      },
      write);
}

absl::Status HandoffUseCases::HealthChanged(const std::vector<std::string>& account_ids) {
  return runner_.RunFor(account_ids, Today()).status();
}

absl::StatusOr<StoredException> HandoffUseCases::Acknowledge(const std::string& id, const std::string& etag,
                                                             const WriteContext& write) {
  return ExceptionAction("Acknowledge", id, etag, ExceptionStatus::kAcknowledged, {}, [](StoredException&) {}, write);
}

absl::StatusOr<StoredException> HandoffUseCases::Resolve(const std::string& id, const std::string& etag,
                                                         const WriteContext& write) {
  absl::CivilDay today = Today();
  return ExceptionAction("Resolve", id, etag, ExceptionStatus::kResolved, {},
                         [today](StoredException& e) {
                           e.close_source = CloseSource::kUser;
                           e.close_day = today;
                           e.snoozed_until.reset();
                         },
                         write);
}

absl::StatusOr<StoredException> HandoffUseCases::Dismiss(const std::string& id, const std::string& etag,
                                                         const std::string& reason, const WriteContext& write) {
  FieldViolations checks;
  RequireText(reason, kMaxReasonLength, "reason", checks);
  absl::CivilDay today = Today();
  return ExceptionAction("Dismiss", id, etag, ExceptionStatus::kDismissed, checks,
                         [today, &reason](StoredException& e) {
                           e.close_source = CloseSource::kUser;
                           e.close_day = today;
                           e.status_reason = reason;
                           e.snoozed_until.reset();
                         },
                         write);
}

absl::StatusOr<StoredException> HandoffUseCases::Snooze(const std::string& id, const std::string& etag,
                                                        const std::string& reason, std::optional<absl::CivilDay> until,
                                                        FieldViolations checks, const WriteContext& write) {
  RequireText(reason, kMaxReasonLength, "reason", checks);
  bool until_named = std::any_of(checks.items().begin(), checks.items().end(),
                                 [](const FieldViolation& f) { return f.field == "until"; });
  if (!until && !until_named) checks.Add("until", "is required");
  if (until && *until <= Today()) checks.Add("until", "must be after today");
  return ExceptionAction("Snooze", id, etag, ExceptionStatus::kSnoozed, checks,
                         [until, &reason](StoredException& e) {
                           e.snoozed_until = until;
                           e.status_reason = reason;
                         },
                         write);
}

absl::StatusOr<StoredException> HandoffUseCases::Reassign(const std::string& id, const std::string& etag,
                                                          const std::string& assignee, const WriteContext& write) {
  FieldViolations checks;
  RequireText(assignee, kMaxOwnerLength, "assignee", checks);
  // Reassigning keeps the status: the "transition" is to the status it has.
  return ExceptionAction("Reassign", id, etag, std::nullopt, checks,
                         [&assignee](StoredException& e) { e.assignee = assignee; }, write);
}

}  // namespace flywheel::handoff
