// The health use cases in process, against an in-memory repository and accounts peer: the
// rescore's fan-out and shards, overrides' author rule, usage checks and the portfolio summary.
#include "services/health/app/health_use_cases.h"

#include <map>
#include <mutex>
#include <set>

#include "common/ids/ids.h"
#include "gtest/gtest.h"
#include "tests/unit/health_accounts_fake.h"

namespace flywheel::health {
namespace {

class MemoryHealth : public HealthRepository {
 public:
  std::mutex mu;
  std::vector<UsageReading> usage;
  std::map<std::string, StoredScore> latest;
  std::map<std::string, Override> overrides;
  absl::Status store_failure;

  absl::StatusOr<int64_t> RecordUsage(const std::vector<UsageReading>& readings) override {
    usage.insert(usage.end(), readings.begin(), readings.end());
    return static_cast<int64_t>(readings.size());
  }
  absl::StatusOr<SurveyResponse> RecordSurvey(const SurveyResponse& r) override { return r; }
  absl::StatusOr<ValueRecord> RecordValue(const ValueRecord& r) override { return r; }
  absl::StatusOr<SignalWindow> ListSignals(const std::string&, SignalFilter, const std::string&, absl::CivilDay,
                                           absl::CivilDay) override {
    return SignalWindow{};
  }
  absl::StatusOr<std::map<std::string, SignalWindow>> LoadScoringSignals(const std::vector<std::string>&,
                                                                         absl::CivilDay) override {
    return std::map<std::string, SignalWindow>{};
  }
  absl::StatusOr<std::map<std::string, SignalWindow>> LoadSeriesSignals(const std::vector<std::string>&,
                                                                        const std::vector<std::string>&, bool,
                                                                        absl::CivilDay, absl::CivilDay) override {
    return std::map<std::string, SignalWindow>{};
  }
  absl::Status EnsureDefaultScorecard(const Scorecard&) override { return absl::OkStatus(); }
  absl::StatusOr<Scorecard> GetScorecard(const std::string& id) override {
    if (id == kDefaultScorecardId) return DefaultScorecard();
    return NotFoundError("scorecard", id);
  }
  absl::StatusOr<std::vector<Scorecard>> ListScorecards() override { return std::vector<Scorecard>{}; }
  absl::StatusOr<CreateResult> CreateScorecard(const Scorecard&, const WriteContext&,
                                               const std::optional<IdempotencyRecord>&) override {
    return CreateResult{};
  }
  absl::StatusOr<Scorecard> UpdateScorecard(const std::string& id, const std::function<absl::Status(Scorecard&)>&,
                                            const WriteContext&) override {
    return NotFoundError("scorecard", id);
  }
  absl::Status AssignScorecard(const std::string&, const std::string&, const WriteContext&) override {
    return absl::OkStatus();
  }
  absl::StatusOr<std::map<std::string, std::string>> Assignments(const std::vector<std::string>&) override {
    return std::map<std::string, std::string>{};
  }
  absl::Status SetOverride(const std::string& account_id, const Override& o, const WriteContext&) override {
    overrides[account_id] = o;
    return absl::OkStatus();
  }
  absl::StatusOr<bool> ClearOverride(const std::string& account_id, const WriteContext&) override {
    return overrides.erase(account_id) > 0;
  }
  absl::StatusOr<std::map<std::string, Override>> Overrides(const std::vector<std::string>&) override {
    return std::map<std::string, Override>{};
  }
  absl::StatusOr<int64_t> StoreScores(const std::vector<StoredScore>& scores, ScoreCause cause = ScoreCause::kRescore) override {
    std::lock_guard<std::mutex> lock(mu);
    if (!store_failure.ok()) return store_failure;
    last_cause = cause;
    for (const auto& s : scores) latest[s.account_id] = s;
    return static_cast<int64_t>(scores.size());
  }
  absl::StatusOr<std::vector<StoredScore>> GetScores(const std::vector<std::string>&, absl::CivilDay) override {
    return std::vector<StoredScore>{};
  }
  absl::StatusOr<std::map<std::string, std::optional<double>>> OverallOn(const std::vector<std::string>&,
                                                                        absl::CivilDay) override {
    return std::map<std::string, std::optional<double>>{};
  }
  absl::StatusOr<std::vector<StoredScore>> ListLatest(const LatestFilter& filter) override {
    std::vector<StoredScore> out;
    for (const auto& [id, s] : latest) {
      if (id > filter.after_account_id && static_cast<int>(out.size()) < filter.limit) out.push_back(s);
    }
    return out;
  }
  absl::StatusOr<std::vector<StoredScore>> History(const std::string&, absl::CivilDay, absl::CivilDay) override {
    return std::vector<StoredScore>{};
  }
  absl::StatusOr<std::vector<HealthChangeRecord>> ChangesAfter(int64_t, int, absl::Time) override {
    return std::vector<HealthChangeRecord>{};
  }
  absl::StatusOr<int64_t> LastChangeSequence() override { return 0; }
  std::set<std::string> marks;
  std::map<std::string, std::string> cursors;
  ScoreCause last_cause = ScoreCause::kRescore;
  absl::Status MarkAccounts(const std::vector<std::string>& ids,
                            const std::optional<db::StreamPosition>& position = std::nullopt) override {
    marks.insert(ids.begin(), ids.end());
    if (position) cursors[position->stream] = position->token;
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> StreamCursor(const std::string& stream) override { return cursors[stream]; }
  absl::Status MarkExpiredOverrides(absl::Time now) override {
    for (auto& [id, o] : overrides) {
      if (o.expire_time <= now && !expiry_marked.count(id)) {
        expiry_marked.insert(id);
        marks.insert(id);
      }
    }
    return absl::OkStatus();
  }
  std::set<std::string> expiry_marked;
  absl::Status ClaimMarks(int limit, const std::function<absl::Status(const std::vector<std::string>&)>& rescore) override {
    std::vector<std::string> claimed;
    for (const auto& id : marks) {
      if (static_cast<int>(claimed.size()) < limit) claimed.push_back(id);
    }
    if (absl::Status s = rescore(claimed); !s.ok()) return s;
    for (const auto& id : claimed) marks.erase(id);
    return absl::OkStatus();
  }
};

std::set<std::string> FieldsOf(const absl::Status& status) {
  std::set<std::string> out;
  for (const auto& v : GetFieldViolations(status)) out.insert(v.field);
  return out;
}

class HealthUseCasesTest : public ::testing::Test {
 protected:
  HealthUseCasesTest() {
    for (int i = 0; i < 1234; ++i) {
      AccountFacts f;
      f.id = ids::NewId("acc");
      f.name = "Account";
      f.arr = Money{"GBP", 1000};
      accounts.live[f.id] = f;
    }
  }
  WriteContext Writer() { return WriteContext{"svc-crm", "", clock.Now()}; }

  FakeClock clock{absl::FromCivil(absl::CivilSecond(2026, 12, 1, 12, 0, 0), absl::UTCTimeZone())};
  MemoryHealth repo;
  MemoryAccounts accounts;
  HealthUseCases use_cases{repo, accounts, clock,
                           [](const ScoredAccount& s, absl::Time) { return "detail of " + s.facts.id; }};
};

TEST_F(HealthUseCasesTest, ARescoreScoresEveryAccountOnceAndShardsSplitThePortfolio) {
  absl::CivilDay day = use_cases.Today();
  std::set<std::string> seen;
  int64_t total = 0;
  for (int shard = 0; shard < 3; ++shard) {
    auto run = use_cases.Rescore(day, 3, shard);
    ASSERT_TRUE(run.ok()) << run.status();
    total += run->accounts_scored;
  }
  EXPECT_EQ(total, 1234);
  EXPECT_EQ(repo.latest.size(), 1234u);
  for (const auto& [id, s] : repo.latest) {
    EXPECT_EQ(s.detail, "detail of " + id);
    EXPECT_EQ(s.as_of, day);
  }
  auto all = use_cases.Rescore(day, 0, 0);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->accounts_scored, 1234);
  EXPECT_EQ(all->band_changes, 1234);  // the fake counts every stored score as a change
  EXPECT_EQ(FieldsOf(use_cases.Rescore(day, 2, 2).status()), std::set<std::string>{"shard_index"});
  EXPECT_EQ(FieldsOf(use_cases.Rescore(day, 0, 1).status()), std::set<std::string>{"shard_index"});
}

TEST_F(HealthUseCasesTest, AFailingStoreFailsTheRescore) {
  repo.store_failure = absl::UnavailableError("database down");
  auto run = use_cases.Rescore(use_cases.Today(), 0, 0);
  EXPECT_EQ(run.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(HealthUseCasesTest, AnOverrideIsAuthoredByTheVerifiedCallerOnBehalfOfWhomItNames) {
  std::string id = accounts.live.begin()->first;
  OverrideRequest o{id, 40, "exec escalation", "dana@customer.example", "", clock.Now() + absl::Hours(24), {}};
  auto stored = use_cases.SetOverride(o, Writer());
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->author, "svc-crm");
  EXPECT_EQ(stored->on_behalf_of, "dana@customer.example");
  EXPECT_EQ(repo.overrides[id].author, "svc-crm");

  OverrideRequest bad{"nope", 140, "", std::string(201, 'a'), "", clock.Now() - absl::Hours(1), {}};
  EXPECT_EQ(FieldsOf(use_cases.SetOverride(bad, Writer()).status()),
            (std::set<std::string>{"override.account_id", "override.value", "override.reason", "override.author",
                                   "override.expire_time"}));
  OverrideRequest no_expiry{id, 40, "why", "", "", std::nullopt, {}};
  EXPECT_EQ(FieldsOf(use_cases.SetOverride(no_expiry, Writer()).status()),
            std::set<std::string>{"override.expire_time"});
  ASSERT_TRUE(use_cases.ClearOverride(id, Writer()).ok());
  EXPECT_EQ(use_cases.ClearOverride(id, Writer()).code(), absl::StatusCode::kNotFound);
}

TEST_F(HealthUseCasesTest, UsageIsCheckedWholeBeforeAnythingIsWritten) {
  std::string id = accounts.live.begin()->first;
  std::vector<Draft<UsageReading>> readings(3);
  for (auto& r : readings) r.value = UsageReading{id, use_cases.Today(), "logins", 5, "product"};
  readings[2].value.account_id = ids::NewId("acc");  // well formed, not an account
  EXPECT_EQ(use_cases.RecordUsage(readings, 0).status().code(), absl::StatusCode::kNotFound);
  readings[1].value.value = -1;
  EXPECT_EQ(FieldsOf(use_cases.RecordUsage(readings, 100).status()), std::set<std::string>{"readings[101].value"});
  EXPECT_TRUE(repo.usage.empty());
  readings.pop_back();
  readings[1].value.value = 7;
  auto written = use_cases.RecordUsage(readings, 0);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(*written, 2);
}

TEST_F(HealthUseCasesTest, TheSummaryCountsBandsAndRanksTheLargestValueGapsFirst) {
  auto put = [&](const std::string& id, Band band, int64_t gap) {
    StoredScore s;
    s.account_id = id;
    s.band = band;
    s.arr = Money{"GBP", 100};
    s.value_target = Money{"GBP", 1000};
    s.value_gap_minor = gap;
    repo.latest[id] = s;
  };
  put("acc_a", Band::kRed, 10);
  put("acc_b", Band::kRed, 300);
  put("acc_c", Band::kGreen, 200);
  auto summary = use_cases.Summary("", 2);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->accounts, 3);
  EXPECT_EQ(summary->bands[Band::kRed].first, 2);
  EXPECT_EQ(summary->arr_at_risk["GBP"], 200);
  EXPECT_EQ(summary->value_gap["GBP"], 510);
  ASSERT_EQ(summary->top_value_gaps.size(), 2u);
  EXPECT_EQ(summary->top_value_gaps[0].account_id, "acc_b");
  EXPECT_EQ(summary->top_value_gaps[1].account_id, "acc_c");
  EXPECT_EQ(FieldsOf(use_cases.Summary(std::string(201, 'x'), -1).status()),
            (std::set<std::string>{"top", "csm_owner"}));
}

TEST_F(HealthUseCasesTest, MarkedAccountsAreRescoredOnceAndADeletedOneIsDropped) {
  auto it = accounts.live.begin();
  std::string a = it->first, b = (++it)->first, gone = ids::NewId("acc");
  ASSERT_TRUE(repo.MarkAccounts({a, b, gone}).ok());
  auto scored = use_cases.RescoreMarked(10);
  ASSERT_TRUE(scored.ok()) << scored.status();
  EXPECT_EQ(*scored, 2);
  EXPECT_EQ(repo.latest.size(), 2u);
  EXPECT_TRUE(repo.latest.count(a) && repo.latest.count(b));
  EXPECT_TRUE(repo.marks.empty());  // the deleted account's mark is gone too
  EXPECT_EQ(repo.last_cause, ScoreCause::kSignal);  // every rescored account goes on the change stream
  EXPECT_EQ(accounts.forgotten, (std::vector<std::string>{a, b, gone}));  // the accounts are read afresh
  EXPECT_EQ(*use_cases.RescoreMarked(10), 0);

  // A failed store keeps the marks for the next claim.
  ASSERT_TRUE(repo.MarkAccounts({a}).ok());
  repo.store_failure = absl::UnavailableError("database down");
  EXPECT_EQ(use_cases.RescoreMarked(10).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(repo.marks.size(), 1u);
}

TEST_F(HealthUseCasesTest, AnAccountChangeHealthReadsMarksTheAccountWithTheStreamPosition) {
  auto it = accounts.live.begin();
  std::string a = it->first, b = (++it)->first, c = (++it)->first;
  ASSERT_TRUE(use_cases
                  .AccountsChanged({{a, "UPDATE", {"licensed_seats"}},
                                    {b, "UPDATE", {"region", "labels"}},  // nothing a score or the portfolio reads
                                    {c, "DELETE", {}},
                                    {a, "UPSERT", {"name"}}},
                                   "token-7")
                  .ok());
  EXPECT_EQ(repo.marks, (std::set<std::string>{a, c}));
  EXPECT_EQ(repo.cursors[HealthUseCases::kAccountsStream], "token-7");  // saved even when nothing is marked
  std::vector<std::string> forgotten = accounts.forgotten;
  std::sort(forgotten.begin(), forgotten.end());
  std::vector<std::string> expected = {a, c};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(forgotten, expected);
}

}  // namespace
}  // namespace flywheel::health
