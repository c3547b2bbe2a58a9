#include "services/handoff/app/report_runner.h"

#include <algorithm>
#include <cmath>
#include <future>
#include <mutex>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/concurrency/fan_out.h"
#include "common/ids/ids.h"
#include "common/metrics/metrics.h"
#include "prometheus/counter.h"

namespace flywheel::handoff {
namespace {

constexpr size_t kBatchSize = 500;
constexpr int kBatchesInFlight = 3;  // one waiting on health, one on the database, one evaluating

double SecondsSince(absl::Time start) { return absl::ToDoubleSeconds(absl::Now() - start); }

// Every name the path's criteria read (malformed criteria were rejected when the path was saved).
std::vector<std::string> SeriesNames(const SuccessPath& path) {
  std::set<std::string> names;
  for (const Milestone& m : path.milestones) {
    if (auto c = Criterion::Parse(m.criterion); c.ok()) names.insert(c->names().begin(), c->names().end());
  }
  return {names.begin(), names.end()};
}

// The values of each series health returned, on one day; NaN (no value) is left out.
std::function<std::map<std::string, double>(absl::CivilDay)> ValuesOn(const HealthInputs& in) {
  return [&in](absl::CivilDay day) {
    std::map<std::string, double> out;
    if (!in.series_start) return out;
    int64_t index = day - *in.series_start;
    for (const auto& [name, values] : in.series) {
      if (index >= 0 && index < static_cast<int64_t>(values.size()) && !std::isnan(values[index])) {
        out[name] = values[index];
      }
    }
    return out;
  };
}

}  // namespace

absl::StatusOr<std::vector<MilestoneProgress>> ReportRunner::Progress(const std::string& account_id,
                                                                      const SuccessPath& path, absl::CivilDay start,
                                                                      absl::CivilDay as_of) {
  std::vector<SeriesAsk> series;
  std::vector<std::string> names = SeriesNames(path);
  if (!names.empty() && start <= as_of) series.push_back({account_id, start, names});
  auto inputs = sources_.ReportInputs(as_of, {account_id}, series);
  if (!inputs.ok()) return inputs.status();
  if (inputs->size() != 1) return absl::UnavailableError("health service returned no inputs");
  return PathProgress(path, start, as_of, ValuesOn((*inputs)[0]));
}

absl::StatusOr<ReportRun> ReportRunner::Run(const ReportRequest& request,
                                            const std::function<void(const StoredException&)>& found) {
  absl::StatusOr<ReportRun> run = Execute(request, found);
  std::string mode = request.dry_run ? "dry_run" : "write";
  metrics::Counter("flywheel_report_runs_total", "Exception-report runs, by result and mode",
                   {{"result", run.ok() ? "ok" : "failed"}, {"mode", mode}})
      .Increment();
  if (run.ok()) {
    metrics::Counter("flywheel_report_accounts_total", "Accounts scanned by exception-report runs", {{"mode", mode}})
        .Increment(static_cast<double>(run->accounts_scanned));
    const std::pair<const char*, int64_t> outcomes[] = {
        {"opened", run->counts.opened}, {"updated", run->counts.updated}, {"resolved", run->counts.resolved}};
    for (const auto& [outcome, n] : outcomes) {
      metrics::Counter("flywheel_report_exceptions_total", "Exceptions opened, updated or resolved by report runs",
                       {{"outcome", outcome}, {"mode", mode}})
          .Increment(static_cast<double>(n));
    }
  }
  return run;
}

absl::Status ReportRunner::LoadRules(std::vector<RuleConfig>& enabled, std::map<std::string, SuccessPath>& paths) {
  auto rules = handoffs_.ListRules();
  if (!rules.ok()) return rules.status();
  for (const StoredRule& r : *rules) enabled.push_back(r.config);
  // Every path (a product has at most five active ones), so batches need not fetch them.
  for (PathQuery q;;) {
    q.limit = 1000;
    auto page = handoffs_.ListPaths(q);
    if (!page.ok()) return page.status();
    for (auto& p : *page) paths[p.id] = p;
    if (page->size() < static_cast<size_t>(q.limit)) break;
    q.after_product = page->back().product;
    q.after_name = page->back().name;
    q.after_id = page->back().id;
  }
  return absl::OkStatus();
}

absl::StatusOr<ApplyCounts> ReportRunner::RunFor(const std::vector<std::string>& account_ids, absl::CivilDay as_of) {
  std::vector<RuleConfig> enabled;
  std::map<std::string, SuccessPath> paths;
  if (absl::Status s = LoadRules(enabled, paths); !s.ok()) return s;
  std::vector<std::string> ids = account_ids;
  std::sort(ids.begin(), ids.end());  // one lock order with runs
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  auto accounts = sources_.Accounts(ids);
  if (!accounts.ok()) return accounts.status();
  std::vector<const ShardAccount*> batch;
  for (const ShardAccount& a : *accounts) batch.push_back(&a);
  ReportRequest request;
  request.as_of = as_of;
  ApplyCounts counts;
  for (size_t first = 0; first < batch.size(); first += kBatchSize) {
    std::vector<const ShardAccount*> part(batch.begin() + first, batch.begin() + std::min(batch.size(), first + kBatchSize));
    auto result = RunBatch(part, request, enabled, paths, nullptr);
    if (!result.ok()) return result.status();
    counts.opened += result->counts.opened;
    counts.updated += result->counts.updated;
    counts.resolved += result->counts.resolved;
  }
  metrics::Counter("flywheel_live_evaluated_accounts_total", "Accounts whose exception rules ran because their health changed")
      .Increment(static_cast<double>(ids.size()));
  return counts;
}

absl::StatusOr<ReportRun> ReportRunner::Execute(const ReportRequest& request,
                                                const std::function<void(const StoredException&)>& found) {
  absl::Time start = absl::Now();
  ReportRun run;
  run.id = request.dry_run ? "" : ids::NewId("run");
  run.as_of = request.as_of;
  run.shard_index = request.shard_index;
  run.shard_count = request.shard_count;
  run.dry_run = request.dry_run;

  std::vector<RuleConfig> enabled;
  std::map<std::string, SuccessPath> paths;
  if (absl::Status s = LoadRules(enabled, paths); !s.ok()) return s;

  std::vector<ShardAccount> accounts;
  absl::Status listed = sources_.ForEachAccount([&](const ShardAccount& a) {
    if (request.shard_count <= 1 || ids::ShardOf(a.id, request.shard_count) == request.shard_index) {
      accounts.push_back(a);
    }
    return true;
  });
  if (!listed.ok()) return listed;
  // Batches in id order, so that concurrent runs of one shard lock accounts in one order.
  std::sort(accounts.begin(), accounts.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  run.fetch_seconds = SecondsSince(start);
  run.accounts_scanned = static_cast<int64_t>(accounts.size());

  std::mutex mu;
  std::mutex found_mu;
  std::function<void(const StoredException&)> serial_found;
  if (found) {
    serial_found = [&](const StoredException& e) {
      std::lock_guard<std::mutex> lock(found_mu);
      found(e);
    };
  }
  absl::Status failure = FanOut(accounts.size(), kBatchSize, kBatchesInFlight, [&](size_t begin, size_t end) {
    std::vector<const ShardAccount*> batch;
    for (size_t i = begin; i < end; ++i) batch.push_back(&accounts[i]);
    auto result = RunBatch(batch, request, enabled, paths, serial_found);
    if (!result.ok()) return result.status();
    std::lock_guard<std::mutex> lock(mu);
    run.findings += result->findings;
    run.accounts_skipped += result->skipped;
    run.counts.opened += result->counts.opened;
    run.counts.updated += result->counts.updated;
    run.counts.resolved += result->counts.resolved;
    run.fetch_seconds += result->fetch_seconds;
    run.evaluate_seconds += result->evaluate_seconds;
    run.write_seconds += result->write_seconds;
    return absl::OkStatus();
  });
  if (!failure.ok()) return failure;

  run.total_seconds = SecondsSince(start);
  run.finish_time = clock_.Now();
  if (!request.dry_run) {
    if (absl::Status s = exceptions_.RecordRun(run); !s.ok()) return s;
  }
  return run;
}

absl::StatusOr<ReportRunner::BatchResult> ReportRunner::RunBatch(
    const std::vector<const ShardAccount*>& accounts, const ReportRequest& request,
    const std::vector<RuleConfig>& rules, const std::map<std::string, SuccessPath>& paths,
    const std::function<void(const StoredException&)>& found) {
  absl::Time fetch_start = absl::Now();
  // An account deleted while the run goes on is skipped: a peer answers NOT_FOUND naming it,
  // and the batch is fetched again without it (its open exceptions are resolved below).
  std::vector<const ShardAccount*> vanished;
  std::vector<const ShardAccount*> live = accounts;
  for (;;) {
    absl::StatusOr<BatchInputs> fetched = FetchBatch(live, request, paths);
    if (fetched.ok()) return Evaluated(live, vanished, *std::move(fetched), request, rules, paths, found, fetch_start);
    std::string missing = fetched.status().code() == absl::StatusCode::kNotFound
                              ? GetErrorMetadata(fetched.status(), "id")
                              : "";
    auto gone = std::find_if(live.begin(), live.end(), [&](const ShardAccount* a) { return a->id == missing; });
    if (missing.empty() || gone == live.end()) return fetched.status();
    vanished.push_back(*gone);
    live.erase(gone);
  }
}

absl::StatusOr<ReportRunner::BatchInputs> ReportRunner::FetchBatch(const std::vector<const ShardAccount*>& accounts,
                                                                   const ReportRequest& request,
                                                                   const std::map<std::string, SuccessPath>& paths) {
  BatchInputs out;
  std::vector<std::string> ids;
  for (const auto* a : accounts) ids.push_back(a->id);
  if (ids.empty()) return out;

  // The stakeholders are read while health and this service's own tables are.
  auto people_call = std::async(std::launch::async, [&] { return sources_.People(ids); });
  auto assignments = handoffs_.Assignments(ids);
  if (!assignments.ok()) return assignments.status();
  std::vector<SeriesAsk> series;
  for (const auto& [account_id, a] : *assignments) {
    auto path = paths.find(a.path_id);
    if (!a.start_day || *a.start_day > request.as_of || path == paths.end()) continue;
    std::vector<std::string> names = SeriesNames(path->second);
    if (names.empty()) continue;
    series.push_back({account_id, std::max(*a.start_day, request.as_of - 730), std::move(names)});
  }
  auto health = sources_.ReportInputs(request.as_of, ids, series);
  auto stalled = handoffs_.StalledHandoffs(ids, absl::FromCivil(request.as_of, absl::UTCTimeZone()));
  auto people = people_call.get();
  if (!health.ok()) return health.status();
  if (!people.ok()) return people.status();
  if (!stalled.ok()) return stalled.status();
  if (health->size() != ids.size()) {
    return absl::UnavailableError("an upstream service answered for other accounts than asked");
  }
  out.assignments = *std::move(assignments);
  out.health = *std::move(health);
  out.people = *std::move(people);
  out.stalled = *std::move(stalled);
  return out;
}

absl::StatusOr<ReportRunner::BatchResult> ReportRunner::Evaluated(
    const std::vector<const ShardAccount*>& accounts, const std::vector<const ShardAccount*>& vanished,
    BatchInputs fetched, const ReportRequest& request, const std::vector<RuleConfig>& rules,
    const std::map<std::string, SuccessPath>& paths, const std::function<void(const StoredException&)>& found,
    absl::Time fetch_start) {
  BatchResult result;
  result.skipped = static_cast<int64_t>(vanished.size());
  std::vector<std::string> ids;
  for (const auto* a : accounts) ids.push_back(a->id);
  std::map<std::string, std::map<std::string, std::vector<const RolePerson*>>> people;  // account → role → people
  for (const auto& p : fetched.people) people[p.account_id][p.role].push_back(&p);
  result.fetch_seconds = SecondsSince(fetch_start);

  absl::Time evaluate_start = absl::Now();
  std::vector<AccountFindings> batch;
  for (size_t i = 0; i < accounts.size(); ++i) {
    const ShardAccount& account = *accounts[i];
    const HealthInputs& in = fetched.health[i];
    AccountSnapshot snap;
    snap.account_id = account.id;
    snap.as_of = request.as_of;
    auto assigned = fetched.assignments.find(account.id);
    if (assigned != fetched.assignments.end()) {
      auto path = paths.find(assigned->second.path_id);
      if (path != paths.end()) snap.path = path->second;
      snap.path_start = assigned->second.start_day;
      if (snap.path_start && *snap.path_start <= request.as_of && path != paths.end()) {
        snap.milestones = PathProgress(snap.path, *snap.path_start, request.as_of, ValuesOn(in));
      }
    }
    snap.active_users_28d = in.active_users_28d;
    snap.presence = in.presence;
    snap.quadrant = in.quadrant;
    if (in.value) {
      snap.has_value_target = true;
      snap.value_currency = in.value->currency;
      snap.value_target = in.value->target;
      snap.value_projected = in.value->projected;
      snap.value_gap = in.value->gap;
      snap.contract_days_elapsed = in.value->contract_days_elapsed;
    }
    snap.detractors = in.detractors;
    const std::map<std::string, std::vector<const RolePerson*>>& roles = people[account.id];
    snap.has_owner = roles.count("OWNER") > 0;
    snap.has_champion = roles.count("CHAMPION") > 0;
    std::map<std::string, std::string> receiving_owner;  // handoff id → who must accept it
    for (const Handoff& h : fetched.stalled[account.id]) {
      snap.stalled_handoffs.push_back({h.id, std::string(TeamName(h.to_team)), absl::ToCivilDay(*SlaDue(h), absl::UTCTimeZone())});
      receiving_owner[h.id] = h.receiving_owner;
    }
    snap.overall = in.overall;
    snap.overall_30_days_earlier = in.overall_30_days_earlier;

    std::vector<Finding> findings = Evaluate(snap, rules);
    for (Finding& f : findings) {
      if (!f.target_people.empty()) continue;  // the rule named them (respondents)
      if (f.rule == Rule::kHandoffStalled) {
        if (!receiving_owner[f.subject].empty()) f.target_people.push_back(receiving_owner[f.subject]);
      } else if (f.target_role == "CSM") {
        if (!account.csm_owner.empty()) f.target_people.push_back(account.csm_owner);
      } else if (auto it = roles.find(f.target_role); it != roles.end()) {
        // Training goes to the Learning and Development enablers when the account names them.
        auto learning = [](const RolePerson* p) { return p->learning; };
        bool only_learning = f.remedy == Remedy::kTraining && std::any_of(it->second.begin(), it->second.end(), learning);
        for (const auto* p : it->second) {
          if (!only_learning || learning(p)) f.target_people.push_back(p->contact);
        }
      }
    }
    result.findings += static_cast<int64_t>(findings.size());
    batch.push_back({account.id, account.csm_owner, std::move(findings)});
  }
  // A vanished account has no condition left: its open exceptions are resolved (close source RULE).
  for (const ShardAccount* a : vanished) {
    batch.push_back({a->id, a->csm_owner, {}});
    ids.push_back(a->id);
  }
  result.evaluate_seconds = SecondsSince(evaluate_start);

  absl::Time write_start = absl::Now();
  std::vector<StoredException> touched;
  if (request.dry_run) {
    // What the run would do, from the stored exceptions, without writing.
    auto existing = exceptions_.Existing(ids);
    if (!existing.ok()) return existing.status();
    for (const AccountFindings& a : batch) {
      ReconcilePlan plan = Reconcile(a.findings, (*existing)[a.account_id], request.as_of);
      result.counts.opened += plan.open.size();
      result.counts.updated += plan.update.size();
      result.counts.resolved += plan.resolve.size();
      if (!found) continue;
      for (const Finding& f : plan.open) {
        touched.push_back({"", a.account_id, f, a.assignee, ExceptionStatus::kOpen, request.as_of, request.as_of});
      }
      for (const auto& [id, f] : plan.update) {
        touched.push_back({id, a.account_id, f, a.assignee, ExceptionStatus::kOpen, request.as_of, request.as_of});
      }
    }
  } else {
    auto counts = exceptions_.ApplyBatch(batch, request.as_of, found ? &touched : nullptr);
    if (!counts.ok()) return counts.status();
    result.counts = *counts;
  }
  result.write_seconds = SecondsSince(write_start);
  if (found) {
    for (const auto& e : touched) found(e);
  }
  return result;
}

}  // namespace flywheel::handoff
