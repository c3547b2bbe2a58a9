#include "services/health/grpc/health_service.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/convert/type_convert.h"
#include "common/ids/ids.h"
#include "common/server/list_page.h"
#include "common/server/audit_entries.h"
#include "common/server/call_record.h"
#include "common/server/idempotency.h"
#include "common/server/pipelined_read_reactor.h"
#include "common/server/watch_stream.h"
#include "common/status/grpc_status.h"
#include "services/health/grpc/health_proto.h"

namespace flywheel::health {
namespace {

constexpr int kDefaultSignalDays = 90;  // ListSignals without a start day
const absl::TimeZone kUtc = absl::UTCTimeZone();

template <typename RepeatedMoney>
void PutMoney(const PortfolioSummary::Totals& totals, RepeatedMoney* out) {
  for (const auto& [currency, units] : totals) *out->Add() = convert::ToProto(Money{currency, units});
}

std::string DetailOf(const ScoredAccount& s, absl::Time compute_time) {
  return ToProto(s.facts.id, s.score, s.facts, compute_time).SerializeAsString();
}

}  // namespace

absl::StatusOr<AccountFacts> HealthServiceImpl::AccountsClientPeer::Facts(const std::string& account_id) {
  auto account = client.Get(account_id);
  if (!account.ok()) return account.status();
  return FactsFromAccount(*account);
}

absl::StatusOr<std::vector<AccountFacts>> HealthServiceImpl::AccountsClientPeer::AllFacts(
    const std::vector<std::string>& ids) {
  auto accounts = client.GetAll(ids);
  if (!accounts.ok()) return accounts.status();
  std::vector<AccountFacts> facts;
  facts.reserve(accounts->size());
  for (const auto& a : *accounts) facts.push_back(FactsFromAccount(a));
  return facts;
}

absl::Status HealthServiceImpl::AccountsClientPeer::RequireAllLive(const std::vector<std::string>& ids) {
  return client.RequireAll(ids);
}

absl::Status HealthServiceImpl::AccountsClientPeer::ForEach(const std::function<void(const AccountFacts&)>& visit) {
  return client.ForEach([&](const flywheel::accounts::v1::Account& a) {
    visit(FactsFromAccount(a));
    return true;
  });
}

HealthServiceImpl::HealthServiceImpl(ServiceContext& context, HealthRepository& repository,
                                     accounts::AccountsClient& accounts)
    : context_(context),
      repository_(repository),
      accounts_peer_{accounts},
      use_cases_(repository, accounts_peer_, context.clock, DetailOf),
      stored_reads_(
          context.workers, kCoalescedReadsPerBatch,
          [this](const std::vector<std::string>& ids)
              -> absl::StatusOr<absl::flat_hash_map<std::string, std::optional<std::string>>> {
            auto scores = repository_.GetScores(ids, use_cases_.Today());
            if (!scores.ok()) return scores.status();
            absl::flat_hash_map<std::string, std::optional<std::string>> details;
            for (auto& s : *scores) details.emplace(s.account_id, std::move(s.detail));
            return details;
          },
          [](const std::string&) -> absl::StatusOr<std::optional<std::string>> { return std::nullopt; }),
      accounts_follower_(context.config.live_rescore ? FollowAccounts(accounts) : nullptr) {}

std::unique_ptr<HealthServiceImpl::AccountsFollower> HealthServiceImpl::FollowAccounts(accounts::AccountsClient& accounts) {
  AccountsFollower::Hooks hooks;
  hooks.stored_token = [this] { return repository_.StreamCursor(HealthUseCases::kAccountsStream); };
  hooks.request = [](const std::string& token) {
    accounts::v1::WatchAccountChangesRequest request;
    request.set_resume_token(token);
    request.set_from_beginning(token.empty());  // nothing applied yet: every change
    return request;
  };
  hooks.start = [&accounts](grpc::ClientContext* ctx, const accounts::v1::WatchAccountChangesRequest* request,
                            grpc::ClientReadReactor<accounts::v1::AccountChange>* reactor) {
    accounts.StartWatch(ctx, request, reactor);
  };
  hooks.apply = [this](std::vector<accounts::v1::AccountChange>& changes) {
    std::vector<HealthUseCases::AccountChangeSeen> seen;
    for (const auto& c : changes) {
      seen.push_back({c.account_id(), c.action(), {c.changed_fields().begin(), c.changed_fields().end()}});
    }
    return use_cases_.AccountsChanged(seen, changes.back().resume_token());
  };
  return std::make_unique<AccountsFollower>(HealthUseCases::kAccountsStream, std::move(hooks), AccountsFollower::Options{});
}

absl::CivilDay HealthServiceImpl::Today() const { return use_cases_.Today(); }

absl::StatusOr<int64_t> HealthServiceImpl::Record(const v1::RecordUsageRequest& request, int64_t first_index) {
  std::vector<Draft<UsageReading>> drafts(std::min(request.readings_size(), kMaxReadingsPerRequest + 1));
  for (size_t i = 0; i < drafts.size(); ++i) {
    drafts[i].value = FromProto(request.readings(static_cast<int>(i)), "", drafts[i].problems);
  }
  return use_cases_.RecordUsage(std::move(drafts), first_index);
}

grpc::ServerUnaryReactor* HealthServiceImpl::RecordUsage(grpc::CallbackServerContext* ctx,
                                                         const v1::RecordUsageRequest* request,
                                                         v1::RecordUsageResponse* response) {
  return RunUnary(ctx, context_, "RecordUsage", [=]() -> absl::Status {
    auto written = Record(*request, 0);
    if (!written.ok()) return written.status();
    response->set_accepted(*written);
    return absl::OkStatus();
  });
}

// Checks and writes each message of the stream on a worker while the next one is read. A bad
// message (or one that does not decode) ends the stream with INVALID_ARGUMENT naming the reading
// by its position in the stream (or the message); messages before it are written, and a message
// the database fails may be partly written (a large one is several transactions: see RecordUsage
// of the repository).
// Re-sending the feed from the failed message is safe: readings replace by key.
class HealthServiceImpl::StreamUsageReactor
    : public PipelinedReadReactor<v1::RecordUsageRequest, v1::RecordUsageResponse> {
 public:
  StreamUsageReactor(grpc::CallbackServerContext* context, HealthServiceImpl* service, grpc::ByteBuffer* response)
      : PipelinedReadReactor(context, "StreamUsage", service->context_, response),
        service_(service),
        response_(&this->response()) {}

 private:
  absl::Status Handle(const v1::RecordUsageRequest& message) override {
    auto written = service_->Record(message, next_index_);
    if (!written.ok()) return written.status();
    response_->set_accepted(response_->accepted() + *written);
    next_index_ += message.readings_size();
    return absl::OkStatus();
  }
  absl::Status Complete() override { return absl::OkStatus(); }

  HealthServiceImpl* service_;
  v1::RecordUsageResponse* response_;
  int64_t next_index_ = 0;
};

grpc::ServerReadReactor<grpc::ByteBuffer>* HealthServiceImpl::StreamUsage(grpc::CallbackServerContext* ctx,
                                                                         grpc::ByteBuffer* response) {
  return new StreamUsageReactor(ctx, this, response);
}

grpc::ServerUnaryReactor* HealthServiceImpl::RecordSurveyResponse(grpc::CallbackServerContext* ctx,
                                                                  const v1::RecordSurveyResponseRequest* request,
                                                                  v1::SurveyResponse* response) {
  return RunUnary(ctx, context_, "RecordSurveyResponse", [=]() -> absl::Status {
    Draft<SurveyResponse> draft;
    draft.value = FromProto(request->response(), "", draft.problems);
    auto stored = use_cases_.RecordSurvey(std::move(draft));
    if (!stored.ok()) return stored.status();
    *response = ToProto(*stored);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HealthServiceImpl::RecordValue(grpc::CallbackServerContext* ctx,
                                                         const v1::RecordValueRequest* request,
                                                         v1::ValueRecord* response) {
  return RunUnary(ctx, context_, "RecordValue", [=]() -> absl::Status {
    Draft<ValueRecord> draft;
    draft.value = FromProto(request->record(), "", draft.problems);
    auto stored = use_cases_.RecordValue(std::move(draft));
    if (!stored.ok()) return stored.status();
    *response = ToProto(*stored);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HealthServiceImpl::ListSignals(grpc::CallbackServerContext* ctx,
                                                         const v1::ListSignalsRequest* request,
                                                         v1::ListSignalsResponse* response) {
  return RunUnary(ctx, context_, "ListSignals", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->account_id(), "acc", "account_id", v);
    SignalFilter filter = SignalFilterFromProto(request->kind(), "kind", v);
    if (!request->metric().empty() && !IsValidMetricName(request->metric())) v.Add("metric", "is not a metric name");
    ListPage page(context_.page_tokens, *request, 1, v);
    absl::CivilDay end = convert::OptionalDay(request->has_end_day(), request->end_day(), "end_day", v).value_or(Today());
    absl::CivilDay start =
        convert::OptionalDay(request->has_start_day(), request->start_day(), "start_day", v).value_or(end - (kDefaultSignalDays - 1));
    if (start > end) v.Add("start_day", "must not be after end_day");
    int64_t offset = 0;
    if (page.cursor() && !absl::SimpleAtoi((*page.cursor())[0], &offset)) v.Add("page_token", "is malformed");
    if (!v.empty()) return v.ToStatus();
    auto window = repository_.ListSignals(request->account_id(), filter, request->metric(), start, end);
    if (!window.ok()) return window.status();
    // One ordered list: usage, then surveys, then value records, each by day.
    std::vector<v1::Signal> all;
    for (const auto& r : window->usage) *all.emplace_back().mutable_usage() = ToProto(r);
    for (const auto& r : window->surveys) *all.emplace_back().mutable_survey() = ToProto(r);
    for (const auto& r : window->values) *all.emplace_back().mutable_value() = ToProto(r);
    int64_t end_index = std::min<int64_t>(all.size(), offset + page.page_size());
    for (int64_t i = offset; i < end_index; ++i) *response->add_signals() = std::move(all[i]);
    if (end_index < static_cast<int64_t>(all.size())) response->set_next_page_token(page.TokenAfter({absl::StrCat(end_index)}));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HealthServiceImpl::CreateScorecard(grpc::CallbackServerContext* ctx,
                                                             const v1::CreateScorecardRequest* request,
                                                             v1::Scorecard* response) {
  return RunUnary(ctx, context_, "CreateScorecard", [=]() -> absl::Status {
    return AnswerCreate<Scorecard>(request->request_id(), request->scorecard(), *response,
                                   [](const Scorecard& created) { return ToProto(created); },
                                   [&](const RecordResponse<Scorecard>& record) {
                                     return use_cases_.CreateScorecard({FromProto(request->scorecard()), {}},
                                                                       request->request_id(),
                                                                       WriteContextOf(context_, ctx, request->request_id()),
                                                                       record);
                                   });
  });
}

grpc::ServerUnaryReactor* HealthServiceImpl::GetScorecard(grpc::CallbackServerContext* ctx,
                                                          const v1::GetScorecardRequest* request,
                                                          v1::Scorecard* response) {
  return RunUnary(ctx, context_, "GetScorecard", [=]() -> absl::Status {
    if (request->id().empty()) return InvalidFieldError("id", "is required");
    auto s = repository_.GetScorecard(request->id());
    if (!s.ok()) return s.status();
    *response = ToProto(*s);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HealthServiceImpl::ListScorecards(grpc::CallbackServerContext* ctx,
                                                            const v1::ListScorecardsRequest*,
                                                            v1::ListScorecardsResponse* response) {
  return RunUnary(ctx, context_, "ListScorecards", [=]() -> absl::Status {
    auto all = repository_.ListScorecards();
    if (!all.ok()) return all.status();
    for (const auto& s : *all) *response->add_scorecards() = ToProto(s);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HealthServiceImpl::UpdateScorecard(grpc::CallbackServerContext* ctx,
                                                             const v1::UpdateScorecardRequest* request,
                                                             v1::Scorecard* response) {
  return RunUnary(ctx, context_, "UpdateScorecard", [=]() -> absl::Status {
    auto updated = use_cases_.UpdateScorecard(
        request->scorecard().id(), FromProto(request->scorecard()),
        {request->update_mask().paths().begin(), request->update_mask().paths().end()}, request->scorecard().etag(),
        WriteContextOf(context_, ctx));
    if (!updated.ok()) return updated.status();
    *response = ToProto(*updated);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HealthServiceImpl::AssignScorecard(grpc::CallbackServerContext* ctx,
                                                             const v1::AssignScorecardRequest* request,
                                                             v1::AssignScorecardResponse* response) {
  return RunUnary(ctx, context_, "AssignScorecard", [=]() -> absl::Status {
    auto id = use_cases_.AssignScorecard(request->account_id(), request->scorecard_id(), WriteContextOf(context_, ctx));
    if (!id.ok()) return id.status();
    response->set_account_id(request->account_id());
    response->set_scorecard_id(*id);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HealthServiceImpl::GetHealth(grpc::CallbackServerContext* ctx,
                                                       const v1::GetHealthRequest* request,
                                                       v1::AccountHealth* response) {
  FieldViolations v;
  ids::RequireId(request->account_id(), "acc", "account_id", v);
  std::optional<absl::CivilDay> as_of = convert::OptionalDay(request->has_as_of(), request->as_of(), "as_of", v);
  // Scores the account as of `day` from its signals.
  auto compute = [=](absl::CivilDay day) -> absl::Status {
    auto scored = use_cases_.Score(request->account_id(), day);
    if (!scored.ok()) return scored.status();
    *response = ToProto(scored->facts.id, scored->score, scored->facts, context_.clock.Now());
    return absl::OkStatus();
  };
  if (as_of || !v.empty()) {
    absl::Status invalid = v.ToStatus();
    return RunUnary(ctx, context_, "GetHealth", [=]() { return invalid.ok() ? compute(*as_of) : invalid; });
  }
  // Today's stored score, when the portfolio has been rescored today; else computed now.
  return RunCoalescedRead<std::optional<std::string>>(
      ctx, context_, "GetHealth", stored_reads_, request->account_id(), absl::OkStatus(),
      [=](const std::optional<std::string>& detail) {
        if (detail && response->ParseFromString(*detail)) return absl::OkStatus();
        return compute(Today());
      });
}

grpc::ServerUnaryReactor* HealthServiceImpl::SetOverride(grpc::CallbackServerContext* ctx,
                                                         const v1::SetOverrideRequest* request,
                                                         v1::Override* response) {
  return RunUnary(ctx, context_, "SetOverride", [=]() -> absl::Status {
    auto stored = use_cases_.SetOverride(FromProto(request->override()), WriteContextOf(context_, ctx));
    if (!stored.ok()) return stored.status();
    *response = ToProto(request->override().account_id(), *stored);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HealthServiceImpl::ClearOverride(grpc::CallbackServerContext* ctx,
                                                           const v1::ClearOverrideRequest* request,
                                                           v1::ClearOverrideResponse*) {
  return RunUnary(ctx, context_, "ClearOverride", [=]() -> absl::Status {
    return use_cases_.ClearOverride(request->account_id(), WriteContextOf(context_, ctx));
  });
}

grpc::ServerUnaryReactor* HealthServiceImpl::GetValueTracking(grpc::CallbackServerContext* ctx,
                                                              const v1::GetValueTrackingRequest* request,
                                                              v1::ValueTracking* response) {
  return RunUnary(ctx, context_, "GetValueTracking", [=]() -> absl::Status {
    FieldViolations v;
    std::optional<absl::CivilDay> as_of = convert::OptionalDay(request->has_as_of(), request->as_of(), "as_of", v);
    if (!v.empty()) return v.ToStatus();
    absl::CivilDay day = as_of.value_or(Today());
    auto tracking = use_cases_.ValueTrackingOf(request->account_id(), day);
    if (!tracking.ok()) return tracking.status();
    *response = ToProto(tracking->facts.id, day, tracking->facts, tracking->value);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HealthServiceImpl::RescorePortfolio(grpc::CallbackServerContext* ctx,
                                                              const v1::RescorePortfolioRequest* request,
                                                              v1::RescorePortfolioResponse* response) {
  return RunUnary(ctx, context_, "RescorePortfolio", [=]() -> absl::Status {
    FieldViolations v;
    std::optional<absl::CivilDay> as_of = convert::OptionalDay(request->has_as_of(), request->as_of(), "as_of", v);
    if (!v.empty()) return v.ToStatus();
    auto run = use_cases_.Rescore(as_of.value_or(Today()), request->shard_count(), request->shard_index());
    if (!run.ok()) return run.status();
    response->set_accounts_scored(run->accounts_scored);
    response->set_band_changes(run->band_changes);
    response->set_load_seconds(run->load_seconds);
    response->set_score_seconds(run->score_seconds);
    response->set_store_seconds(run->store_seconds);
    response->set_total_seconds(run->total_seconds);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HealthServiceImpl::ListHealth(grpc::CallbackServerContext* ctx,
                                                        const v1::ListHealthRequest* request,
                                                        v1::ListHealthResponse* response) {
  return RunUnary(ctx, context_, "ListHealth", [=]() -> absl::Status {
    FieldViolations v;
    LatestFilter filter;
    filter.band = BandFromProto(request->band(), "band", v);
    filter.quadrant = QuadrantFromProto(request->quadrant(), "quadrant", v);
    filter.trend = TrendFromProto(request->trend(), "trend", v);
    filter.value_level = ValueLevelFromProto(request->value_level(), "value_level", v);
    filter.csm_owner = request->csm_owner();
    CheckCsmFilter(filter.csm_owner, v);
    ListPage page(context_.page_tokens, *request, 1, v);
    if (page.cursor()) filter.after_account_id = (*page.cursor())[0];
    if (!v.empty()) return v.ToStatus();
    filter.limit = page.limit();
    auto rows = repository_.ListLatest(filter);
    if (!rows.ok()) return rows.status();
    response->set_next_page_token(
        page.Finish(*rows, [](const auto& last) { return std::vector<std::string>{last.account_id}; }));
    for (const auto& r : *rows) *response->add_rows() = ToSummaryRow(r);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HealthServiceImpl::GetHealthHistory(grpc::CallbackServerContext* ctx,
                                                              const v1::GetHealthHistoryRequest* request,
                                                              v1::GetHealthHistoryResponse* response) {
  return RunUnary(ctx, context_, "GetHealthHistory", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->account_id(), "acc", "account_id", v);
    absl::CivilDay end = convert::OptionalDay(request->has_end_day(), request->end_day(), "end_day", v).value_or(Today());
    absl::CivilDay start =
        convert::OptionalDay(request->has_start_day(), request->start_day(), "start_day", v).value_or(end - 365);
    if (start > end) v.Add("start_day", "must not be after end_day");
    if (!v.empty()) return v.ToStatus();
    auto points = use_cases_.History(request->account_id(), start, end);
    if (!points.ok()) return points.status();
    for (const auto& p : *points) *response->add_points() = ToSummaryRow(p);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HealthServiceImpl::GetPortfolioSummary(grpc::CallbackServerContext* ctx,
                                                                 const v1::GetPortfolioSummaryRequest* request,
                                                                 v1::PortfolioSummary* response) {
  return RunUnary(ctx, context_, "GetPortfolioSummary", [=]() -> absl::Status {
    auto summary = use_cases_.Summary(request->csm_owner(), request->top());
    if (!summary.ok()) return summary.status();
    response->set_accounts(summary->accounts);
    for (const auto& [band, entry] : summary->bands) {
      auto* out = response->add_bands();
      out->set_band(ToProto(band));
      out->set_accounts(entry.first);
      PutMoney(entry.second, out->mutable_arr());
    }
    for (const auto& [quadrant, entry] : summary->quadrants) {
      auto* out = response->add_quadrants();
      out->set_quadrant(ToProto(quadrant));
      out->set_accounts(entry.first);
      PutMoney(entry.second, out->mutable_arr());
    }
    PutMoney(summary->arr_at_risk, response->mutable_arr_at_risk());
    PutMoney(summary->value_target, response->mutable_value_target());
    PutMoney(summary->value_projected, response->mutable_value_projected());
    PutMoney(summary->value_gap, response->mutable_value_gap());
    for (const auto& s : summary->top_value_gaps) *response->add_top_value_gaps() = ToSummaryRow(s);
    for (const auto& s : summary->top_health_drops) *response->add_top_health_drops() = ToSummaryRow(s);
    return absl::OkStatus();
  });
}

grpc::ServerWriteReactor<v1::HealthChange>* HealthServiceImpl::WatchHealth(grpc::CallbackServerContext* ctx,
                                                                          const v1::WatchHealthRequest* request) {
  absl::StatusOr<auth::Caller> caller = context_.gate.Admit(ctx, "WatchHealth");
  absl::Status admitted = caller.status();
  FieldViolations v;
  CheckCsmFilter(request->csm_owner(), v);
  if (admitted.ok()) admitted = v.ToStatus();
  WatchSource<v1::HealthChange> source;
  source.query = absl::StrCat("health.watch:", request->csm_owner(), ":", request->include_unchanged_band());
  source.last = [this] { return repository_.LastChangeSequence(); };
  source.fetch = [this, csm_owner = request->csm_owner(), all = request->include_unchanged_band()](
                     int64_t after) -> absl::StatusOr<WatchPage<v1::HealthChange>> {
    auto changes = repository_.ChangesAfter(after, 500, context_.clock.Now());
    if (!changes.ok()) return changes.status();
    WatchPage<v1::HealthChange> page;
    page.scanned_to = after;
    for (const HealthChangeRecord& c : *changes) {
      page.scanned_to = c.sequence;
      if (!csm_owner.empty() && c.csm_owner != csm_owner) continue;
      if (!all && c.previous_band == c.band && c.previous_quadrant == c.quadrant) continue;
      v1::HealthChange m;
      m.set_account_id(c.account_id);
      *m.mutable_as_of() = convert::ToProto(c.as_of);
      m.set_previous_band(ToProto(c.previous_band));
      m.set_band(ToProto(c.band));
      m.set_previous_quadrant(ToProto(c.previous_quadrant));
      m.set_quadrant(ToProto(c.quadrant));
      m.set_overall(c.overall.value_or(0));
      *m.mutable_time() = convert::ToTimestamp(c.time);
      m.set_cause(c.cause == ScoreCause::kSignal ? v1::CHANGE_CAUSE_SIGNAL : v1::CHANGE_CAUSE_RESCORE);
      page.changes.emplace_back(c.sequence, std::move(m));
    }
    return page;
  };
  return StartWatch(CallRecord(ctx, "WatchHealth", caller.ok() ? caller->principal : ""), std::move(admitted),
                    request->resume_token(), request->from_beginning(), std::move(source));
}

grpc::ServerUnaryReactor* HealthServiceImpl::BatchGetReportInputs(grpc::CallbackServerContext* ctx,
                                                                  const v1::BatchGetReportInputsRequest* request,
                                                                  v1::BatchGetReportInputsResponse* response) {
  return RunUnary(ctx, context_, "BatchGetReportInputs", [=]() -> absl::Status {
    ReportInputsRequest asked;
    asked.account_ids.assign(request->account_ids().begin(), request->account_ids().end());
    asked.as_of = convert::OptionalDay(request->has_as_of(), request->as_of(), "as_of", asked.problems);
    asked.detractor_days = request->detractor_days();
    for (int i = 0; i < request->series_size(); ++i) {
      const v1::SeriesRequest& s = request->series(i);
      asked.series.push_back({s.account_id(),
                              convert::FromProto(s.start_day(), absl::StrCat("series[", i, "].start_day"), asked.problems),
                              {s.names().begin(), s.names().end()}});
    }
    auto inputs = use_cases_.ReportInputsFor(std::move(asked));
    if (!inputs.ok()) return inputs.status();
    absl::Time now = context_.clock.Now();
    for (const ReportInputs& in : *inputs) {
      const ScoredAccount& s = in.scored;
      v1::ReportInputs* out = response->add_inputs();
      out->set_account_id(s.facts.id);
      *out->mutable_health() = ToProto(s.facts.id, s.score, s.facts, now);
      out->set_overall_30_days_earlier_missing(!s.overall_30_days_earlier);
      out->set_overall_30_days_earlier(s.overall_30_days_earlier.value_or(0));
      *out->mutable_value() = ToProto(s.facts.id, s.score.as_of, s.facts, s.value);
      for (const SurveyResponse& r : in.detractors) *out->add_detractors() = ToProto(r);
      if (!in.series_start) continue;
      *out->mutable_series_start_day() = convert::ToProto(*in.series_start);
      for (const auto& [name, values] : in.series) {
        v1::Series* out_series = out->add_series();
        out_series->set_name(name);
        for (double x : values) out_series->add_values(x);
      }
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HealthServiceImpl::ListAuditEntries(grpc::CallbackServerContext* ctx,
                                                              const v1::ListAuditEntriesRequest* request,
                                                              v1::ListAuditEntriesResponse* response) {
  return ServeAuditEntries(ctx, context_, request, response);
}

}  // namespace flywheel::health
