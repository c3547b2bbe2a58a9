#include "services/stakeholders/grpc/stakeholder_service.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/convert/type_convert.h"
#include "common/ids/ids.h"
#include "common/server/idempotency.h"
#include "common/server/list_page.h"
#include "common/server/audit_entries.h"
#include "common/server/bulk_upsert_reactor.h"
#include "services/stakeholders/domain/briefing.h"
#include "services/stakeholders/domain/coverage.h"
#include "services/stakeholders/domain/raci.h"
#include "services/stakeholders/grpc/stakeholder_proto.h"

namespace flywheel::stakeholders {
namespace {

const absl::TimeZone kUtc = absl::UTCTimeZone();
// Accounts read at a time while walking the portfolio for coverage gaps.
constexpr int kAccountsPerGapWalkPage = 500;

std::vector<std::string> MaskPaths(const google::protobuf::FieldMask& mask) {
  return {mask.paths().begin(), mask.paths().end()};
}

StakeholderDraft Decoded(const pb::Stakeholder& m) {
  StakeholderDraft draft;
  draft.stakeholder = FromProto(m, draft.problems);
  return draft;
}

StakeholderUseCases::UpsertRecord RecordOf(const pb::UpsertStakeholderRequest& r) {
  StakeholderUseCases::UpsertRecord record{r.source(), r.external_id(), std::nullopt, MaskPaths(r.update_mask())};
  if (r.has_stakeholder()) record.draft = Decoded(r.stakeholder());
  return record;
}

}  // namespace

absl::Status StakeholderServiceImpl::AccountsClientPeer::RequireLive(const std::string& account_id) {
  return client.Get(account_id).status();
}

absl::Status StakeholderServiceImpl::AccountsClientPeer::RequireAllLive(const std::vector<std::string>& ids) {
  return client.RequireAll(ids);
}

absl::StatusOr<AccountsPeer::IdPage> StakeholderServiceImpl::AccountsClientPeer::ListIds(const std::string& csm_owner,
                                                                                         const std::string& page_token) {
  flywheel::accounts::v1::ListAccountsRequest request;
  request.set_order_by(flywheel::accounts::v1::ListAccountsRequest::ORDER_BY_ID);
  request.set_csm_owner(csm_owner);
  request.set_page_size(kAccountsPerGapWalkPage);
  request.set_page_token(page_token);
  auto page = client.ListPage(request);
  if (!page.ok()) return page.status();
  IdPage out;
  for (const auto& a : page->accounts()) out.ids.push_back(a.id());
  out.next_page_token = page->next_page_token();
  return out;
}

absl::StatusOr<std::vector<MetricPoint>> StakeholderServiceImpl::HealthClientPeer::Usage(const std::string& account_id,
                                                                                        const std::string& metric,
                                                                                        absl::CivilDay start,
                                                                                        absl::CivilDay end) {
  flywheel::health::v1::ListSignalsRequest request;
  request.set_account_id(account_id);
  request.set_kind(flywheel::health::v1::SIGNAL_KIND_USAGE);
  request.set_metric(metric);
  *request.mutable_start_day() = convert::ToProto(start);
  *request.mutable_end_day() = convert::ToProto(end);
  auto signals = client.ListSignals(request);
  if (!signals.ok()) return signals.status();
  std::vector<MetricPoint> points;
  FieldViolations ignored;
  for (const auto& s : *signals) {
    if (auto d = convert::FromProto(s.usage().day(), "", ignored)) points.push_back({*d, s.usage().value()});
  }
  return points;
}

absl::StatusOr<std::vector<std::pair<absl::CivilDay, int>>> StakeholderServiceImpl::HealthClientPeer::CsatResponses(
    const std::string& account_id, absl::CivilDay start, absl::CivilDay end) {
  flywheel::health::v1::ListSignalsRequest request;
  request.set_account_id(account_id);
  request.set_kind(flywheel::health::v1::SIGNAL_KIND_SURVEY);
  *request.mutable_start_day() = convert::ToProto(start);
  *request.mutable_end_day() = convert::ToProto(end);
  auto signals = client.ListSignals(request);
  if (!signals.ok()) return signals.status();
  std::vector<std::pair<absl::CivilDay, int>> responses;
  for (const auto& s : *signals) {
    if (s.survey().kind() != flywheel::health::v1::SURVEY_KIND_CSAT) continue;
    responses.push_back({absl::ToCivilDay(convert::FromTimestamp(s.survey().time()), kUtc), s.survey().score()});
  }
  return responses;
}

absl::StatusOr<std::optional<HealthPeer::ValueFigures>> StakeholderServiceImpl::HealthClientPeer::Value(
    const std::string& account_id, absl::CivilDay day) {
  flywheel::health::v1::GetValueTrackingRequest request;
  request.set_account_id(account_id);
  *request.mutable_as_of() = convert::ToProto(day);
  auto tracking = client.GetValueTracking(request);
  if (!tracking.ok()) return tracking.status();
  if (!tracking->has_target()) return std::optional<ValueFigures>();
  return ValueFigures{convert::FromProto(tracking->target()), convert::FromProto(tracking->projected_annual()),
                      convert::FromProto(tracking->gap()), convert::FromProto(tracking->realised())};
}

grpc::ServerUnaryReactor* StakeholderServiceImpl::CreateStakeholder(grpc::CallbackServerContext* ctx,
                                                                    const v1::CreateStakeholderRequest* request,
                                                                    v1::Stakeholder* response) {
  return RunUnary(ctx, context_, "CreateStakeholder", [=]() -> absl::Status {
    std::optional<StakeholderDraft> draft;
    if (request->has_stakeholder()) draft = Decoded(request->stakeholder());
    return AnswerCreate<Stakeholder>(request->request_id(), request->stakeholder(), *response,
                                     [](const Stakeholder& created) { return ToProto(created); },
                                     [&](const RecordResponse<Stakeholder>& record) {
                                       return use_cases_.Create(std::move(draft), request->request_id(),
                                                                WriteContextOf(context_, ctx, request->request_id()),
                                                                record);
                                     });
  });
}

grpc::ServerUnaryReactor* StakeholderServiceImpl::GetStakeholder(grpc::CallbackServerContext* ctx,
                                                                 const v1::GetStakeholderRequest* request,
                                                                 v1::Stakeholder* response) {
  return RunUnary(ctx, context_, "GetStakeholder", [=]() -> absl::Status {
    if (absl::Status bad = ids::Required(request->id(), "stk", "id"); !bad.ok()) return bad;
    auto s = repository_.Get(request->id());
    if (!s.ok()) return s.status();
    *response = ToProto(*s);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StakeholderServiceImpl::ListStakeholders(grpc::CallbackServerContext* ctx,
                                                                   const v1::ListStakeholdersRequest* request,
                                                                   v1::ListStakeholdersResponse* response) {
  return RunUnary(ctx, context_, "ListStakeholders", [=]() -> absl::Status {
    FieldViolations v;
    StakeholderQuery q;
    q.account_id = request->account_id();
    ids::RequireId(q.account_id, "acc", "account_id", v);
    q.role = EnumFromProto<Role>(request->role(), "role", v);
    q.engagement = EnumFromProto<Engagement>(request->engagement(), "engagement", v);
    q.show_deleted = request->show_deleted();
    ListPage page(context_.page_tokens, *request, 2, v);
    if (page.cursor()) q.after = std::make_pair((*page.cursor())[0], (*page.cursor())[1]);
    if (!v.empty()) return v.ToStatus();
    q.limit = page.limit();
    auto rows = repository_.List(q);
    if (!rows.ok()) return rows.status();
    response->set_next_page_token(
        page.Finish(*rows, [](const Stakeholder& last) { return std::vector<std::string>{last.name, last.id}; }));
    for (const auto& s : *rows) *response->add_stakeholders() = ToProto(s);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StakeholderServiceImpl::UpdateStakeholder(grpc::CallbackServerContext* ctx,
                                                                    const v1::UpdateStakeholderRequest* request,
                                                                    v1::Stakeholder* response) {
  return RunUnary(ctx, context_, "UpdateStakeholder", [=]() -> absl::Status {
    FieldViolations ignored;  // fields outside the mask are not written, so not checked
    auto updated = use_cases_.Update(request->stakeholder().id(), FromProto(request->stakeholder(), ignored),
                                     MaskPaths(request->update_mask()), request->stakeholder().etag(),
                                     WriteContextOf(context_, ctx));
    if (!updated.ok()) return updated.status();
    *response = ToProto(*updated);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StakeholderServiceImpl::DeleteStakeholder(grpc::CallbackServerContext* ctx,
                                                                    const v1::DeleteStakeholderRequest* request,
                                                                    v1::Stakeholder* response) {
  return RunUnary(ctx, context_, "DeleteStakeholder", [=]() -> absl::Status {
    auto deleted = use_cases_.Delete(request->id(), request->etag(), WriteContextOf(context_, ctx));
    if (!deleted.ok()) return deleted.status();
    *response = ToProto(*deleted);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StakeholderServiceImpl::UpsertStakeholder(grpc::CallbackServerContext* ctx,
                                                                    const v1::UpsertStakeholderRequest* request,
                                                                    v1::UpsertStakeholderResponse* response) {
  return RunUnary(ctx, context_, "UpsertStakeholder", [=]() -> absl::Status {
    FieldViolations v;
    UpsertInput in = StakeholderUseCases::CheckUpsert(RecordOf(*request), v);
    if (!v.empty()) return v.ToStatus();
    auto r = use_cases_.Upsert(in, WriteContextOf(context_, ctx));
    if (!r.ok()) return r.status();
    *response->mutable_stakeholder() = ToProto(r->stakeholder);
    response->set_outcome(r->outcome == UpsertOutcome::kCreated   ? pb::UPSERT_OUTCOME_CREATED
                          : r->outcome == UpsertOutcome::kUpdated ? pb::UPSERT_OUTCOME_UPDATED
                                                                  : pb::UPSERT_OUTCOME_UNCHANGED);
    return absl::OkStatus();
  });
}

grpc::ServerReadReactor<grpc::ByteBuffer>* StakeholderServiceImpl::BulkUpsertStakeholders(
    grpc::CallbackServerContext* ctx, grpc::ByteBuffer* response) {
  using Reactor = BulkUpsertReactor<v1::BulkUpsertStakeholdersRequest, v1::BulkUpsertStakeholdersResponse, UpsertInput>;
  Reactor::Hooks hooks;
  hooks.check = [](const v1::UpsertStakeholderRequest& record, FieldViolations& v) {
    return StakeholderUseCases::CheckUpsert(RecordOf(record), v);
  };
  hooks.write = [this, ctx](const std::vector<UpsertInput>& inputs, bool dry_run) -> absl::StatusOr<std::vector<BulkWritten>> {
    auto written = use_cases_.BulkUpsert(inputs, dry_run, WriteContextOf(context_, ctx));
    if (!written.ok()) return written.status();
    std::vector<BulkWritten> out;
    for (auto& r : *written) {
      out.push_back(r.ok() ? BulkWritten{absl::OkStatus(), r->outcome, r->stakeholder.id} : BulkWritten{r.status()});
    }
    return out;
  };
  hooks.set_id = [](v1::BulkUpsertResult& r, const std::string& id) { r.set_stakeholder_id(id); };
  return new Reactor(ctx, "BulkUpsertStakeholders", context_, response, std::move(hooks));
}

grpc::ServerUnaryReactor* StakeholderServiceImpl::GetCoverage(grpc::CallbackServerContext* ctx,
                                                              const v1::GetCoverageRequest* request,
                                                              v1::Coverage* response) {
  return RunUnary(ctx, context_, "GetCoverage", [=]() -> absl::Status {
    auto coverage = use_cases_.CoverageOfAccount(request->account_id());
    if (!coverage.ok()) return coverage.status();
    *response = ToProto(request->account_id(), *coverage);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StakeholderServiceImpl::BatchGetCoverage(grpc::CallbackServerContext* ctx,
                                                                   const v1::BatchGetCoverageRequest* request,
                                                                   v1::BatchGetCoverageResponse* response) {
  return RunUnary(ctx, context_, "BatchGetCoverage", [=]() -> absl::Status {
    auto found = use_cases_.BatchCoverage({request->account_ids().begin(), request->account_ids().end()});
    if (!found.ok()) return found.status();
    for (const auto& [id, coverage] : found->coverages) *response->add_coverages() = ToProto(id, coverage);
    for (const auto& s : found->stakeholders) *response->add_stakeholders() = ToProto(s);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StakeholderServiceImpl::ListCoverageGaps(grpc::CallbackServerContext* ctx,
                                                                   const v1::ListCoverageGapsRequest* request,
                                                                   v1::ListCoverageGapsResponse* response) {
  return RunUnary(ctx, context_, "ListCoverageGaps", [=]() -> absl::Status {
    FieldViolations v;
    ListPage page(context_.page_tokens, *request, 2, v);
    if (!v.empty()) return v.ToStatus();
    std::optional<std::pair<std::string, std::string>> cursor;
    if (page.cursor()) cursor = std::make_pair((*page.cursor())[0], (*page.cursor())[1]);
    auto gaps = use_cases_.Gaps(request->csm_owner(), cursor, page.page_size());
    if (!gaps.ok()) return gaps.status();
    for (const auto& [id, coverage] : gaps->gaps) *response->add_gaps() = ToProto(id, coverage);
    if (gaps->next) response->set_next_page_token(page.TokenAfter({gaps->next->first, gaps->next->second}));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StakeholderServiceImpl::CreateRaciActivity(grpc::CallbackServerContext* ctx,
                                                                     const v1::CreateRaciActivityRequest* request,
                                                                     v1::RaciActivity* response) {
  return RunUnary(ctx, context_, "CreateRaciActivity", [=]() -> absl::Status {
    const auto& a = request->activity();
    auto created = use_cases_.CreateActivity({"", a.account_id(), a.name(), a.description()}, WriteContextOf(context_, ctx));
    if (!created.ok()) return created.status();
    *response = ToProto(*created);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StakeholderServiceImpl::SetRaciAssignments(grpc::CallbackServerContext* ctx,
                                                                     const v1::SetRaciAssignmentsRequest* request,
                                                                     v1::SetRaciAssignmentsResponse* response) {
  return RunUnary(ctx, context_, "SetRaciAssignments", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->activity_id(), "act", "activity_id", v);
    std::vector<RaciAssignment> assignments;
    for (int i = 0; i < request->assignments_size(); ++i) {
      const auto& a = request->assignments(i);
      auto letter = EnumFromProto<RaciLetter>(a.letter(), absl::StrCat("assignments[", i, "].letter"), v);
      if (!letter && a.letter() == 0) v.Add(absl::StrCat("assignments[", i, "].letter"), "is required");
      ids::RequireId(a.stakeholder_id(), "stk", absl::StrCat("assignments[", i, "].stakeholder_id"), v);
      assignments.push_back({a.stakeholder_id(), letter.value_or(RaciLetter::kInformed)});
    }
    if (!v.empty()) return v.ToStatus();
    auto assigned = use_cases_.SetAssignments(request->activity_id(), assignments, WriteContextOf(context_, ctx));
    if (!assigned.ok()) return assigned.status();
    *response->mutable_activity() = ToProto(assigned->activity);
    *response->mutable_assignments() = request->assignments();
    for (const auto& w : assigned->warnings) response->add_warnings(w);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StakeholderServiceImpl::GetRaciMatrix(grpc::CallbackServerContext* ctx,
                                                                const v1::GetRaciMatrixRequest* request,
                                                                v1::RaciMatrix* response) {
  return RunUnary(ctx, context_, "GetRaciMatrix", [=]() -> absl::Status {
    auto matrix = use_cases_.Matrix(request->account_id());
    if (!matrix.ok()) return matrix.status();
    for (const auto& s : matrix->columns) *response->add_stakeholders() = ToProto(s);
    for (const auto& row : matrix->rows) {
      auto* out = response->add_rows();
      *out->mutable_activity() = ToProto(row.activity);
      for (const auto& letter : row.letters) out->add_letters(letter ? ToProto(*letter) : pb::RACI_LETTER_UNSPECIFIED);
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StakeholderServiceImpl::GetBriefing(grpc::CallbackServerContext* ctx,
                                                              const v1::GetBriefingRequest* request,
                                                              v1::Briefing* response) {
  return RunUnary(ctx, context_, "GetBriefing", [=]() -> absl::Status {
    FieldViolations v;
    BriefingRequest asked;
    asked.account_id = request->account_id();
    asked.stakeholder_id = request->stakeholder_id();
    asked.role = EnumFromProto<Role>(request->role(), "role", v);
    if (request->has_as_of()) asked.as_of = convert::FromProto(request->as_of(), "as_of", v);
    if (!v.empty()) return v.ToStatus();
    auto briefing = use_cases_.Brief(asked, absl::ToCivilDay(context_.clock.Now(), kUtc));
    if (!briefing.ok()) return briefing.status();
    response->set_account_id(briefing->account_id);
    response->set_role(ToProto(briefing->role));
    for (const auto& s : briefing->holders) *response->add_stakeholders() = ToProto(s);
    response->set_role_unfilled(briefing->role_unfilled());
    for (const auto& m : briefing->metrics) *response->add_metrics() = ToProto(m);
    if (briefing->value) {
      *response->mutable_value_target() = convert::ToProto(briefing->value->target);
      *response->mutable_value_projected() = convert::ToProto(briefing->value->projected_annual);
      *response->mutable_value_gap() = convert::ToProto(briefing->value->gap);
      *response->mutable_value_realised() = convert::ToProto(briefing->value->realised);
    }
    response->set_summary(briefing->summary);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StakeholderServiceImpl::CreateChangeInitiative(grpc::CallbackServerContext* ctx,
                                                                         const v1::CreateChangeInitiativeRequest* request,
                                                                         v1::ChangeInitiative* response) {
  return RunUnary(ctx, context_, "CreateChangeInitiative", [=]() -> absl::Status {
    FieldViolations v;
    ChangeInitiative c = FromProto(request->initiative(), v);
    return AnswerCreate<ChangeInitiative>(
        request->request_id(), request->initiative(), *response,
        [](const ChangeInitiative& created) { return ToProto(created); },
        [&](const RecordResponse<ChangeInitiative>& record) {
          return use_cases_.CreateInitiative(std::move(c), std::move(v), request->request_id(),
                                             WriteContextOf(context_, ctx, request->request_id()), record);
        });
  });
}

grpc::ServerUnaryReactor* StakeholderServiceImpl::GetChangeInitiative(grpc::CallbackServerContext* ctx,
                                                                      const v1::GetChangeInitiativeRequest* request,
                                                                      v1::ChangeInitiative* response) {
  return RunUnary(ctx, context_, "GetChangeInitiative", [=]() -> absl::Status {
    if (absl::Status bad = ids::Required(request->id(), "chg", "id"); !bad.ok()) return bad;
    auto c = repository_.GetInitiative(request->id());
    if (!c.ok()) return c.status();
    *response = ToProto(*c);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StakeholderServiceImpl::ListChangeInitiatives(grpc::CallbackServerContext* ctx,
                                                                        const v1::ListChangeInitiativesRequest* request,
                                                                        v1::ListChangeInitiativesResponse* response) {
  return RunUnary(ctx, context_, "ListChangeInitiatives", [=]() -> absl::Status {
    auto list = use_cases_.Initiatives(request->account_id());
    if (!list.ok()) return list.status();
    for (const auto& c : *list) *response->add_initiatives() = ToProto(c);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StakeholderServiceImpl::AdvanceAdkarStage(grpc::CallbackServerContext* ctx,
                                                                    const v1::AdvanceAdkarStageRequest* request,
                                                                    v1::ChangeInitiative* response) {
  return RunUnary(ctx, context_, "AdvanceAdkarStage", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->id(), "chg", "id", v);
    auto to = EnumFromProto<AdkarStage>(request->to_stage(), "to_stage", v);
    if (!to && request->to_stage() == 0) v.Add("to_stage", "is required");
    if (!v.empty()) return v.ToStatus();
    auto advanced = use_cases_.Advance(request->id(), *to, WriteContextOf(context_, ctx));
    if (!advanced.ok()) return advanced.status();
    *response = ToProto(*advanced);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* StakeholderServiceImpl::ListAuditEntries(grpc::CallbackServerContext* ctx,
                                                                   const v1::ListAuditEntriesRequest* request,
                                                                   v1::ListAuditEntriesResponse* response) {
  return ServeAuditEntries(ctx, context_, request, response);
}

}  // namespace flywheel::stakeholders
