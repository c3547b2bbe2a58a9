#include "services/health/app/health_use_cases.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/concurrency/fan_out.h"
#include "common/ids/ids.h"
#include "common/metrics/metrics.h"
#include "common/money/money.h"
#include "prometheus/counter.h"
#include "services/health/domain/series.h"

namespace flywheel::health {
namespace {

constexpr size_t kRescoreBatch = 500;
constexpr int kRescoreThreads = 2;  // one batch in the service while another is in the database
constexpr size_t kMaxCsmOwnerLength = 200;  // as long as an account's csm_owner may be
const absl::TimeZone kUtc = absl::UTCTimeZone();

void AddMoney(PortfolioSummary::Totals& totals, const std::string& currency, int64_t amount) {
  if (!currency.empty()) totals[currency] = AddMinorUnits(totals[currency], amount);
}

}  // namespace

void CheckCsmFilter(const std::string& csm_owner, FieldViolations& v) {
  if (csm_owner.size() > kMaxCsmOwnerLength) {
    v.Add("csm_owner", absl::StrCat("must be at most ", kMaxCsmOwnerLength, " bytes"));
  }
}

absl::CivilDay HealthUseCases::Today() const { return absl::ToCivilDay(clock_.Now(), kUtc); }

absl::StatusOr<int64_t> HealthUseCases::RecordUsage(std::vector<Draft<UsageReading>> drafts, int64_t first_index) {
  FieldViolations v;
  if (drafts.size() > static_cast<size_t>(kMaxReadingsPerRequest)) {
    v.Add("readings", absl::StrCat("at most ", kMaxReadingsPerRequest, " readings a request"));
    return v.ToStatus();
  }
  const absl::CivilDay today = Today();
  std::set<std::string> accounts;
  std::vector<UsageReading> readings;
  readings.reserve(drafts.size());
  for (size_t i = 0; i < drafts.size(); ++i) {
    FieldViolations& local = drafts[i].problems;
    ids::RequireId(drafts[i].value.account_id, "acc", "account_id", local);
    ValidateUsage(drafts[i].value, today, local);
    v.AddAll(absl::StrCat("readings[", first_index + static_cast<int64_t>(i), "]."), local);
    accounts.insert(drafts[i].value.account_id);
    readings.push_back(std::move(drafts[i].value));
  }
  if (!v.empty()) return v.ToStatus();
  if (absl::Status s = accounts_.RequireAllLive({accounts.begin(), accounts.end()}); !s.ok()) return s;
  return repository_.RecordUsage(readings);
}

absl::StatusOr<SurveyResponse> HealthUseCases::RecordSurvey(Draft<SurveyResponse> draft) {
  ids::RequireId(draft.value.account_id, "acc", "account_id", draft.problems);
  ValidateSurvey(draft.value, Today(), draft.problems);
  FieldViolations v;
  v.AddAll("response.", draft.problems);
  if (!v.empty()) return v.ToStatus();
  if (auto a = accounts_.Facts(draft.value.account_id); !a.ok()) return a.status();
  return repository_.RecordSurvey(draft.value);
}

absl::StatusOr<ValueRecord> HealthUseCases::RecordValue(Draft<ValueRecord> draft) {
  ids::RequireId(draft.value.account_id, "acc", "account_id", draft.problems);
  ValidateValue(draft.value, draft.problems);
  FieldViolations v;
  v.AddAll("record.", draft.problems);
  if (!v.empty()) return v.ToStatus();
  if (auto a = accounts_.Facts(draft.value.account_id); !a.ok()) return a.status();
  return repository_.RecordValue(draft.value);
}

absl::StatusOr<Created<Scorecard>> HealthUseCases::CreateScorecard(Draft<Scorecard> draft, const std::string& request_id,
                                                                   const WriteContext& write,
                                                                   const RecordResponse<Scorecard>& record) {
  ValidateScorecard(draft.value, draft.problems);
  FieldViolations v;
  v.AddAll("scorecard.", draft.problems);
  ids::CheckRequestId(request_id, v);
  if (!v.empty()) return v.ToStatus();
  Scorecard s = std::move(draft.value);
  s.id = ids::NewId("sc");
  s.version = 1;
  s.update_time = write.now;
  auto result = repository_.CreateScorecard(s, write, record(s));
  if (!result.ok()) return result.status();
  return Created<Scorecard>{std::move(s), *result};
}

absl::StatusOr<Scorecard> HealthUseCases::UpdateScorecard(const std::string& id, const Scorecard& patch,
                                                          const std::vector<std::string>& paths,
                                                          const std::string& etag, const WriteContext& write) {
  FieldViolations v;
  if (id.empty()) v.Add("scorecard.id", "is required");
  CheckMask(ScorecardFields(), paths, "update_mask", /*required=*/true, v);
  if (!v.empty()) return v.ToStatus();
  return repository_.UpdateScorecard(
      id,
      [&](Scorecard& s) -> absl::Status {
        if (absl::Status stale = CheckEtag("scorecard", s.id, absl::StrCat(s.version), etag); !stale.ok()) return stale;
        CopyFields(ScorecardFields(), patch, paths, s);
        FieldViolations local;
        ValidateScorecard(s, local);
        FieldViolations named;
        named.AddAll("scorecard.", local);
        return named.ToStatus();
      },
      write);
}

absl::StatusOr<std::string> HealthUseCases::AssignScorecard(const std::string& account_id,
                                                            const std::string& scorecard_id,
                                                            const WriteContext& write) {
  if (absl::Status s = ids::Required(account_id, "acc", "account_id"); !s.ok()) return s;
  if (auto a = accounts_.Facts(account_id); !a.ok()) return a.status();
  std::string id = scorecard_id.empty() ? kDefaultScorecardId : scorecard_id;
  if (auto s = repository_.GetScorecard(id); !s.ok()) return s.status();
  if (absl::Status s = repository_.AssignScorecard(account_id, id, write); !s.ok()) return s;
  return id;
}

absl::StatusOr<ScoredAccount> HealthUseCases::Score(const std::string& account_id, absl::CivilDay day) {
  if (absl::Status s = ids::Required(account_id, "acc", "account_id"); !s.ok()) return s;
  auto facts = accounts_.Facts(account_id);
  if (!facts.ok()) return facts.status();
  auto scored = engine_.Score({*facts}, day);
  if (!scored.ok()) return scored.status();
  return (*scored)[0];
}

absl::StatusOr<Override> HealthUseCases::SetOverride(OverrideRequest o, const WriteContext& write) {
  FieldViolations& v = o.problems;
  ids::RequireId(o.account_id, "acc", "override.account_id", v);
  if (!std::isfinite(o.value) || o.value < 0 || o.value > 100) v.Add("override.value", "must be from 0 to 100");
  if (o.reason.empty() || o.reason.size() > 1000) v.Add("override.reason", "must be 1-1000 bytes");
  // The author is who the gate verified; a name the caller gives is whom it acted for.
  std::string on_behalf_of = o.on_behalf_of.empty() ? o.author : o.on_behalf_of;
  if (on_behalf_of.size() > 200) {
    v.Add(o.on_behalf_of.empty() ? "override.author" : "override.on_behalf_of", "must be at most 200 bytes");
  }
  if (!o.expire_time) {
    if (v.empty() || std::none_of(v.items().begin(), v.items().end(),
                                  [](const FieldViolation& f) { return f.field == "override.expire_time"; })) {
      v.Add("override.expire_time", "is required");
    }
  } else if (*o.expire_time <= write.now) {
    v.Add("override.expire_time", "must be in the future");
  }
  if (!v.empty()) return v.ToStatus();
  if (auto a = accounts_.Facts(o.account_id); !a.ok()) return a.status();
  Override stored{o.value, o.reason, write.principal, *o.expire_time, write.now, on_behalf_of};
  if (absl::Status s = repository_.SetOverride(o.account_id, stored, write); !s.ok()) return s;
  return stored;
}

absl::Status HealthUseCases::ClearOverride(const std::string& account_id, const WriteContext& write) {
  if (absl::Status s = ids::Required(account_id, "acc", "account_id"); !s.ok()) return s;
  auto cleared = repository_.ClearOverride(account_id, write);
  if (!cleared.ok()) return cleared.status();
  if (!*cleared) return NotFoundError("override", account_id);
  return absl::OkStatus();
}

absl::StatusOr<HealthUseCases::Tracking> HealthUseCases::ValueTrackingOf(const std::string& account_id,
                                                                         absl::CivilDay day) {
  if (absl::Status s = ids::Required(account_id, "acc", "account_id"); !s.ok()) return s;
  auto facts = accounts_.Facts(account_id);
  if (!facts.ok()) return facts.status();
  auto window = repository_.ListSignals(facts->id, SignalFilter::kValue, "", SignalWindowStart(day), day);
  if (!window.ok()) return window.status();
  return Tracking{*facts, ValueTrackingFor(*facts, window->values, day)};
}

absl::StatusOr<RescoreRun> HealthUseCases::Rescore(absl::CivilDay day, int shard_count, int shard_index) {
  FieldViolations v;
  ids::CheckShard(shard_count, shard_index, v);
  if (!v.empty()) return v.ToStatus();
  absl::Time start = absl::Now();
  // List the shard's accounts, then score and store them in batches on a few threads, so the
  // service's work on one batch overlaps the database's on another.
  std::vector<AccountFacts> accounts;
  absl::Status listed = accounts_.ForEach([&](const AccountFacts& a) {
    if (shard_count <= 1 || ids::ShardOf(a.id, shard_count) == shard_index) accounts.push_back(a);
  });
  if (!listed.ok()) return listed;
  RescoreRun run;
  run.load_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::atomic<int64_t> scored{0}, changes{0};
  std::mutex mu;
  absl::Status failure = FanOut(accounts.size(), kRescoreBatch, kRescoreThreads, [&](size_t begin, size_t end) {
    std::vector<AccountFacts> batch(accounts.begin() + begin, accounts.begin() + end);
    double batch_score = 0, batch_store = 0;
    auto c = engine_.ScoreAndStore(batch, day, &batch_score, &batch_store);
    {
      std::lock_guard<std::mutex> lock(mu);
      run.score_seconds += batch_score;
      run.store_seconds += batch_store;
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
  run.accounts_scored = scored.load();
  run.band_changes = changes.load();
  run.total_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return run;
}

absl::StatusOr<int64_t> HealthUseCases::RescoreMarked(int limit) {
  if (absl::Status s = repository_.MarkExpiredOverrides(clock_.Now()); !s.ok()) return s;
  int64_t scored = 0;
  absl::Status status = repository_.ClaimMarks(limit, [&](const std::vector<std::string>& marked) -> absl::Status {
    std::vector<std::string> live = marked;
    accounts_.Forget(marked);  // read the accounts' own fields as they are now
    // An account deleted since it was marked answers NOT_FOUND naming it: it is left out.
    absl::StatusOr<std::vector<AccountFacts>> facts = std::vector<AccountFacts>{};
    while (!live.empty()) {
      facts = accounts_.AllFacts(live);
      if (facts.ok() || facts.status().code() != absl::StatusCode::kNotFound) break;
      auto gone = std::find(live.begin(), live.end(), GetErrorMetadata(facts.status(), "id"));
      if (gone == live.end()) break;
      live.erase(gone);
    }
    if (!facts.ok()) return facts.status();
    if (facts->empty()) return absl::OkStatus();
    double score_seconds = 0, store_seconds = 0;
    auto changes = engine_.ScoreAndStore(*facts, Today(), &score_seconds, &store_seconds, ScoreCause::kSignal);
    if (!changes.ok()) return changes.status();
    scored = static_cast<int64_t>(facts->size());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  metrics::Counter("flywheel_live_rescored_accounts_total", "Accounts rescored because an input changed")
      .Increment(static_cast<double>(scored));
  return scored;
}

absl::Status HealthUseCases::AccountsChanged(const std::vector<AccountChangeSeen>& changes, const std::string& token) {
  std::vector<std::string> ids;
  for (const AccountChangeSeen& c : changes) {
    if (ChangeReadByHealth(c.action, c.changed_fields)) ids.push_back(c.account_id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  accounts_.Forget(ids);
  return repository_.MarkAccounts(ids, db::StreamPosition{kAccountsStream, token});
}

absl::StatusOr<std::vector<StoredScore>> HealthUseCases::History(const std::string& account_id, absl::CivilDay start,
                                                                 absl::CivilDay end) {
  if (auto a = accounts_.Facts(account_id); !a.ok()) return a.status();
  return repository_.History(account_id, start, end);
}

absl::StatusOr<PortfolioSummary> HealthUseCases::Summary(const std::string& csm_owner, int top) {
  FieldViolations v;
  if (top < 0) v.Add("top", "must not be negative");
  CheckCsmFilter(csm_owner, v);
  if (!v.empty()) return v.ToStatus();
  top = top == 0 ? 10 : std::min(top, kMaxTop);
  std::vector<StoredScore> all;
  LatestFilter filter;
  filter.csm_owner = csm_owner;
  filter.limit = 1000;
  for (;;) {
    auto page = repository_.ListLatest(filter);
    if (!page.ok()) return page.status();
    for (auto& s : *page) all.push_back(std::move(s));
    if (static_cast<int>(page->size()) < filter.limit) break;
    filter.after_account_id = all.back().account_id;
  }
  PortfolioSummary out;
  out.accounts = static_cast<int64_t>(all.size());
  for (const auto& s : all) {
    std::string currency = s.arr ? s.arr->currency_code : "";
    int64_t arr = s.arr ? s.arr->minor_units : 0;
    auto& b = out.bands[s.band];
    ++b.first;
    AddMoney(b.second, currency, arr);
    auto& q = out.quadrants[s.quadrant];
    ++q.first;
    AddMoney(q.second, currency, arr);
    if (s.band == Band::kRed) AddMoney(out.arr_at_risk, currency, arr);
    if (s.value_target) {
      AddMoney(out.value_target, s.value_target->currency_code, s.value_target->minor_units);
      AddMoney(out.value_projected, s.value_target->currency_code, s.value_projected_minor);
      AddMoney(out.value_gap, s.value_target->currency_code, s.value_gap_minor);
    }
  }
  std::vector<const StoredScore*> by_gap, by_drop;
  for (const auto& s : all) {
    if (s.value_gap_minor > 0) by_gap.push_back(&s);
    if (s.trend == Trend::kDown) by_drop.push_back(&s);
  }
  auto take = [&](std::vector<const StoredScore*>& rows, auto better, std::vector<StoredScore>& into) {
    size_t n = std::min<size_t>(top, rows.size());
    std::partial_sort(rows.begin(), rows.begin() + n, rows.end(), better);
    for (size_t i = 0; i < n; ++i) into.push_back(*rows[i]);
  };
  // Largest gap first; steepest drop first; ties by account id.
  take(by_gap, [](const StoredScore* a, const StoredScore* b) {
    return std::tie(b->value_gap_minor, a->account_id) < std::tie(a->value_gap_minor, b->account_id);
  }, out.top_value_gaps);
  take(by_drop, [](const StoredScore* a, const StoredScore* b) {
    return std::tie(a->trend_delta, a->account_id) < std::tie(b->trend_delta, b->account_id);
  }, out.top_health_drops);
  return out;
}

absl::StatusOr<std::vector<ReportInputs>> HealthUseCases::ReportInputsFor(ReportInputsRequest request) {
  FieldViolations& v = request.problems;
  if (request.account_ids.empty() || request.account_ids.size() > static_cast<size_t>(kMaxReportAccounts)) {
    v.Add("account_ids", absl::StrCat("must hold 1-", kMaxReportAccounts, " ids"));
  }
  std::set<std::string> asked;
  for (size_t i = 0; i < request.account_ids.size(); ++i) {
    ids::RequireId(request.account_ids[i], "acc", absl::StrCat("account_ids[", i, "]"), v);
    asked.insert(request.account_ids[i]);
  }
  absl::CivilDay day = request.as_of.value_or(Today());
  if (request.detractor_days < 0 || request.detractor_days > kSurveyWindowDays) {
    v.Add("detractor_days", absl::StrCat("must be from 0 to ", kSurveyWindowDays));
  }
  // Series requests by account, checked.
  std::map<std::string, const ReportInputsRequest::Series*> series;
  std::set<std::string> metrics;
  bool surveys = false;
  absl::CivilDay first_day = day;
  for (size_t i = 0; i < request.series.size(); ++i) {
    const ReportInputsRequest::Series& s = request.series[i];
    std::string field = absl::StrCat("series[", i, "]");
    if (!asked.count(s.account_id)) v.Add(field + ".account_id", "must be one of account_ids");
    if (!series.emplace(s.account_id, &s).second) v.Add(field + ".account_id", "asked twice");
    if (s.start && (*s.start > day || day - *s.start > kMaxSeriesDays)) {
      v.Add(field + ".start_day", absl::StrCat("must be within ", kMaxSeriesDays, " days before as_of"));
    } else if (s.start) {
      first_day = std::min(first_day, *s.start);
    }
    if (s.names.empty() || s.names.size() > static_cast<size_t>(kMaxSeriesNames)) {
      v.Add(field + ".names", absl::StrCat("must hold 1-", kMaxSeriesNames, " names"));
    }
    for (size_t n = 0; n < s.names.size(); ++n) {
      const std::string& name = s.names[n];
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
  auto facts = accounts_.AllFacts(request.account_ids);
  if (!facts.ok()) return facts.status();
  auto scored = engine_.Score(*facts, day);
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
  int detractor_days = request.detractor_days == 0 ? kDefaultDetractorDays : request.detractor_days;
  auto recent = repository_.LoadSeriesSignals(request.account_ids, {}, true, day - (detractor_days - 1), day);
  if (!recent.ok()) return recent.status();
  std::vector<ReportInputs> out;
  out.reserve(scored->size());
  for (ScoredAccount& s : *scored) {
    ReportInputs& in = out.emplace_back();
    const std::string id = s.facts.id;
    for (const SurveyResponse& r : (*recent)[id].surveys) {
      absl::CivilDay answered = absl::ToCivilDay(r.time, kUtc);
      if (IsDetractorResponse(r) && answered > day - detractor_days && answered <= day) in.detractors.push_back(r);
    }
    auto wanted = series.find(id);
    if (wanted != series.end()) {
      in.series_start = wanted->second->start;
      const SignalWindow& window = series_signals[id];
      for (const std::string& name : wanted->second->names) {
        in.series.emplace_back(name, DailySeries(name, window, s.facts.licensed_seats, *wanted->second->start, day));
      }
    }
    in.scored = std::move(s);
  }
  return out;
}

}  // namespace flywheel::health
