// The exception-report runner against a private MariaDB, its reads from the other services
// answered in-process: batches on several threads open each exception once, reruns change
// nothing, two runs at once write each exception once, a dry run writes nothing, and a failing
// read stops every batch. Also built under ThreadSanitizer (label "tsan").
#include <cppconn/resultset.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_format.h"
#include "common/db/migrations.h"
#include "common/status/errors.h"
#include "common/testing/test_mariadb.h"
#include "gtest/gtest.h"
#include "services/handoff/app/report_runner.h"
#include "services/handoff/storage/mysql_exception_repository.h"
#include "services/handoff/storage/mysql_handoff_repository.h"

namespace flywheel {
const std::vector<db::Migration>& HandoffMigrations();

namespace handoff {
namespace {

const absl::CivilDay kDay(2026, 5, 26);

// 2,600 accounts: six batches of up to 500, so every batch thread has work. Account i has an
// Owner and a Champion when i % 4 == 0 (otherwise: ROLE_GAP) and is CAPTIVE when i % 5 == 0.
constexpr int kAccounts = 2600;

int ExpectedFindings() {
  int n = 0;
  for (int i = 0; i < kAccounts; ++i) n += (i % 4 != 0) + (i % 5 == 0);
  return n;
}

int IndexOf(const std::string& id) { return std::stoi(id.substr(4)); }

class InProcessSources : public ReportSources {
 public:
  absl::Status ForEachAccount(const std::function<bool(const ShardAccount&)>& visit) override {
    for (int i = 0; i < kAccounts; ++i) {
      if (!visit({absl::StrFormat("acc_%05d", i), absl::StrFormat("csm%d@vendor.example", i % 7)})) break;
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<HealthInputs>> ReportInputs(absl::CivilDay, const std::vector<std::string>& account_ids,
                                                         const std::vector<SeriesAsk>&) override {
    ++batches_asked_;
    for (const std::string& id : account_ids) {
      // As the health service answers for an account deleted after the run listed it.
      if (deleted_.count(id)) return NotFoundError("account", id);
    }
    std::vector<HealthInputs> out;
    for (const std::string& id : account_ids) {
      HealthInputs& in = out.emplace_back();
      in.account_id = id;
      if (IndexOf(id) % 5 == 0) in.quadrant = HealthQuadrant::kCaptive;
    }
    return out;
  }
  absl::StatusOr<std::vector<RolePerson>> People(const std::vector<std::string>& account_ids) override {
    if (fail_after_ >= 0 && coverage_calls_.fetch_add(1) >= fail_after_) {
      return absl::UnavailableError("stakeholders service: connection refused");
    }
    for (const std::string& id : account_ids) {
      if (deleted_.count(id)) return NotFoundError("account", id);
    }
    std::vector<RolePerson> out;
    for (const std::string& id : account_ids) {
      if (IndexOf(id) % 4 != 0) continue;
      for (const char* role : {"OWNER", "CHAMPION"}) {
        out.push_back({id, role, false, absl::StrFormat("%s-%d@customer.example", role, IndexOf(id))});
      }
    }
    return out;
  }

  absl::StatusOr<std::vector<ShardAccount>> Accounts(const std::vector<std::string>& account_ids) override {
    std::vector<ShardAccount> out;
    for (const std::string& id : account_ids) {
      out.push_back({id, deleted_.count(id) ? "" : absl::StrFormat("csm%d@vendor.example", IndexOf(id) % 7)});
    }
    return out;
  }

  void FailCoverageAfter(int calls) { fail_after_ = calls; }
  // Accounts still listed but deleted by the time their batch is read (set before a run).
  void Delete(std::set<std::string> ids) { deleted_ = std::move(ids); }
  int batches_asked() const { return batches_asked_; }

 private:
  std::atomic<int> batches_asked_{0};
  std::atomic<int> coverage_calls_{0};
  int fail_after_ = -1;
  std::set<std::string> deleted_;
};

class ReportRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DatabaseConfig config = testing::TestMariaDb::Shared().NewDatabaseConfig();
    config.pool_size = 8;
    auto applied = db::ApplyMigrations(config, HandoffMigrations());
    ASSERT_TRUE(applied.ok()) << applied.status();
    pool_ = std::make_unique<db::ConnectionPool>(config);
    handoffs_ = std::make_unique<MysqlHandoffRepository>(*pool_);
    exceptions_ = std::make_unique<MysqlExceptionRepository>(*pool_);
    runner_ = std::make_unique<ReportRunner>(*handoffs_, *exceptions_, sources_, clock_);
  }

  // (rule, account) of every stored exception; fails the test on a duplicate.
  std::set<std::pair<int, std::string>> StoredExceptions() {
    std::set<std::pair<int, std::string>> out;
    EXPECT_TRUE(db::RunOnConnection(*pool_, [&](db::Connection& c) {
      db::ForEachRow(c, "SELECT rule, account_id FROM exceptions", {}, [&](sql::ResultSet& rs) {
        EXPECT_TRUE(out.insert({rs.getInt(1), rs.getString(2)}).second) << "duplicate " << rs.getString(2);
      });
      return absl::OkStatus();
    }).ok());
    return out;
  }

  InProcessSources sources_;
  FakeClock clock_{absl::FromCivil(kDay, absl::UTCTimeZone())};
  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<MysqlHandoffRepository> handoffs_;
  std::unique_ptr<MysqlExceptionRepository> exceptions_;
  std::unique_ptr<ReportRunner> runner_;
};

TEST_F(ReportRunnerTest, BatchesOnSeveralThreadsOpenEachExceptionOnce) {
  std::mutex mu;
  std::vector<StoredException> found;
  auto run = runner_->Run({kDay}, [&](const StoredException& e) {
    std::lock_guard<std::mutex> lock(mu);
    found.push_back(e);
  });
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->accounts_scanned, kAccounts);
  EXPECT_EQ(run->findings, ExpectedFindings());
  EXPECT_EQ(run->counts.opened, ExpectedFindings());
  EXPECT_EQ(sources_.batches_asked(), 6);
  ASSERT_EQ(static_cast<int>(found.size()), ExpectedFindings());
  std::set<std::pair<int, std::string>> reported;
  for (const auto& e : found) {
    reported.insert({static_cast<int>(e.finding.rule), e.account_id});
    int i = IndexOf(e.account_id);
    if (e.finding.rule == Rule::kRoleGap) {
      EXPECT_NE(i % 4, 0) << e.account_id;
      EXPECT_EQ(e.assignee, absl::StrFormat("csm%d@vendor.example", i % 7));
    } else {
      EXPECT_EQ(e.finding.rule, Rule::kCaptive);
      EXPECT_EQ(i % 5, 0) << e.account_id;
      // CAPTIVE goes to the account's Owner, who is known on every fourth account.
      if (i % 4 == 0) {
        EXPECT_EQ(e.finding.target_people,
                  std::vector<std::string>{absl::StrFormat("OWNER-%d@customer.example", i)});
      }
    }
  }
  EXPECT_EQ(StoredExceptions(), reported);

  auto again = runner_->Run({kDay});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->counts.opened, 0);
  EXPECT_EQ(again->counts.resolved, 0);
  EXPECT_EQ(StoredExceptions(), reported);
}

// Live exceptions evaluate the accounts whose health changed with the report's own code: the
// same portfolio evaluated account by account (here in a few uneven groups) and by a full run
// on a second database ends with the same exceptions. Each change leaves one event; finding
// the same again leaves none.
TEST_F(ReportRunnerTest, LiveEvaluationOfEveryAccountFindsWhatTheReportFinds) {
  std::vector<std::string> ids;
  for (int i = 0; i < kAccounts; ++i) ids.push_back(absl::StrFormat("acc_%05d", i));
  ApplyCounts live;
  for (size_t first = 0; first < ids.size(); first += 777) {
    std::vector<std::string> group(ids.begin() + first, ids.begin() + std::min(ids.size(), first + 777));
    auto counts = runner_->RunFor(group, kDay);
    ASSERT_TRUE(counts.ok()) << counts.status();
    live.opened += counts->opened;
  }
  EXPECT_EQ(live.opened, ExpectedFindings());
  std::set<std::pair<int, std::string>> live_found = StoredExceptions();

  DatabaseConfig config = testing::TestMariaDb::Shared().NewDatabaseConfig();
  ASSERT_TRUE(db::ApplyMigrations(config, HandoffMigrations()).ok());
  db::ConnectionPool pool(config);
  MysqlHandoffRepository handoffs(pool);
  MysqlExceptionRepository exceptions(pool);
  ReportRunner report(handoffs, exceptions, sources_, clock_);
  ASSERT_TRUE(report.Run({kDay}).ok());
  std::set<std::pair<int, std::string>> report_found;
  ASSERT_TRUE(db::RunOnConnection(pool, [&](db::Connection& c) {
    db::ForEachRow(c, "SELECT rule, account_id FROM exceptions", {},
                   [&](sql::ResultSet& rs) { report_found.insert({rs.getInt(1), rs.getString(2)}); });
    return absl::OkStatus();
  }).ok());
  EXPECT_EQ(live_found, report_found);

  auto events = exceptions_->EventsAfter(0, 100000, absl::Now());
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(static_cast<int>(events->size()), ExpectedFindings());
  for (const auto& e : *events) EXPECT_EQ(e.event, ExceptionEvent::kOpened);
  ASSERT_TRUE(runner_->RunFor({"acc_00001", "acc_00005"}, kDay).ok());
  EXPECT_EQ(*exceptions_->LastEventSequence(), events->back().sequence);  // found again as it was
  // A deleted account's exceptions are resolved by its rule, one event each.
  sources_.Delete({"acc_00005"});
  auto counts = runner_->RunFor({"acc_00005"}, kDay);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->resolved, 2);
  auto resolved = exceptions_->EventsAfter(events->back().sequence, 10, absl::Now());
  ASSERT_EQ(resolved->size(), 2u);
  for (const auto& e : *resolved) {
    EXPECT_EQ(e.event, ExceptionEvent::kResolved);
    EXPECT_EQ(e.exception.account_id, "acc_00005");
    EXPECT_EQ(e.exception.status, ExceptionStatus::kResolved);
  }
}

// A run after the exceptions' due day announces each one as due, once.
TEST_F(ReportRunnerTest, ExceptionsPastTheirDueDayAreAnnouncedOnce) {
  ASSERT_TRUE(runner_->Run({kDay}).ok());
  int64_t opened = *exceptions_->LastEventSequence();
  auto due_events = [&](int64_t after) {
    int n = 0;
    auto events = exceptions_->EventsAfter(after, 100000, absl::Now());  // kept: the loop reads into it
    EXPECT_TRUE(events.ok()) << events.status();
    if (events.ok()) {
      for (const auto& e : *events) n += e.event == ExceptionEvent::kDue;
    }
    return n;
  };
  EXPECT_EQ(due_events(0), 0);  // nothing is past due on its first day
  ASSERT_TRUE(runner_->Run({kDay + 60}).ok());
  EXPECT_EQ(due_events(opened), ExpectedFindings());
  int64_t announced = *exceptions_->LastEventSequence();
  ASSERT_TRUE(runner_->Run({kDay + 61}).ok());
  EXPECT_EQ(due_events(announced), 0);
}

TEST_F(ReportRunnerTest, TwoRunsAtOnceWriteEachExceptionOnce) {
  absl::StatusOr<ReportRun> first, second;
  std::thread other([&] { second = runner_->Run({kDay}); });
  first = runner_->Run({kDay});
  other.join();
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->counts.opened + second->counts.opened, ExpectedFindings());
  EXPECT_EQ(static_cast<int>(StoredExceptions().size()), ExpectedFindings());
}

TEST_F(ReportRunnerTest, ADryRunCountsWithoutWriting) {
  std::atomic<int> found{0};
  auto run = runner_->Run({kDay, 0, 1, /*dry_run=*/true}, [&](const StoredException&) { ++found; });
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->counts.opened, ExpectedFindings());
  EXPECT_EQ(found.load(), ExpectedFindings());
  EXPECT_TRUE(StoredExceptions().empty());
}

// An account deleted while the run goes on is skipped and counted, and its open exceptions are
// resolved like any cleared condition; the nightly run itself finishes.
TEST_F(ReportRunnerTest, AnAccountDeletedDuringTheRunIsSkippedAndItsExceptionsResolved) {
  ASSERT_TRUE(runner_->Run({kDay}).ok());
  ASSERT_EQ(static_cast<int>(StoredExceptions().size()), ExpectedFindings());
  // acc_00001 has a ROLE_GAP, acc_00005 a ROLE_GAP and CAPTIVE; two in one batch, one in another.
  sources_.Delete({"acc_00001", "acc_00005", "acc_02501"});
  for (bool dry_run : {true, false}) {
    auto run = runner_->Run({kDay, 0, 1, dry_run});
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_EQ(run->accounts_scanned, kAccounts);
    EXPECT_EQ(run->accounts_skipped, 3);
    EXPECT_EQ(run->counts.opened, 0);
    EXPECT_EQ(run->counts.resolved, 4);
  }
  int resolved_by_rule = 0;
  EXPECT_TRUE(db::RunOnConnection(*pool_, [&](db::Connection& c) {
    db::ForEachRow(c, "SELECT account_id, close_source FROM exceptions WHERE status <> ?",
                   {static_cast<int64_t>(ExceptionStatus::kOpen)}, [&](sql::ResultSet& rs) {
                     EXPECT_TRUE(std::set<std::string>({"acc_00001", "acc_00005", "acc_02501"}).count(rs.getString(1)));
                     EXPECT_EQ(rs.getInt(2), static_cast<int>(CloseSource::kRule));
                     ++resolved_by_rule;
                   });
    return absl::OkStatus();
  }).ok());
  EXPECT_EQ(resolved_by_rule, 4);
}

TEST_F(ReportRunnerTest, AFailedReadStopsTheRunAndIsReported) {
  sources_.FailCoverageAfter(2);
  auto run = runner_->Run({kDay});
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(run.status().message().find("stakeholders"), std::string::npos) << run.status();
  // At most the batches that were already past their reads were written.
  EXPECT_LE(static_cast<int>(StoredExceptions().size()), ExpectedFindings());
  EXPECT_LT(sources_.batches_asked(), 6);
}

}  // namespace
}  // namespace handoff
}  // namespace flywheel
