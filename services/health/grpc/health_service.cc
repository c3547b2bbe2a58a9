#include "services/health/grpc/health_service.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/concurrency/fan_out.h"
#include "common/convert/type_convert.h"
#include "common/ids/ids.h"
#include "common/metrics/metrics.h"
#include "common/server/list_page.h"
#include "common/server/audit_entries.h"
#include "common/server/call_record.h"
#include "common/server/idempotency.h"
#include "common/server/pipelined_read_reactor.h"
#include "common/server/stream_writer.h"
#include "common/status/grpc_status.h"
#include "prometheus/counter.h"
#include "services/health/domain/series.h"
#include "services/health/grpc/health_proto.h"

namespace flywheel::health {
namespace {

constexpr int kMaxReadingsPerRequest = 10000;
constexpr size_t kRescoreBatch = 500;
constexpr int kRescoreThreads = 2;  // one batch in the service while another is in the database
constexpr int kDefaultSignalDays = 90;
constexpr int kMaxTop = 100;
constexpr int kMaxReportAccounts = 1000;
constexpr int kMaxSeriesDays = 730;
constexpr int kMaxSeriesNames = 20;
constexpr int kDefaultDetractorDays = 30;
constexpr absl::Duration kWatchPollInterval = absl::Milliseconds(200);
constexpr size_t kMaxCsmOwnerLength = 200;  // as long as an account's csm_owner may be

// A csm_owner filter longer than any account's csm_owner can only be a mistake.
void CheckCsmFilter(const std::string& csm_owner, FieldViolations& v) {
  if (csm_owner.size() > kMaxCsmOwnerLength) {
    v.Add("csm_owner", absl::StrCat("must be at most ", kMaxCsmOwnerLength, " bytes"));
  }
}
const absl::TimeZone kUtc = absl::UTCTimeZone();

// Adds `amount` to the per-currency totals `totals`.
void AddMoney(std::map<std::string, int64_t>& totals, const std::string& currency, int64_t amount) {
  if (!currency.empty()) totals[currency] = AddMinorUnits(totals[currency], amount);
}

template <typename RepeatedMoney>
void PutMoney(const std::map<std::string, int64_t>& totals, RepeatedMoney* out) {
  for (const auto& [currency, units] : totals) *out->Add() = convert::ToProto(Money{currency, units});
}

}  // namespace

HealthServiceImpl::HealthServiceImpl(ServiceContext& context, HealthRepository& repository,
                                     accounts::AccountsClient& accounts)
    : context_(context),
      repository_(repository),
      accounts_(accounts),
      engine_(repository, context.clock),
      stored_reads_(
          context.workers, kCoalescedReadsPerBatch,
          [this](const std::vector<std::string>& ids)
              -> absl::StatusOr<absl::flat_hash_map<std::string, std::optional<std::string>>> {
            auto scores = repository_.GetScores(ids, Today());
            if (!scores.ok()) return scores.status();
            absl::flat_hash_map<std::string, std::optional<std::string>> details;
            for (auto& s : *scores) details.emplace(s.account_id, std::move(s.detail));
            return details;
          },
          [](const std::string&) -> absl::StatusOr<std::optional<std::string>> { return std::nullopt; }) {}

absl::CivilDay HealthServiceImpl::Today() const { return absl::ToCivilDay(context_.clock.Now(), kUtc); }

absl::StatusOr<AccountFacts> HealthServiceImpl::Facts(const std::string& account_id, const char* field) {
  FieldViolations v;
  ids::RequireId(account_id, "acc", field, v);
  if (!v.empty()) return v.ToStatus();
  auto account = accounts_.Get(account_id);
  if (!account.ok()) return account.status();
  return FactsFromAccount(*account);
}

absl::StatusOr<std::vector<UsageReading>> HealthServiceImpl::CheckedReadings(const v1::RecordUsageRequest& request,
                                                                             int64_t first_index) {
  FieldViolations v;
  if (request.readings_size() > kMaxReadingsPerRequest) {
    v.Add("readings", absl::StrCat("at most ", kMaxReadingsPerRequest, " readings a request"));
    return v.ToStatus();
  }
  std::vector<UsageReading> readings;
  readings.reserve(request.readings_size());
  const absl::CivilDay today = Today();
  std::set<std::string> accounts;
  for (int i = 0; i < request.readings_size(); ++i) {
    std::string prefix = absl::StrCat("readings[", first_index + i, "].");
    FieldViolations local;
    UsageReading r = FromProto(request.readings(i), "", local);
    ids::RequireId(r.account_id, "acc", "account_id", local);
    ValidateUsage(r, today, local);
    v.AddAll(prefix, local);
    accounts.insert(r.account_id);
    readings.push_back(std::move(r));
  }
  if (!v.empty()) return v.ToStatus();
  if (absl::Status s = accounts_.RequireAll({accounts.begin(), accounts.end()}); !s.ok()) return s;
  return readings;
}

grpc::ServerUnaryReactor* HealthServiceImpl::RecordUsage(grpc::CallbackServerContext* ctx,
                                                         const v1::RecordUsageRequest* request,
                                                         v1::RecordUsageResponse* response) {
  return RunUnary(ctx, context_, "RecordUsage", [=]() -> absl::Status {
    auto readings = CheckedReadings(*request, 0);
    if (!readings.ok()) return readings.status();
    auto written = repository_.RecordUsage(*readings);
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
    auto readings = service_->CheckedReadings(message, next_index_);
    if (!readings.ok()) return readings.status();
    auto written = service_->repository_.RecordUsage(*readings);
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
    FieldViolations v;
    FieldViolations local;
    SurveyResponse r = FromProto(request->response(), "", local);
    ids::RequireId(r.account_id, "acc", "account_id", local);
    ValidateSurvey(r, Today(), local);
    v.AddAll("response.", local);
    if (!v.empty()) return v.ToStatus();
    if (auto a = accounts_.Get(r.account_id); !a.ok()) return a.status();
    auto stored = repository_.RecordSurvey(r);
    if (!stored.ok()) return stored.status();
    *response = ToProto(*stored);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HealthServiceImpl::RecordValue(grpc::CallbackServerContext* ctx,
                                                         const v1::RecordValueRequest* request,
                                                         v1::ValueRecord* response) {
  return RunUnary(ctx, context_, "RecordValue", [=]() -> absl::Status {
    FieldViolations v;
    FieldViolations local;
    ValueRecord r = FromProto(request->record(), "", local);
    ids::RequireId(r.account_id, "acc", "account_id", local);
    ValidateValue(r, local);
    v.AddAll("record.", local);
    if (!v.empty()) return v.ToStatus();
    if (auto a = accounts_.Get(r.account_id); !a.ok()) return a.status();
    auto stored = repository_.RecordValue(r);
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
    if (!v1::SignalKind_IsValid(request->kind())) v.Add("kind", absl::StrCat(request->kind(), " is not a signal kind"));
    if (!request->metric().empty() && !IsValidMetricName(request->metric())) v.Add("metric", "is not a metric name");
    ListPage page(context_.page_tokens, *request, 1, v);
    absl::CivilDay end = convert::OptionalDay(request->has_end_day(), request->end_day(), "end_day", v).value_or(Today());
    absl::CivilDay start =
        convert::OptionalDay(request->has_start_day(), request->start_day(), "start_day", v).value_or(end - (kDefaultSignalDays - 1));
    if (start > end) v.Add("start_day", "must not be after end_day");
    int64_t offset = 0;
    if (page.cursor() && !absl::SimpleAtoi((*page.cursor())[0], &offset)) v.Add("page_token", "is malformed");
    if (!v.empty()) return v.ToStatus();
    SignalFilter filter = static_cast<SignalFilter>(request->kind());
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
    Scorecard s = FromProto(request->scorecard());
    FieldViolations local;
    ValidateScorecard(s, local);
    FieldViolations v;
    v.AddAll("scorecard.", local);
    ids::CheckRequestId(request->request_id(), v);
    if (!v.empty()) return v.ToStatus();
    s.id = ids::NewId("sc");
    s.version = 1;
    s.update_time = context_.clock.Now();
    return AnswerCreate<Scorecard>(
        request->request_id(), request->scorecard(), *response, [](const Scorecard& created) { return ToProto(created); },
        [&](const RecordResponse<Scorecard>& record) -> absl::StatusOr<Created<Scorecard>> {
          auto result = repository_.CreateScorecard(s, WriteContextOf(context_, ctx, request->request_id()), record(s));
          if (!result.ok()) return result.status();
          return Created<Scorecard>{s, *result};
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
    FieldViolations v;
    if (request->scorecard().id().empty()) v.Add("scorecard.id", "is required");
    std::vector<std::string> paths(request->update_mask().paths().begin(), request->update_mask().paths().end());
    CheckMask(ScorecardFields(), paths, "update_mask", /*required=*/true, v);
    if (!v.empty()) return v.ToStatus();
    Scorecard patch = FromProto(request->scorecard());
    std::string etag = request->scorecard().etag();
    auto updated = repository_.UpdateScorecard(
        request->scorecard().id(),
        [&](Scorecard& s) -> absl::Status {
          if (absl::Status stale = CheckEtag("scorecard", s.id, absl::StrCat(s.version), etag); !stale.ok()) return stale;
          CopyFields(ScorecardFields(), patch, paths, s);
          FieldViolations local;
          ValidateScorecard(s, local);
          FieldViolations prefixed;
          prefixed.AddAll("scorecard.", local);
          return prefixed.ToStatus();
        },
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
    auto facts = Facts(request->account_id(), "account_id");
    if (!facts.ok()) return facts.status();
    std::string id = request->scorecard_id().empty() ? kDefaultScorecardId : request->scorecard_id();
    if (auto s = repository_.GetScorecard(id); !s.ok()) return s.status();
    if (absl::Status s = repository_.AssignScorecard(request->account_id(), id, WriteContextOf(context_, ctx)); !s.ok()) {
      return s;
    }
    response->set_account_id(request->account_id());
    response->set_scorecard_id(id);
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
    auto facts = Facts(request->account_id(), "account_id");
    if (!facts.ok()) return facts.status();
    auto scored = engine_.Score({*facts}, day);
    if (!scored.ok()) return scored.status();
    *response = ToProto(facts->id, (*scored)[0].score, *facts, context_.clock.Now());
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
    const v1::Override& o = request->override();
    FieldViolations v;
    ids::RequireId(o.account_id(), "acc", "override.account_id", v);
    if (!std::isfinite(o.value()) || o.value() < 0 || o.value() > 100) v.Add("override.value", "must be from 0 to 100");
    if (o.reason().empty() || o.reason().size() > 1000) v.Add("override.reason", "must be 1-1000 bytes");
    // The author is who the gate verified; a name the caller gives is whom it acted for.
    std::string on_behalf_of = o.on_behalf_of().empty() ? o.author() : o.on_behalf_of();
    if (on_behalf_of.size() > 200) v.Add(o.on_behalf_of().empty() ? "override.author" : "override.on_behalf_of", "must be at most 200 bytes");
    absl::Time now = context_.clock.Now();
    std::optional<absl::Time> expire;
    if (!o.has_expire_time()) {
      v.Add("override.expire_time", "is required");
    } else if (expire = convert::FromTimestamp(o.expire_time(), "override.expire_time", v); expire && *expire <= now) {
      v.Add("override.expire_time", "must be in the future");
    }
    if (!v.empty()) return v.ToStatus();
    if (auto a = accounts_.Get(o.account_id()); !a.ok()) return a.status();
    WriteContext write = WriteContextOf(context_, ctx);
    Override stored{o.value(), o.reason(), write.principal, *expire, now, on_behalf_of};
    if (absl::Status s = repository_.SetOverride(o.account_id(), stored, write); !s.ok()) return s;
    *response = ToProto(o.account_id(), stored);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HealthServiceImpl::ClearOverride(grpc::CallbackServerContext* ctx,
                                                           const v1::ClearOverrideRequest* request,
                                                           v1::ClearOverrideResponse*) {
  return RunUnary(ctx, context_, "ClearOverride", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->account_id(), "acc", "account_id", v);
    if (!v.empty()) return v.ToStatus();
    auto cleared = repository_.ClearOverride(request->account_id(), WriteContextOf(context_, ctx));
    if (!cleared.ok()) return cleared.status();
    if (!*cleared) return NotFoundError("override", request->account_id());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HealthServiceImpl::GetValueTracking(grpc::CallbackServerContext* ctx,
                                                              const v1::GetValueTrackingRequest* request,
                                                              v1::ValueTracking* response) {
  return RunUnary(ctx, context_, "GetValueTracking", [=]() -> absl::Status {
    FieldViolations v;
    std::optional<absl::CivilDay> as_of = convert::OptionalDay(request->has_as_of(), request->as_of(), "as_of", v);
    if (!v.empty()) return v.ToStatus();
    auto facts = Facts(request->account_id(), "account_id");
    if (!facts.ok()) return facts.status();
    absl::CivilDay day = as_of.value_or(Today());
    auto window = repository_.ListSignals(facts->id, SignalFilter::kValue, "", SignalWindowStart(day), day);
    if (!window.ok()) return window.status();
    *response = ToProto(facts->id, day, *facts, ValueTrackingFor(*facts, window->values, day));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HealthServiceImpl::RescorePortfolio(grpc::CallbackServerContext* ctx,
                                                              const v1::RescorePortfolioRequest* request,
                                                              v1::RescorePortfolioResponse* response) {
  return RunUnary(ctx, context_, "RescorePortfolio", [=]() -> absl::Status {
    FieldViolations v;
    std::optional<absl::CivilDay> as_of = convert::OptionalDay(request->has_as_of(), request->as_of(), "as_of", v);
    int count = request->shard_count();
    if (count < 0) v.Add("shard_count", "must not be negative");
    if (count > 0 && (request->shard_index() < 0 || request->shard_index() >= count)) {
      v.Add("shard_index", "must be from 0 to shard_count - 1");
    }
    if (count == 0 && request->shard_index() != 0) v.Add("shard_index", "needs shard_count");
    if (!v.empty()) return v.ToStatus();
    absl::CivilDay day = as_of.value_or(Today());
    absl::Time start = absl::Now();
    // List the shard's accounts, then score and store them in batches on a few threads, so
    // the service's work on one batch overlaps the database's on another.
    std::vector<AccountFacts> accounts;
    absl::Status listed = accounts_.ForEach([&](const flywheel::accounts::v1::Account& a) {
      if (count <= 1 || ids::ShardOf(a.id(), count) == request->shard_index()) accounts.push_back(FactsFromAccount(a));
      return true;
    });
    if (!listed.ok()) return listed;
    double load = absl::ToDoubleSeconds(absl::Now() - start);
    std::atomic<int64_t> scored{0}, changes{0};
    std::mutex mu;
    double score = 0, store = 0;
    absl::Status failure = FanOut(accounts.size(), kRescoreBatch, kRescoreThreads, [&](size_t begin, size_t end) {
      std::vector<AccountFacts> batch(accounts.begin() + begin, accounts.begin() + end);
      double batch_score = 0, batch_store = 0;
      auto c = engine_.ScoreAndStore(batch, day, &batch_score, &batch_store);
      {
        std::lock_guard<std::mutex> lock(mu);
        score += batch_score;
        store += batch_store;
      }
      if (!c.ok()) return c.status();
      changes += *c;
      scored += batch.size();
      return absl::OkStatus();
    });
    metrics::Counter("flywheel_rescore_runs_total", "RescorePortfolio runs, by result",
                     {{"result", failure.ok() ? "ok" : "failed"}})
        .Increment();
    metrics::Counter("flywheel_rescore_accounts_total", "Accounts scored by RescorePortfolio")
        .Increment(static_cast<double>(scored.load()));
    if (!failure.ok()) return failure;
    response->set_accounts_scored(scored.load());
    response->set_band_changes(changes.load());
    response->set_load_seconds(load);
    response->set_score_seconds(score);
    response->set_store_seconds(store);
    response->set_total_seconds(absl::ToDoubleSeconds(absl::Now() - start));
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
    if (auto a = accounts_.Get(request->account_id()); !a.ok()) return a.status();
    auto points = repository_.History(request->account_id(), start, end);
    if (!points.ok()) return points.status();
    for (const auto& p : *points) *response->add_points() = ToSummaryRow(p);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HealthServiceImpl::GetPortfolioSummary(grpc::CallbackServerContext* ctx,
                                                                 const v1::GetPortfolioSummaryRequest* request,
                                                                 v1::PortfolioSummary* response) {
  return RunUnary(ctx, context_, "GetPortfolioSummary", [=]() -> absl::Status {
    FieldViolations v;
    if (request->top() < 0) v.Add("top", "must not be negative");
    CheckCsmFilter(request->csm_owner(), v);
    if (!v.empty()) return v.ToStatus();
    int top = request->top() == 0 ? 10 : std::min(request->top(), kMaxTop);
    std::map<Band, std::pair<int64_t, std::map<std::string, int64_t>>> bands;
    std::map<Quadrant, std::pair<int64_t, std::map<std::string, int64_t>>> quadrants;
    std::map<std::string, int64_t> at_risk, target, projected, gap;
    std::vector<StoredScore> all;
    LatestFilter filter;
    filter.csm_owner = request->csm_owner();
    filter.limit = 1000;
    for (;;) {
      auto page = repository_.ListLatest(filter);
      if (!page.ok()) return page.status();
      for (auto& s : *page) all.push_back(std::move(s));
      if (static_cast<int>(page->size()) < filter.limit) break;
      filter.after_account_id = all.back().account_id;
    }
    for (const auto& s : all) {
      std::string currency = s.arr ? s.arr->currency_code : "";
      int64_t arr = s.arr ? s.arr->minor_units : 0;
      auto& b = bands[s.band];
      ++b.first;
      AddMoney(b.second, currency, arr);
      auto& q = quadrants[s.quadrant];
      ++q.first;
      AddMoney(q.second, currency, arr);
      if (s.band == Band::kRed) AddMoney(at_risk, currency, arr);
      if (s.value_target) {
        AddMoney(target, s.value_target->currency_code, s.value_target->minor_units);
        AddMoney(projected, s.value_target->currency_code, s.value_projected_minor);
        AddMoney(gap, s.value_target->currency_code, s.value_gap_minor);
      }
    }
    response->set_accounts(all.size());
    for (const auto& [band, entry] : bands) {
      auto* out = response->add_bands();
      out->set_band(ToProto(band));
      out->set_accounts(entry.first);
      PutMoney(entry.second, out->mutable_arr());
    }
    for (const auto& [quadrant, entry] : quadrants) {
      auto* out = response->add_quadrants();
      out->set_quadrant(ToProto(quadrant));
      out->set_accounts(entry.first);
      PutMoney(entry.second, out->mutable_arr());
    }
    PutMoney(at_risk, response->mutable_arr_at_risk());
    PutMoney(target, response->mutable_value_target());
    PutMoney(projected, response->mutable_value_projected());
    PutMoney(gap, response->mutable_value_gap());

    std::vector<const StoredScore*> by_gap, by_drop;
    for (const auto& s : all) {
      if (s.value_gap_minor > 0) by_gap.push_back(&s);
      if (s.trend == Trend::kDown) by_drop.push_back(&s);
    }
    auto take = [&](std::vector<const StoredScore*>& rows, auto better, auto* out) {
      size_t n = std::min<size_t>(top, rows.size());
      std::partial_sort(rows.begin(), rows.begin() + n, rows.end(), better);
      for (size_t i = 0; i < n; ++i) *out->Add() = ToSummaryRow(*rows[i]);
    };
    take(by_gap, [](const StoredScore* a, const StoredScore* b) {
      return std::tie(b->value_gap_minor, a->account_id) < std::tie(a->value_gap_minor, b->account_id);
    }, response->mutable_top_value_gaps());
    take(by_drop, [](const StoredScore* a, const StoredScore* b) {
      return std::tie(a->trend_delta, a->account_id) < std::tie(b->trend_delta, b->account_id);
    }, response->mutable_top_health_drops());
    return absl::OkStatus();
  });
}

// Streams stored changes after the resume point, polling the change log; each change carries
// the token to resume after it. Runs on its own thread, one write in flight at a time.
class HealthServiceImpl::WatchReactor : public grpc::ServerWriteReactor<v1::HealthChange> {
 public:
  WatchReactor(HealthServiceImpl* service, CallRecord record, int64_t after, std::string csm_owner)
      : service_(service),
        record_(std::move(record)),
        after_(after),
        csm_owner_(std::move(csm_owner)),
        writer_(1, [this](const v1::HealthChange* change) { StartWrite(change); },
                [this](const grpc::Status& status) {
                  record_.Finished(status);
                  Finish(status);
                }) {
    // Headers go out once the start point is fixed, so a client can wait for them before
    // making changes it expects to see.
    StartSendInitialMetadata();
    thread_ = std::thread([this] { Run(); });
  }
  void OnWriteDone(bool ok) override { writer_.WriteDone(ok); }
  void OnCancel() override { writer_.Cancel(); }
  void OnDone() override {
    // OnDone may run on the streaming thread itself, right after its Finish().
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();
    } else {
      thread_.join();
    }
    delete this;
  }

 private:
  void Run() {
    grpc::Status final_status(grpc::StatusCode::CANCELLED, "watch ended");
    for (bool open = true; open;) {
      auto changes = service_->repository_.ChangesAfter(after_, csm_owner_, 500);
      if (!changes.ok()) {
        final_status = ToGrpcStatus(changes.status());
        break;
      }
      for (const auto& c : *changes) {
        v1::HealthChange m;
        m.set_account_id(c.account_id);
        *m.mutable_as_of() = convert::ToProto(c.as_of);
        m.set_previous_band(ToProto(c.previous_band));
        m.set_band(ToProto(c.band));
        m.set_previous_quadrant(ToProto(c.previous_quadrant));
        m.set_quadrant(ToProto(c.quadrant));
        m.set_overall(c.overall.value_or(0));
        *m.mutable_time() = convert::ToTimestamp(c.time);
        m.set_resume_token(service_->context_.page_tokens.Encode("health.watch", {absl::StrCat(c.sequence)}));
        if (!(open = writer_.Push(std::move(m)))) break;
        after_ = c.sequence;
      }
      open = open && !writer_.WaitBroken(kWatchPollInterval);
    }
    writer_.Close(final_status);
  }

  HealthServiceImpl* service_;
  CallRecord record_;
  int64_t after_;
  std::string csm_owner_;
  StreamWriter<v1::HealthChange> writer_;
  std::thread thread_;
};

grpc::ServerWriteReactor<v1::HealthChange>* HealthServiceImpl::WatchHealth(grpc::CallbackServerContext* ctx,
                                                                          const v1::WatchHealthRequest* request) {
  int64_t after = 0;
  absl::StatusOr<auth::Caller> caller = context_.gate.Admit(ctx, "WatchHealth");
  CallRecord record(ctx, "WatchHealth", caller.ok() ? caller->principal : "");
  absl::Status status = caller.status();
  FieldViolations v;
  CheckCsmFilter(request->csm_owner(), v);
  if (status.ok()) status = v.ToStatus();
  if (!status.ok()) {
    // refused: nothing is read
  } else if (request->resume_token().empty()) {
    auto last = repository_.LastChangeSequence();
    status = last.status();
    if (last.ok()) after = *last;
  } else {
    auto cursor = context_.page_tokens.Decode(request->resume_token(), "health.watch", "resume_token");
    if (!cursor.ok()) {
      status = cursor.status();
    } else if (cursor->size() != 1 || !absl::SimpleAtoi((*cursor)[0], &after)) {
      status = InvalidFieldError("resume_token", "is malformed");
    }
  }
  if (!status.ok()) {
    class Failed : public grpc::ServerWriteReactor<v1::HealthChange> {
     public:
      explicit Failed(const grpc::Status& s) { Finish(s); }
      void OnDone() override { delete this; }
    };
    record.Finished(status);
    return new Failed(ToGrpcStatus(status));
  }
  return new WatchReactor(this, std::move(record), after, request->csm_owner());
}

grpc::ServerUnaryReactor* HealthServiceImpl::BatchGetReportInputs(grpc::CallbackServerContext* ctx,
                                                                  const v1::BatchGetReportInputsRequest* request,
                                                                  v1::BatchGetReportInputsResponse* response) {
  return RunUnary(ctx, context_, "BatchGetReportInputs", [=]() -> absl::Status {
    FieldViolations v;
    if (request->account_ids().empty() || request->account_ids_size() > kMaxReportAccounts) {
      v.Add("account_ids", absl::StrCat("must hold 1-", kMaxReportAccounts, " ids"));
    }
    std::set<std::string> asked;
    for (int i = 0; i < request->account_ids_size(); ++i) {
      ids::RequireId(request->account_ids(i), "acc", absl::StrCat("account_ids[", i, "]"), v);
      asked.insert(request->account_ids(i));
    }
    std::optional<absl::CivilDay> as_of = convert::OptionalDay(request->has_as_of(), request->as_of(), "as_of", v);
    absl::CivilDay day = as_of.value_or(Today());
    if (request->detractor_days() < 0 || request->detractor_days() > kSurveyWindowDays) {
      v.Add("detractor_days", absl::StrCat("must be from 0 to ", kSurveyWindowDays));
    }
    // Series requests by account, checked.
    std::map<std::string, const v1::SeriesRequest*> series;
    std::set<std::string> metrics;
    bool surveys = false;
    absl::CivilDay first_day = day;
    for (int i = 0; i < request->series_size(); ++i) {
      const v1::SeriesRequest& s = request->series(i);
      std::string field = absl::StrCat("series[", i, "]");
      if (!asked.count(s.account_id())) v.Add(field + ".account_id", "must be one of account_ids");
      if (!series.emplace(s.account_id(), &s).second) v.Add(field + ".account_id", "asked twice");
      std::optional<absl::CivilDay> start = convert::FromProto(s.start_day(), field + ".start_day", v);
      if (start && (*start > day || day - *start > kMaxSeriesDays)) {
        v.Add(field + ".start_day", absl::StrCat("must be within ", kMaxSeriesDays, " days before as_of"));
      } else if (start) {
        first_day = std::min(first_day, *start);
      }
      if (s.names().empty() || s.names_size() > kMaxSeriesNames) {
        v.Add(field + ".names", absl::StrCat("must hold 1-", kMaxSeriesNames, " names"));
      }
      for (int n = 0; n < s.names_size(); ++n) {
        const std::string& name = s.names(n);
        if (!IsSeriesName(name)) {
          v.Add(absl::StrCat(field, ".names[", n, "]"), "must be a metric name, seats, nps or csat");
        } else if (SeriesReadsUsage(name)) {
          metrics.insert(name);
        } else if (SeriesReadsSurveys(name)) {
          surveys = true;
        }
      }
    }
    if (!v.empty()) return v.ToStatus();
    std::vector<std::string> ids(request->account_ids().begin(), request->account_ids().end());
    auto accounts = accounts_.GetAll(ids);
    if (!accounts.ok()) return accounts.status();
    std::vector<AccountFacts> facts;
    facts.reserve(accounts->size());
    for (const auto& a : *accounts) facts.push_back(FactsFromAccount(a));
    auto scored = engine_.Score(facts, day);
    if (!scored.ok()) return scored.status();
    std::map<std::string, SignalWindow> series_signals;
    if (!series.empty()) {
      std::vector<std::string> series_ids;
      for (const auto& [id, s] : series) series_ids.push_back(id);
      auto loaded = repository_.LoadSeriesSignals(series_ids, {metrics.begin(), metrics.end()}, surveys,
                                                  first_day - kSeriesLookbackDays, day);
      if (!loaded.ok()) return loaded.status();
      series_signals = *std::move(loaded);
    }
    int detractor_days = request->detractor_days() == 0 ? kDefaultDetractorDays : request->detractor_days();
    auto recent = repository_.LoadSeriesSignals(ids, {}, true, day - (detractor_days - 1), day);
    if (!recent.ok()) return recent.status();
    absl::Time now = context_.clock.Now();
    for (const ScoredAccount& s : *scored) {
      v1::ReportInputs* out = response->add_inputs();
      const std::string& id = s.facts.id;
      out->set_account_id(id);
      *out->mutable_health() = ToProto(id, s.score, s.facts, now);
      out->set_overall_30_days_earlier_missing(!s.overall_30_days_earlier);
      out->set_overall_30_days_earlier(s.overall_30_days_earlier.value_or(0));
      *out->mutable_value() = ToProto(id, day, s.facts, s.value);
      for (const SurveyResponse& r : (*recent)[id].surveys) {
        absl::CivilDay answered = absl::ToCivilDay(r.time, kUtc);
        if (IsDetractorResponse(r) && answered > day - detractor_days && answered <= day) {
          *out->add_detractors() = ToProto(r);
        }
      }
      auto wanted = series.find(id);
      if (wanted == series.end()) continue;
      FieldViolations unused;
      absl::CivilDay start = *convert::FromProto(wanted->second->start_day(), "start_day", unused);
      *out->mutable_series_start_day() = convert::ToProto(start);
      const SignalWindow& window = series_signals[id];
      for (const std::string& name : wanted->second->names()) {
        v1::Series* out_series = out->add_series();
        out_series->set_name(name);
        for (double x : DailySeries(name, window, s.facts.licensed_seats, start, day)) out_series->add_values(x);
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
