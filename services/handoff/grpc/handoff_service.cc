#include "services/handoff/grpc/handoff_service.h"

#include <cmath>
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/convert/type_convert.h"
#include "common/ids/ids.h"
#include "common/status/grpc_status.h"
#include "common/server/list_page.h"
#include "common/server/audit_entries.h"
#include "common/server/call_record.h"
#include "common/server/idempotency.h"
#include "common/server/stream_writer.h"
#include "services/handoff/grpc/handoff_proto.h"

namespace flywheel::handoff {
namespace {

constexpr size_t kMaxOwnerLength = 200;
constexpr size_t kMaxReasonLength = 1000;
constexpr size_t kMaxCriteriaLength = 5000;
constexpr int kMaxSlaDays = 365;
constexpr int kMaxShards = 10000;

void RequireText(const std::string& text, size_t max, const std::string& field, FieldViolations& v) {
  if (absl::StripAsciiWhitespace(text).empty() || text.size() > max) {
    v.Add(field, absl::StrCat("must be 1-", max, " bytes, not blank"));
  }
}

// The paths of an update's mask, checked against the aggregate's writable `fields`.
template <typename T>
std::vector<std::string> CheckedMask(const std::vector<WritableField<T>>& fields, const google::protobuf::FieldMask& mask,
                                     FieldViolations& v) {
  std::vector<std::string> paths(mask.paths().begin(), mask.paths().end());
  CheckMask(fields, paths, "update_mask", /*required=*/true, v);
  return paths;
}


// Violations of `path` named under "success_path.".
void ValidatePath(const SuccessPath& path, FieldViolations& v) {
  FieldViolations local;
  ValidateSuccessPath(path, local);
  v.AddAll("success_path.", local);
}

void CheckHandoffFields(const Handoff& h, FieldViolations& v) {
  if (h.sending_owner.size() > kMaxOwnerLength) v.Add("handoff.sending_owner", "must be at most 200 bytes");
  if (h.receiving_owner.size() > kMaxOwnerLength) v.Add("handoff.receiving_owner", "must be at most 200 bytes");
  if (h.success_criteria.size() > kMaxCriteriaLength) v.Add("handoff.success_criteria", "must be at most 5000 bytes");
  if (h.sla_days < 1 || h.sla_days > kMaxSlaDays) v.Add("handoff.sla_days", "must be from 1 to 365 (0 means 3)");
}

}  // namespace

absl::CivilDay HandoffServiceImpl::Today() const { return absl::ToCivilDay(context_.clock.Now(), absl::UTCTimeZone()); }

// ---- success paths ----

grpc::ServerUnaryReactor* HandoffServiceImpl::CreateSuccessPath(Ctx* ctx, const v1::CreateSuccessPathRequest* request,
                                                                v1::SuccessPath* response) {
  return RunUnary(ctx, context_, "CreateSuccessPath", [=]() -> absl::Status {
    FieldViolations v;
    if (!request->has_success_path()) v.Add("success_path", "is required");
    SuccessPath path = FromProto(request->success_path());
    path.active = true;
    ValidatePath(path, v);
    ids::CheckRequestId(request->request_id(), v);
    if (!v.empty()) return v.ToStatus();
    WriteContext write = WriteContextOf(context_, ctx, request->request_id());
    path.id = ids::NewId("path");
    path.version = 1;
    path.create_time = path.update_time = write.now;
    return AnswerCreate<SuccessPath>(request->request_id(), request->success_path(), *response,
                                     [](const SuccessPath& created) { return ToProto(created); },
                                     [&](const RecordResponse<SuccessPath>& record) -> absl::StatusOr<Created<SuccessPath>> {
                                       auto result = handoffs_.CreatePath(path, write, record(path));
                                       if (!result.ok()) return result.status();
                                       return Created<SuccessPath>{path, *result};
                                     });
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::GetSuccessPath(Ctx* ctx, const v1::GetSuccessPathRequest* request,
                                                             v1::SuccessPath* response) {
  return RunUnary(ctx, context_, "GetSuccessPath", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->id(), "path", "id", v);
    if (!v.empty()) return v.ToStatus();
    auto path = handoffs_.GetPath(request->id());
    if (!path.ok()) return path.status();
    *response = ToProto(*path);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::ListSuccessPaths(Ctx* ctx, const v1::ListSuccessPathsRequest* request,
                                                               v1::ListSuccessPathsResponse* response) {
  return RunUnary(ctx, context_, "ListSuccessPaths", [=]() -> absl::Status {
    FieldViolations v;
    ListPage page(context_.page_tokens, *request, 3, v);
    PathQuery q;
    q.product = request->product();
    q.active_only = request->active_only();
    if (const auto& cursor = page.cursor()) {
      q.after_product = (*cursor)[0];
      q.after_name = (*cursor)[1];
      q.after_id = (*cursor)[2];
    }
    if (!v.empty()) return v.ToStatus();
    q.limit = page.limit();
    auto paths = handoffs_.ListPaths(q);
    if (!paths.ok()) return paths.status();
    response->set_next_page_token(page.Finish(
        *paths, [](const SuccessPath& last) { return std::vector<std::string>{last.product, last.name, last.id}; }));
    for (const auto& p : *paths) *response->add_success_paths() = ToProto(p);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::UpdateSuccessPath(Ctx* ctx, const v1::UpdateSuccessPathRequest* request,
                                                                v1::SuccessPath* response) {
  return RunUnary(ctx, context_, "UpdateSuccessPath", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->success_path().id(), "path", "success_path.id", v);
    std::vector<std::string> paths = CheckedMask(PathFields(), request->update_mask(), v);
    if (!v.empty()) return v.ToStatus();
    SuccessPath patch = FromProto(request->success_path());
    std::string etag = request->success_path().etag();
    auto updated = handoffs_.UpdatePath(
        patch.id,
        [&](SuccessPath& current) -> absl::Status {
          if (absl::Status s = CheckEtag("success path", current.id, std::to_string(current.version), etag); !s.ok()) return s;
          CopyFields(PathFields(), patch, paths, current);
          FieldViolations after;
          ValidatePath(current, after);
          return after.ToStatus();
        },
        paths, WriteContextOf(context_, ctx));
    if (!updated.ok()) return updated.status();
    *response = ToProto(*updated);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::DeleteSuccessPath(Ctx* ctx, const v1::DeleteSuccessPathRequest* request,
                                                                v1::DeleteSuccessPathResponse*) {
  return RunUnary(ctx, context_, "DeleteSuccessPath", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->id(), "path", "id", v);
    if (!v.empty()) return v.ToStatus();
    return handoffs_.DeletePath(
        request->id(),
        [&](const SuccessPath& current) {
          return CheckEtag("success path", current.id, std::to_string(current.version), request->etag());
        },
        WriteContextOf(context_, ctx));
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::AssignPath(Ctx* ctx, const v1::AssignPathRequest* request,
                                                         v1::PathAssignment* response) {
  return RunUnary(ctx, context_, "AssignPath", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->account_id(), "acc", "account_id", v);
    ids::RequireId(request->path_id(), "path", "path_id", v);
    std::optional<absl::CivilDay> start = convert::OptionalDay(request->has_start_day(), request->start_day(), "start_day", v);
    if (!v.empty()) return v.ToStatus();
    if (auto a = upstreams_.accounts.Get(request->account_id()); !a.ok()) return a.status();
    auto assigned = handoffs_.AssignPath(request->account_id(), request->path_id(), start, WriteContextOf(context_, ctx));
    if (!assigned.ok()) return assigned.status();
    *response = ToProto(*assigned);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::GetPathProgress(Ctx* ctx, const v1::GetPathProgressRequest* request,
                                                              v1::PathProgress* response) {
  return RunUnary(ctx, context_, "GetPathProgress", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->account_id(), "acc", "account_id", v);
    std::optional<absl::CivilDay> as_of = convert::OptionalDay(request->has_as_of(), request->as_of(), "as_of", v);
    if (!v.empty()) return v.ToStatus();
    absl::CivilDay day = as_of.value_or(Today());
    auto assignments = handoffs_.Assignments({request->account_id()});
    if (!assignments.ok()) return assignments.status();
    auto it = assignments->find(request->account_id());
    if (it == assignments->end()) {
      // An account that does not exist is NOT_FOUND, not one without a path.
      if (auto a = upstreams_.accounts.Get(request->account_id()); !a.ok()) return a.status();
      return FailedPreconditionError(absl::StrCat("account ", request->account_id(), " has no success path"),
                                     {{"NO_PATH", request->account_id(), "assign a path first (AssignPath)"}});
    }
    auto path = handoffs_.GetPath(it->second.path_id);
    if (!path.ok()) return path.status();
    response->set_account_id(request->account_id());
    response->set_path_id(path->id);
    response->set_path_name(path->name);
    *response->mutable_as_of() = convert::ToProto(day);
    std::optional<absl::CivilDay> start = it->second.start_day;
    if (!start || *start > day) {
      for (const Milestone& m : path->milestones) {
        v1::MilestoneProgress* p = response->add_milestones();
        p->set_key(m.key);
        p->set_name(m.name);
        p->set_status(v1::MILESTONE_STATUS_NOT_STARTED);
        if (start) *p->mutable_due_day() = convert::ToProto(*start + m.due_offset_days);
      }
      if (start) *response->mutable_start_day() = convert::ToProto(*start);
      return absl::OkStatus();
    }
    *response->mutable_start_day() = convert::ToProto(*start);
    auto progress = runner_.Progress(request->account_id(), *path, *start, day);
    if (!progress.ok()) return progress.status();
    for (size_t i = 0; i < progress->size(); ++i) *response->add_milestones() = ToProto(path->milestones[i], (*progress)[i]);
    return absl::OkStatus();
  });
}

// ---- handoffs ----

grpc::ServerUnaryReactor* HandoffServiceImpl::CreateHandoff(Ctx* ctx, const v1::CreateHandoffRequest* request,
                                                            v1::Handoff* response) {
  return RunUnary(ctx, context_, "CreateHandoff", [=]() -> absl::Status {
    const v1::Handoff& m = request->handoff();
    FieldViolations v;
    ids::RequireId(m.account_id(), "acc", "handoff.account_id", v);
    std::optional<Team> from = TeamFromProto(m.from_team()), to = TeamFromProto(m.to_team());
    if (!from) v.Add("handoff.from_team", "must be SALES, IMPLEMENTATION, CUSTOMER_SUCCESS or SUPPORT");
    if (!to) v.Add("handoff.to_team", "must be SALES, IMPLEMENTATION, CUSTOMER_SUCCESS or SUPPORT");
    if (from && to && from == to) v.Add("handoff.to_team", "must differ from from_team");
    RequireText(m.sending_owner(), kMaxOwnerLength, "handoff.sending_owner", v);
    Handoff h;
    h.account_id = m.account_id();
    h.from_team = from.value_or(Team::kSales);
    h.to_team = to.value_or(Team::kImplementation);
    h.sending_owner = m.sending_owner();
    h.receiving_owner = m.receiving_owner();
    h.success_criteria = m.success_criteria();
    h.sla_days = AcceptSlaDays(m.sla_days());
    CheckHandoffFields(h, v);
    ids::CheckRequestId(request->request_id(), v);
    if (!v.empty()) return v.ToStatus();
    if (auto a = upstreams_.accounts.Get(h.account_id); !a.ok()) return a.status();
    WriteContext write = WriteContextOf(context_, ctx, request->request_id());
    h.id = ids::NewId("hof");
    h.version = 1;
    h.create_time = h.update_time = write.now;
    return AnswerCreate<Handoff>(request->request_id(), m, *response,
                                 [&](const Handoff& created) { return ToProto(created, write.now); },
                                 [&](const RecordResponse<Handoff>& record) -> absl::StatusOr<Created<Handoff>> {
                                   auto result = handoffs_.CreateHandoff(h, write, record(h));
                                   if (!result.ok()) return result.status();
                                   return Created<Handoff>{h, *result};
                                 });
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::GetHandoff(Ctx* ctx, const v1::GetHandoffRequest* request,
                                                         v1::Handoff* response) {
  return RunUnary(ctx, context_, "GetHandoff", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->id(), "hof", "id", v);
    if (!v.empty()) return v.ToStatus();
    auto h = handoffs_.GetHandoff(request->id());
    if (!h.ok()) return h.status();
    *response = ToProto(*h, context_.clock.Now());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::ListHandoffs(Ctx* ctx, const v1::ListHandoffsRequest* request,
                                                           v1::ListHandoffsResponse* response) {
  return RunUnary(ctx, context_, "ListHandoffs", [=]() -> absl::Status {
    FieldViolations v;
    ListPage page(context_.page_tokens, *request, 2, v);
    HandoffQuery q;
    if (request->state() != v1::HANDOFF_STATE_UNSPECIFIED) {
      q.state = StateFromProto(request->state());
      if (!q.state) v.Add("state", "unknown state");
    }
    if (request->team() != v1::TEAM_UNSPECIFIED) {
      q.team = TeamFromProto(request->team());
      if (!q.team) v.Add("team", "unknown team");
    }
    if (!request->account_id().empty()) ids::RequireId(request->account_id(), "acc", "account_id", v);
    q.owner = request->owner();
    q.account_id = request->account_id();
    absl::Time now = context_.clock.Now();
    if (request->overdue_only()) q.overdue_at = now;
    if (const auto& cursor = page.cursor()) {
      int64_t micros = 0;
      if (!absl::SimpleAtoi((*cursor)[0], &micros)) {
        v.Add("page_token", "is not valid");
      } else {
        q.before = std::make_pair(micros, (*cursor)[1]);
      }
    }
    if (!v.empty()) return v.ToStatus();
    q.limit = page.limit();
    auto list = handoffs_.ListHandoffs(q);
    if (!list.ok()) return list.status();
    response->set_next_page_token(page.Finish(*list, [](const Handoff& last) {
      return std::vector<std::string>{absl::StrCat(absl::ToUnixMicros(last.create_time)), last.id};
    }));
    for (const auto& h : *list) *response->add_handoffs() = ToProto(h, now);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::UpdateHandoff(Ctx* ctx, const v1::UpdateHandoffRequest* request,
                                                            v1::Handoff* response) {
  return RunUnary(ctx, context_, "UpdateHandoff", [=]() -> absl::Status {
    const v1::Handoff& m = request->handoff();
    FieldViolations v;
    ids::RequireId(m.id(), "hof", "handoff.id", v);
    std::vector<std::string> paths = CheckedMask(HandoffFields(), request->update_mask(), v);
    if (!v.empty()) return v.ToStatus();
    auto updated = handoffs_.UpdateHandoff(
        m.id(), "UPDATE",
        [&](Handoff& h) -> absl::Status {
          if (absl::Status s = CheckEtag("handoff", h.id, std::to_string(h.version), m.etag()); !s.ok()) return s;
          if (h.state != HandoffState::kDraft && h.state != HandoffState::kSubmitted) {
            return FailedPreconditionError("only a draft or submitted handoff can be changed",
                                           {{"STATE", h.id, "handoff is closed"}});
          }
          Handoff patch;
          patch.sending_owner = m.sending_owner();
          patch.receiving_owner = m.receiving_owner();
          patch.success_criteria = m.success_criteria();
          patch.sla_days = AcceptSlaDays(m.sla_days());
          CopyFields(HandoffFields(), patch, paths, h);
          FieldViolations after;
          RequireText(h.sending_owner, kMaxOwnerLength, "handoff.sending_owner", after);
          CheckHandoffFields(h, after);
          return after.ToStatus();
        },
        paths, WriteContextOf(context_, ctx));
    if (!updated.ok()) return updated.status();
    *response = ToProto(*updated, context_.clock.Now());
    return absl::OkStatus();
  });
}

absl::StatusOr<Handoff> HandoffServiceImpl::Transition(Ctx* ctx, const std::string& id, const std::string& etag,
                                                       HandoffState to, const std::string& reason,
                                                       const std::function<void(Handoff&)>& apply,
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
      {"state"}, WriteContextOf(context_, ctx), start_path_on);
}

absl::Status HandoffServiceImpl::CheckGates(const Handoff& h) {
  auto account = upstreams_.accounts.Get(h.account_id, /*fresh=*/true);
  if (!account.ok()) return account.status();
  auto coverage = upstreams_.stakeholders.BatchGetCoverage({h.account_id});
  if (!coverage.ok()) return coverage.status();
  auto assignments = handoffs_.Assignments({h.account_id});
  if (!assignments.ok()) return assignments.status();
  GateFacts facts;
  facts.value_target_set = account->has_value_target() && account->value_target().amount().minor_units() > 0;
  for (const auto& s : coverage->stakeholders()) {
    facts.owner_identified |= s.role() == flywheel::stakeholders::v1::ROLE_OWNER;
    facts.champion_identified |= s.role() == flywheel::stakeholders::v1::ROLE_CHAMPION;
  }
  facts.success_path_assigned = assignments->count(h.account_id) > 0;
  std::vector<PreconditionViolation> failed = FailedGates(h, facts);
  if (failed.empty()) return absl::OkStatus();
  std::string message = absl::StrCat(failed.size(), " handoff gate(s) do not hold");
  return FailedPreconditionError(message, std::move(failed));
}

grpc::ServerUnaryReactor* HandoffServiceImpl::SubmitHandoff(Ctx* ctx, const v1::SubmitHandoffRequest* request,
                                                            v1::Handoff* response) {
  return RunUnary(ctx, context_, "SubmitHandoff", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->id(), "hof", "id", v);
    if (!v.empty()) return v.ToStatus();
    auto current = handoffs_.GetHandoff(request->id());
    if (!current.ok()) return current.status();
    if (absl::Status s = CheckTransition(*current, HandoffState::kSubmitted); !s.ok()) return s;
    if (absl::Status s = CheckGates(*current); !s.ok()) return s;
    absl::Time now = context_.clock.Now();
    auto updated = Transition(ctx, request->id(), request->etag(), HandoffState::kSubmitted, "",
                              [&](Handoff& h) { h.submit_time = now; });
    if (!updated.ok()) return updated.status();
    *response = ToProto(*updated, now);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::AcceptHandoff(Ctx* ctx, const v1::AcceptHandoffRequest* request,
                                                            v1::Handoff* response) {
  return RunUnary(ctx, context_, "AcceptHandoff", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->id(), "hof", "id", v);
    if (!v.empty()) return v.ToStatus();
    auto current = handoffs_.GetHandoff(request->id());
    if (!current.ok()) return current.status();
    if (absl::Status s = CheckEtag("handoff", current->id, std::to_string(current->version), request->etag()); !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckTransition(*current, HandoffState::kAccepted); !s.ok()) return s;
    // The account moves first: if the accounts service fails, nothing here has changed and
    // the call can be retried; a retry after a lost reply sets the same values again.
    std::optional<AccountStage> stage = StageAfterAccept(current->from_team, current->to_team);
    bool set_csm = current->to_team == Team::kCustomerSuccess && !current->receiving_owner.empty();
    if (stage || set_csm) {
      flywheel::accounts::v1::Account patch;
      patch.set_id(current->account_id);
      std::vector<std::string> mask;
      if (stage) {
        patch.set_lifecycle_stage(ToProto(*stage));
        mask.push_back("lifecycle_stage");
      }
      if (set_csm) {
        patch.set_csm_owner(current->receiving_owner);
        mask.push_back("csm_owner");
      }
      if (auto moved = upstreams_.accounts.Update(patch, mask); !moved.ok()) return moved.status();
    }
    absl::Time now = context_.clock.Now();
    auto updated = Transition(ctx, request->id(), std::to_string(current->version), HandoffState::kAccepted, "",
                              [&](Handoff& h) { h.accept_time = now; }, Today());
    if (!updated.ok()) return updated.status();
    *response = ToProto(*updated, now);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::RejectHandoff(Ctx* ctx, const v1::RejectHandoffRequest* request,
                                                            v1::Handoff* response) {
  return RunUnary(ctx, context_, "RejectHandoff", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->id(), "hof", "id", v);
    RequireText(request->reason(), kMaxReasonLength, "reason", v);
    if (!v.empty()) return v.ToStatus();
    auto updated = Transition(ctx, request->id(), request->etag(), HandoffState::kRejected, request->reason(),
                              [&](Handoff& h) { h.reject_reason = request->reason(); });
    if (!updated.ok()) return updated.status();
    *response = ToProto(*updated, context_.clock.Now());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::CancelHandoff(Ctx* ctx, const v1::CancelHandoffRequest* request,
                                                            v1::Handoff* response) {
  return RunUnary(ctx, context_, "CancelHandoff", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->id(), "hof", "id", v);
    if (!v.empty()) return v.ToStatus();
    auto updated = Transition(ctx, request->id(), request->etag(), HandoffState::kCancelled, "", [](Handoff&) {});
    if (!updated.ok()) return updated.status();
    *response = ToProto(*updated, context_.clock.Now());
    return absl::OkStatus();
  });
}

// ---- rules and reports ----

grpc::ServerUnaryReactor* HandoffServiceImpl::ListRules(Ctx* ctx, const v1::ListRulesRequest*,
                                                        v1::ListRulesResponse* response) {
  return RunUnary(ctx, context_, "ListRules", [=]() -> absl::Status {
    auto rules = handoffs_.ListRules();
    if (!rules.ok()) return rules.status();
    for (const auto& r : *rules) *response->add_rules() = ToProto(r);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::UpdateRule(Ctx* ctx, const v1::UpdateRuleRequest* request,
                                                         v1::ExceptionRule* response) {
  return RunUnary(ctx, context_, "UpdateRule", [=]() -> absl::Status {
    const v1::ExceptionRule& m = request->rule();
    FieldViolations v;
    std::optional<Rule> rule = RuleFromProto(m.rule());
    if (!rule) v.Add("rule.rule", "must name one of the rules (ListRules)");
    std::vector<std::string> paths = CheckedMask(RuleConfigFields(), request->update_mask(), v);
    std::optional<Severity> severity = SeverityFromProto(m.severity());
    if (PathsName(paths, "severity") && !severity) v.Add("rule.severity", "must be LOW, MEDIUM or HIGH");
    if (PathsName(paths, "sla_days") && (m.sla_days() < 0 || m.sla_days() > kMaxSlaDays)) {
      v.Add("rule.sla_days", "must be from 0 to 365");
    }
    if (PathsName(paths, "threshold") && (!std::isfinite(m.threshold()) || m.threshold() < 0 || m.threshold() > 10000)) {
      v.Add("rule.threshold", "must be a number from 0 to 10000");
    }
    if (!v.empty()) return v.ToStatus();
    auto updated = handoffs_.UpdateRule(
        *rule,
        [&](StoredRule& r) -> absl::Status {
          if (absl::Status s = CheckEtag("rule", RuleName(*rule), std::to_string(r.version), m.etag()); !s.ok()) return s;
          RuleConfig patch = r.config;
          patch.enabled = m.enabled();
          if (severity) patch.severity = *severity;
          patch.sla_days = m.sla_days();
          patch.threshold = m.threshold();
          CopyFields(RuleConfigFields(), patch, paths, r.config);
          return absl::OkStatus();
        },
        paths, WriteContextOf(context_, ctx));
    if (!updated.ok()) return updated.status();
    *response = ToProto(*updated);
    return absl::OkStatus();
  });
}

absl::StatusOr<ReportRequest> HandoffServiceImpl::CheckedReportRequest(const v1::RunExceptionReportRequest& r) const {
  FieldViolations v;
  std::optional<absl::CivilDay> as_of = convert::OptionalDay(r.has_as_of(), r.as_of(), "as_of", v);
  int count = r.shard_count();
  if (count < 0 || count > kMaxShards) v.Add("shard_count", "must be from 0 to 10000");
  if (count > 0 && (r.shard_index() < 0 || r.shard_index() >= count)) {
    v.Add("shard_index", "must be from 0 to shard_count - 1");
  }
  if (count == 0 && r.shard_index() != 0) v.Add("shard_index", "needs shard_count");
  if (!v.empty()) return v.ToStatus();
  return ReportRequest{as_of.value_or(Today()), r.shard_index(), std::max(count, 1), r.dry_run()};
}

grpc::ServerUnaryReactor* HandoffServiceImpl::RunExceptionReport(Ctx* ctx, const v1::RunExceptionReportRequest* request,
                                                                 v1::ReportRun* response) {
  return RunUnary(ctx, context_, "RunExceptionReport", [=]() -> absl::Status {
    auto checked = CheckedReportRequest(*request);
    if (!checked.ok()) return checked.status();
    auto run = runner_.Run(*checked);
    if (!run.ok()) return run.status();
    *response = ToProto(*run);
    return absl::OkStatus();
  });
}

// Streams a report run: the run works on a worker thread and hands each exception found to
// the writer (a slow client slows the run down rather than piling messages up); the run's
// summary is the last message.
class HandoffServiceImpl::ReportStream : public grpc::ServerWriteReactor<v1::ExceptionReportEvent> {
 public:
  ReportStream(Ctx* context, HandoffServiceImpl& service, const v1::RunExceptionReportRequest& request)
      : ReportStream(context, service, request, service.context_.gate.Admit(context, "StreamExceptionReport")) {}
  ReportStream(Ctx* context, HandoffServiceImpl& service, const v1::RunExceptionReportRequest& request,
               const absl::StatusOr<auth::Caller>& caller)
      : record_(context, "StreamExceptionReport", caller.ok() ? caller->principal : ""),
        writer_(kReportStreamBuffer, [this](const v1::ExceptionReportEvent* event) { StartWrite(event); },
                [this](const grpc::Status& status) { Done(status); }) {
    if (!caller.ok()) {
      Done(ToGrpcStatus(caller.status()));
      return;
    }
    absl::CivilDay today = service.Today();
    auto checked = service.CheckedReportRequest(request);
    if (!checked.ok()) {
      Done(ToGrpcStatus(checked.status()));
      return;
    }
    bool submitted = service.context_.workers.Submit([this, &service, checked = *checked, today] {
      auto run = service.runner_.Run(checked, [this, today](const StoredException& e) {
        v1::ExceptionReportEvent event;
        *event.mutable_exception() = ToProto(e, today);
        writer_.Push(std::move(event));
      });
      if (!run.ok()) {
        writer_.Close(ToGrpcStatus(run.status()));
        return;
      }
      v1::ExceptionReportEvent last;
      *last.mutable_run() = ToProto(*run);
      writer_.Push(std::move(last));
      writer_.Close(grpc::Status::OK);
    });
    if (!submitted) Done(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the service is shutting down"));
  }

  void OnWriteDone(bool ok) override { writer_.WriteDone(ok); }
  void OnCancel() override { writer_.Cancel(); }
  void OnDone() override { delete this; }

 private:
  // Messages queued for a slow client before the run waits for it.
  static constexpr size_t kReportStreamBuffer = 256;

  void Done(const grpc::Status& status) {
    record_.Finished(status);
    Finish(status);
  }

  CallRecord record_;
  StreamWriter<v1::ExceptionReportEvent> writer_;
};

grpc::ServerWriteReactor<v1::ExceptionReportEvent>* HandoffServiceImpl::StreamExceptionReport(
    Ctx* ctx, const v1::RunExceptionReportRequest* request) {
  return new ReportStream(ctx, *this, *request);
}

// ---- exceptions ----

grpc::ServerUnaryReactor* HandoffServiceImpl::GetException(Ctx* ctx, const v1::GetExceptionRequest* request,
                                                           v1::Exception* response) {
  return RunUnary(ctx, context_, "GetException", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->id(), "exc", "id", v);
    if (!v.empty()) return v.ToStatus();
    auto e = exceptions_.Get(request->id());
    if (!e.ok()) return e.status();
    *response = ToProto(*e, Today());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::ListExceptions(Ctx* ctx, const v1::ListExceptionsRequest* request,
                                                             v1::ListExceptionsResponse* response) {
  return RunUnary(ctx, context_, "ListExceptions", [=]() -> absl::Status {
    FieldViolations v;
    ListPage page(context_.page_tokens, *request, 2, v);
    ExceptionQuery q;
    if (request->status() != v1::EXCEPTION_STATUS_UNSPECIFIED) {
      q.status = StatusFromProto(request->status());
      if (!q.status) v.Add("status", "unknown status");
    }
    if (request->severity() != v1::SEVERITY_UNSPECIFIED) {
      q.severity = SeverityFromProto(request->severity());
      if (!q.severity) v.Add("severity", "unknown severity");
    }
    if (request->rule() != v1::RULE_KIND_UNSPECIFIED) {
      q.rule = RuleFromProto(request->rule());
      if (!q.rule) v.Add("rule", "unknown rule");
    }
    if (!request->account_id().empty()) ids::RequireId(request->account_id(), "acc", "account_id", v);
    q.assignee = request->assignee();
    q.account_id = request->account_id();
    absl::CivilDay today = Today();
    if (request->overdue_only()) q.overdue_on = today;
    q.active_only = request->active_only();
    if (const auto& cursor = page.cursor()) {
      q.after_account_id = (*cursor)[0];
      q.after_id = (*cursor)[1];
    }
    if (!v.empty()) return v.ToStatus();
    q.limit = page.limit();
    auto list = exceptions_.List(q);
    if (!list.ok()) return list.status();
    response->set_next_page_token(page.Finish(
        *list, [](const StoredException& last) { return std::vector<std::string>{last.account_id, last.id}; }));
    for (const auto& e : *list) *response->add_exceptions() = ToProto(e, today);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::ExceptionAction(Ctx* ctx, const char* method, const std::string& id,
                                                              const std::string& etag, ExceptionStatus to,
                                                              FieldViolations checks,
                                                              std::function<void(StoredException&)> apply,
                                                              v1::Exception* response) {
  return RunUnary(ctx, context_, method, [=]() mutable -> absl::Status {
    ids::RequireId(id, "exc", "id", checks);
    if (!checks.empty()) return checks.ToStatus();
    std::string action(absl::StripSuffix(method, "Exception"));
    auto updated = exceptions_.Update(
        id, action,
        [&](StoredException& e) -> absl::Status {
          if (absl::Status s = CheckEtag("exception", e.id, std::to_string(e.version), etag); !s.ok()) return s;
          if (absl::Status s = CheckExceptionTransition(e.id, e.status, to); !s.ok()) return s;
          e.status = to;
          apply(e);
          return absl::OkStatus();
        },
        WriteContextOf(context_, ctx));
    if (!updated.ok()) return updated.status();
    *response = ToProto(*updated, Today());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::AcknowledgeException(Ctx* ctx, const v1::AcknowledgeExceptionRequest* request,
                                                                   v1::Exception* response) {
  return ExceptionAction(ctx, "AcknowledgeException", request->id(), request->etag(), ExceptionStatus::kAcknowledged, {},
                         [](StoredException&) {}, response);
}

grpc::ServerUnaryReactor* HandoffServiceImpl::ResolveException(Ctx* ctx, const v1::ResolveExceptionRequest* request,
                                                               v1::Exception* response) {
  absl::CivilDay today = Today();
  return ExceptionAction(ctx, "ResolveException", request->id(), request->etag(), ExceptionStatus::kResolved, {},
                         [today](StoredException& e) {
                           e.close_source = CloseSource::kUser;
                           e.close_day = today;
                           e.snoozed_until.reset();
                         },
                         response);
}

grpc::ServerUnaryReactor* HandoffServiceImpl::DismissException(Ctx* ctx, const v1::DismissExceptionRequest* request,
                                                               v1::Exception* response) {
  FieldViolations checks;
  RequireText(request->reason(), kMaxReasonLength, "reason", checks);
  absl::CivilDay today = Today();
  std::string reason = request->reason();
  return ExceptionAction(ctx, "DismissException", request->id(), request->etag(), ExceptionStatus::kDismissed, checks,
                         [today, reason](StoredException& e) {
                           e.close_source = CloseSource::kUser;
                           e.close_day = today;
                           e.status_reason = reason;
                           e.snoozed_until.reset();
                         },
                         response);
}

grpc::ServerUnaryReactor* HandoffServiceImpl::SnoozeException(Ctx* ctx, const v1::SnoozeExceptionRequest* request,
                                                              v1::Exception* response) {
  FieldViolations checks;
  RequireText(request->reason(), kMaxReasonLength, "reason", checks);
  std::optional<absl::CivilDay> until;
  if (!request->has_until()) {
    checks.Add("until", "is required");
  } else {
    until = convert::FromProto(request->until(), "until", checks);
    if (until && *until <= Today()) checks.Add("until", "must be after today");
  }
  std::string reason = request->reason();
  return ExceptionAction(ctx, "SnoozeException", request->id(), request->etag(), ExceptionStatus::kSnoozed, checks,
                         [until, reason](StoredException& e) {
                           e.snoozed_until = until;
                           e.status_reason = reason;
                         },
                         response);
}

grpc::ServerUnaryReactor* HandoffServiceImpl::ReassignException(Ctx* ctx, const v1::ReassignExceptionRequest* request,
                                                                v1::Exception* response) {
  FieldViolations checks;
  RequireText(request->assignee(), kMaxOwnerLength, "assignee", checks);
  std::string assignee = request->assignee();
  // Reassigning keeps the status: the "transition" is to the status it has.
  return RunUnary(ctx, context_, "ReassignException", [=]() mutable -> absl::Status {
    ids::RequireId(request->id(), "exc", "id", checks);
    if (!checks.empty()) return checks.ToStatus();
    auto updated = exceptions_.Update(
        request->id(), "Reassign",
        [&](StoredException& e) -> absl::Status {
          if (absl::Status s = CheckEtag("exception", e.id, std::to_string(e.version), request->etag()); !s.ok()) return s;
          if (absl::Status s = CheckExceptionTransition(e.id, e.status, e.status); !s.ok()) return s;
          e.assignee = assignee;
          return absl::OkStatus();
        },
        WriteContextOf(context_, ctx));
    if (!updated.ok()) return updated.status();
    *response = ToProto(*updated, Today());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::ListAuditEntries(Ctx* ctx, const v1::ListAuditEntriesRequest* request,
                                                               v1::ListAuditEntriesResponse* response) {
  return ServeAuditEntries(ctx, context_, request, response);
}

}  // namespace flywheel::handoff
