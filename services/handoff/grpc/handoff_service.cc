#include "services/handoff/grpc/handoff_service.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/convert/type_convert.h"
#include "common/ids/ids.h"
#include "common/status/grpc_status.h"
#include "common/server/list_page.h"
#include "common/server/audit_entries.h"
#include "common/server/call_record.h"
#include "common/server/idempotency.h"
#include "common/server/stream_writer.h"
#include "common/server/watch_stream.h"
#include "common/http/http_post.h"
#include "services/handoff/grpc/handoff_proto.h"
#include "services/handoff/grpc/webhook_codec.h"

namespace flywheel::handoff {
namespace {

// How long one webhook delivery try may take before it counts as failed.
constexpr absl::Duration kWebhookTimeout = absl::Seconds(10);

std::vector<std::string> MaskPaths(const google::protobuf::FieldMask& mask) {
  return {mask.paths().begin(), mask.paths().end()};
}

}  // namespace

absl::Status HandoffServiceImpl::AccountsClientPeer::RequireLive(const std::string& account_id) {
  return client.Get(account_id).status();
}

absl::StatusOr<bool> HandoffServiceImpl::AccountsClientPeer::HasValueTarget(const std::string& account_id) {
  auto account = client.Get(account_id, /*fresh=*/true);
  if (!account.ok()) return account.status();
  return account->has_value_target() && account->value_target().amount().minor_units() > 0;
}

absl::Status HandoffServiceImpl::AccountsClientPeer::Move(const std::string& account_id,
                                                          std::optional<AccountStage> stage,
                                                          std::optional<std::string> csm_owner) {
  flywheel::accounts::v1::Account patch;
  patch.set_id(account_id);
  std::vector<std::string> mask;
  if (stage) {
    patch.set_lifecycle_stage(ToProto(*stage));
    mask.push_back("lifecycle_stage");
  }
  if (csm_owner) {
    patch.set_csm_owner(*csm_owner);
    mask.push_back("csm_owner");
  }
  return client.Update(patch, mask).status();
}

absl::StatusOr<StakeholdersPeer::Roles> HandoffServiceImpl::StakeholdersClientPeer::RolesHeld(
    const std::string& account_id) {
  auto coverage = client.BatchGetCoverage({account_id});
  if (!coverage.ok()) return coverage.status();
  Roles roles;
  for (const auto& s : coverage->stakeholders()) {
    roles.owner |= s.role() == flywheel::stakeholders::v1::ROLE_OWNER;
    roles.champion |= s.role() == flywheel::stakeholders::v1::ROLE_CHAMPION;
  }
  return roles;
}


absl::CivilDay HandoffServiceImpl::Today() const { return use_cases_.Today(); }

// ---- success paths ----

grpc::ServerUnaryReactor* HandoffServiceImpl::CreateSuccessPath(Ctx* ctx, const v1::CreateSuccessPathRequest* request,
                                                                v1::SuccessPath* response) {
  return RunUnary(ctx, context_, "CreateSuccessPath", [=]() -> absl::Status {
    std::optional<SuccessPath> draft;
    if (request->has_success_path()) draft = FromProto(request->success_path());
    return AnswerCreate<SuccessPath>(request->request_id(), request->success_path(), *response,
                                     [](const SuccessPath& created) { return ToProto(created); },
                                     [&](const RecordResponse<SuccessPath>& record) {
                                       return use_cases_.CreatePath(std::move(draft), request->request_id(),
                                                                    WriteContextOf(context_, ctx, request->request_id()),
                                                                    record);
                                     });
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::GetSuccessPath(Ctx* ctx, const v1::GetSuccessPathRequest* request,
                                                             v1::SuccessPath* response) {
  return RunUnary(ctx, context_, "GetSuccessPath", [=]() -> absl::Status {
    if (absl::Status bad = ids::Required(request->id(), "path", "id"); !bad.ok()) return bad;
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
    auto updated = use_cases_.UpdatePath(FromProto(request->success_path()), MaskPaths(request->update_mask()),
                                         request->success_path().etag(), WriteContextOf(context_, ctx));
    if (!updated.ok()) return updated.status();
    *response = ToProto(*updated);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::DeleteSuccessPath(Ctx* ctx, const v1::DeleteSuccessPathRequest* request,
                                                                v1::DeleteSuccessPathResponse*) {
  return RunUnary(ctx, context_, "DeleteSuccessPath", [=]() -> absl::Status {
    return use_cases_.DeletePath(request->id(), request->etag(), WriteContextOf(context_, ctx));
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
    auto assigned = use_cases_.AssignPath(request->account_id(), request->path_id(), start, WriteContextOf(context_, ctx));
    if (!assigned.ok()) return assigned.status();
    *response = ToProto(*assigned);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::GetPathProgress(Ctx* ctx, const v1::GetPathProgressRequest* request,
                                                              v1::PathProgress* response) {
  return RunUnary(ctx, context_, "GetPathProgress", [=]() -> absl::Status {
    FieldViolations v;
    std::optional<absl::CivilDay> as_of = convert::OptionalDay(request->has_as_of(), request->as_of(), "as_of", v);
    if (!v.empty()) return v.ToStatus();
    absl::CivilDay day = as_of.value_or(Today());
    auto view = use_cases_.Progress(request->account_id(), day);
    if (!view.ok()) return view.status();
    const SuccessPath& path = view->assigned.path;
    const std::optional<absl::CivilDay>& start = view->assigned.start;
    response->set_account_id(request->account_id());
    response->set_path_id(path.id);
    response->set_path_name(path.name);
    *response->mutable_as_of() = convert::ToProto(day);
    if (start) *response->mutable_start_day() = convert::ToProto(*start);
    for (size_t i = 0; i < path.milestones.size(); ++i) {
      const Milestone& m = path.milestones[i];
      if (view->started) {
        *response->add_milestones() = ToProto(m, view->progress[i]);
        continue;
      }
      v1::MilestoneProgress* p = response->add_milestones();
      p->set_key(m.key);
      p->set_name(m.name);
      p->set_status(v1::MILESTONE_STATUS_NOT_STARTED);
      if (start) *p->mutable_due_day() = convert::ToProto(*start + m.due_offset_days);
    }
    return absl::OkStatus();
  });
}

// ---- handoffs ----

grpc::ServerUnaryReactor* HandoffServiceImpl::CreateHandoff(Ctx* ctx, const v1::CreateHandoffRequest* request,
                                                            v1::Handoff* response) {
  return RunUnary(ctx, context_, "CreateHandoff", [=]() -> absl::Status {
    const v1::Handoff& m = request->handoff();
    HandoffDraft draft{FromProto(m), TeamFromProto(m.from_team()), TeamFromProto(m.to_team())};
    WriteContext write = WriteContextOf(context_, ctx, request->request_id());
    return AnswerCreate<Handoff>(request->request_id(), m, *response,
                                 [&](const Handoff& created) { return ToProto(created, write.now); },
                                 [&](const RecordResponse<Handoff>& record) {
                                   return use_cases_.CreateHandoff(std::move(draft), request->request_id(), write,
                                                                   record);
                                 });
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::GetHandoff(Ctx* ctx, const v1::GetHandoffRequest* request,
                                                         v1::Handoff* response) {
  return RunUnary(ctx, context_, "GetHandoff", [=]() -> absl::Status {
    if (absl::Status bad = ids::Required(request->id(), "hof", "id"); !bad.ok()) return bad;
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
    auto updated = use_cases_.UpdateHandoff(m.id(), FromProto(m), MaskPaths(request->update_mask()), m.etag(),
                                            WriteContextOf(context_, ctx));
    if (!updated.ok()) return updated.status();
    *response = ToProto(*updated, context_.clock.Now());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::SubmitHandoff(Ctx* ctx, const v1::SubmitHandoffRequest* request,
                                                            v1::Handoff* response) {
  return RunUnary(ctx, context_, "SubmitHandoff", [=]() -> absl::Status {
    auto updated = use_cases_.Submit(request->id(), request->etag(), WriteContextOf(context_, ctx));
    if (!updated.ok()) return updated.status();
    *response = ToProto(*updated, context_.clock.Now());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::AcceptHandoff(Ctx* ctx, const v1::AcceptHandoffRequest* request,
                                                            v1::Handoff* response) {
  return RunUnary(ctx, context_, "AcceptHandoff", [=]() -> absl::Status {
    auto updated = use_cases_.Accept(request->id(), request->etag(), WriteContextOf(context_, ctx));
    if (!updated.ok()) return updated.status();
    *response = ToProto(*updated, context_.clock.Now());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::RejectHandoff(Ctx* ctx, const v1::RejectHandoffRequest* request,
                                                            v1::Handoff* response) {
  return RunUnary(ctx, context_, "RejectHandoff", [=]() -> absl::Status {
    auto updated = use_cases_.Reject(request->id(), request->etag(), request->reason(), WriteContextOf(context_, ctx));
    if (!updated.ok()) return updated.status();
    *response = ToProto(*updated, context_.clock.Now());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::CancelHandoff(Ctx* ctx, const v1::CancelHandoffRequest* request,
                                                            v1::Handoff* response) {
  return RunUnary(ctx, context_, "CancelHandoff", [=]() -> absl::Status {
    auto updated = use_cases_.Cancel(request->id(), request->etag(), WriteContextOf(context_, ctx));
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
    RulePatch patch;
    patch.rule = RuleFromProto(m.rule());
    patch.severity = SeverityFromProto(m.severity());
    patch.config.enabled = m.enabled();
    patch.config.sla_days = m.sla_days();
    patch.config.threshold = m.threshold();
    auto updated = use_cases_.UpdateRule(patch, MaskPaths(request->update_mask()), m.etag(), WriteContextOf(context_, ctx));
    if (!updated.ok()) return updated.status();
    *response = ToProto(*updated);
    return absl::OkStatus();
  });
}

absl::StatusOr<ReportRequest> HandoffServiceImpl::CheckedReportRequest(const v1::RunExceptionReportRequest& r) const {
  FieldViolations v;
  std::optional<absl::CivilDay> as_of = convert::OptionalDay(r.has_as_of(), r.as_of(), "as_of", v);
  ids::CheckShard(r.shard_count(), r.shard_index(), v);
  if (!v.empty()) return v.ToStatus();
  return ReportRequest{as_of.value_or(Today()), r.shard_index(), std::max(r.shard_count(), 1), r.dry_run()};
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
    if (absl::Status bad = ids::Required(request->id(), "exc", "id"); !bad.ok()) return bad;
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

grpc::ServerUnaryReactor* HandoffServiceImpl::AnswerException(Ctx* ctx, const char* method, v1::Exception* response,
                                                              std::function<absl::StatusOr<StoredException>()> act) {
  return RunUnary(ctx, context_, method, [=]() -> absl::Status {
    auto updated = act();
    if (!updated.ok()) return updated.status();
    *response = ToProto(*updated, Today());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::AcknowledgeException(Ctx* ctx, const v1::AcknowledgeExceptionRequest* request,
                                                                   v1::Exception* response) {
  return AnswerException(ctx, "AcknowledgeException", response, [=] {
    return use_cases_.Acknowledge(request->id(), request->etag(), WriteContextOf(context_, ctx));
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::ResolveException(Ctx* ctx, const v1::ResolveExceptionRequest* request,
                                                               v1::Exception* response) {
  return AnswerException(ctx, "ResolveException", response, [=] {
    return use_cases_.Resolve(request->id(), request->etag(), WriteContextOf(context_, ctx));
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::DismissException(Ctx* ctx, const v1::DismissExceptionRequest* request,
                                                               v1::Exception* response) {
  return AnswerException(ctx, "DismissException", response, [=] {
    return use_cases_.Dismiss(request->id(), request->etag(), request->reason(), WriteContextOf(context_, ctx));
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::SnoozeException(Ctx* ctx, const v1::SnoozeExceptionRequest* request,
                                                              v1::Exception* response) {
  return AnswerException(ctx, "SnoozeException", response, [=] {
    FieldViolations problems;
    std::optional<absl::CivilDay> until;
    if (request->has_until()) until = convert::FromProto(request->until(), "until", problems);
    return use_cases_.Snooze(request->id(), request->etag(), request->reason(), until, problems,
                             WriteContextOf(context_, ctx));
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::ReassignException(Ctx* ctx, const v1::ReassignExceptionRequest* request,
                                                                v1::Exception* response) {
  return AnswerException(ctx, "ReassignException", response, [=] {
    return use_cases_.Reassign(request->id(), request->etag(), request->assignee(), WriteContextOf(context_, ctx));
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::ListAuditEntries(Ctx* ctx, const v1::ListAuditEntriesRequest* request,
                                                               v1::ListAuditEntriesResponse* response) {
  return ServeAuditEntries(ctx, context_, request, response);
}

grpc::ServerWriteReactor<v1::ExceptionEvent>* HandoffServiceImpl::WatchExceptions(Ctx* ctx,
                                                                                const v1::WatchExceptionsRequest* request) {
  absl::StatusOr<auth::Caller> caller = context_.gate.Admit(ctx, "WatchExceptions");
  absl::Status admitted = caller.status();
  FieldViolations v;
  if (!request->account_id().empty()) ids::RequireId(request->account_id(), "acc", "account_id", v);
  if (admitted.ok()) admitted = v.ToStatus();
  WatchSource<v1::ExceptionEvent> source;
  source.query = absl::StrCat("handoff.watch:", request->assignee(), ":", request->account_id());
  source.last = [this] { return exceptions_.LastEventSequence(); };
  source.fetch = [this, assignee = request->assignee(), account_id = request->account_id()](
                     int64_t after) -> absl::StatusOr<WatchPage<v1::ExceptionEvent>> {
    auto events = exceptions_.EventsAfter(after, 500, context_.clock.Now());
    if (!events.ok()) return events.status();
    WatchPage<v1::ExceptionEvent> page;
    page.scanned_to = after;
    const absl::CivilDay today = Today();
    for (const ExceptionEventRecord& e : *events) {
      page.scanned_to = e.sequence;
      if (!assignee.empty() && e.exception.assignee != assignee) continue;
      if (!account_id.empty() && e.exception.account_id != account_id) continue;
      v1::ExceptionEvent m;
      m.set_event_id(absl::StrCat("evt_", e.sequence));
      m.set_type(ToProto(e.event));
      *m.mutable_time() = convert::ToTimestamp(e.time);
      *m.mutable_exception() = ToProto(e.exception, today);
      page.changes.emplace_back(e.sequence, std::move(m));
    }
    return page;
  };
  return StartWatch(CallRecord(ctx, "WatchExceptions", caller.ok() ? caller->principal : ""), std::move(admitted),
                    request->resume_token(), request->from_beginning(), std::move(source));
}

HandoffServiceImpl::HandoffServiceImpl(ServiceContext& context, HandoffRepository& handoffs,
                                       ExceptionRepository& exceptions, WebhookRepository& webhooks, Upstreams upstreams)
    : context_(context),
      handoffs_(handoffs),
      exceptions_(exceptions),
      report_sources_(upstreams),
      runner_(handoffs, exceptions, report_sources_, context.clock),
      accounts_peer_{upstreams.accounts},
      stakeholders_peer_{upstreams.stakeholders},
      use_cases_(handoffs, exceptions, accounts_peer_, stakeholders_peer_, runner_, context.clock),
      webhooks_(webhooks, exceptions,
                WebhookUseCases::Outside{
                    [this](const ExceptionEventRecord& r, const WebhookEvent& e, WebhookFormat f) {
                      return EncodeExceptionEvent(r, e, f, Today());
                    },
                    EncodeTestEvent,
                    [](const std::string& url, const Headers& headers, const std::string& body) {
                      http::PostResult r = http::Post(url, headers, body, kWebhookTimeout);
                      return SendResult{r.status_code, r.error};
                    }},
                context.clock),
      webhook_dispatcher_("webhooks",
                          [this]() -> absl::StatusOr<bool> {
                            auto queued = webhooks_.QueueExceptionEvents(500);
                            if (!queued.ok()) return queued.status();
                            auto tried = webhooks_.DeliverDue(32);
                            if (!tried.ok()) return tried.status();
                            return *queued > 0 || *tried > 0;
                          },
                          PollingWorker::Options{}),
      health_follower_(context.config.live_exceptions ? FollowHealth(upstreams.health) : nullptr) {}

std::unique_ptr<HandoffServiceImpl::HealthFollower> HandoffServiceImpl::FollowHealth(health::HealthClient& health) {
  HealthFollower::Hooks hooks;
  hooks.stored_token = [this] { return webhooks_.HealthPosition(); };
  hooks.request = [](const std::string& token) {
    health::v1::WatchHealthRequest request;
    request.set_resume_token(token);
    request.set_from_beginning(token.empty());  // nothing applied yet: every change
    request.set_include_unchanged_band(true);
    return request;
  };
  hooks.start = [&health](grpc::ClientContext* ctx, const health::v1::WatchHealthRequest* request,
                          grpc::ClientReadReactor<health::v1::HealthChange>* reactor) {
    health.StartWatch(ctx, request, reactor);
  };
  hooks.apply = [this](std::vector<health::v1::HealthChange>& changes) -> absl::Status {
    std::vector<std::string> ids;
    for (const auto& c : changes) ids.push_back(c.account_id());
    if (absl::Status s = use_cases_.HealthChanged(ids); !s.ok()) return s;
    // Then the band or quadrant changes for the webhooks, with the stream position.
    std::vector<const health::v1::HealthChange*> moved;
    std::vector<WebhookEvent> events;
    for (const auto& c : changes) {
      if (c.previous_band() == c.band() && c.previous_quadrant() == c.quadrant()) continue;
      moved.push_back(&c);
      events.push_back(HealthChangeEvent(c));
    }
    return webhooks_.HealthBandsChanged(
        events, [&](size_t i, WebhookFormat f) { return EncodeHealthChange(*moved[i], events[i], f); },
        changes.back().resume_token());
  };
  return std::make_unique<HealthFollower>(WebhookUseCases::kHealthStream, std::move(hooks), HealthFollower::Options{});
}

}  // namespace flywheel::handoff
