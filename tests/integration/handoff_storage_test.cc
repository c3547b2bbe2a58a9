// The MariaDB exception repository against a private MariaDB: reruns, auto-resolution,
// snoozes, and two concurrent runs yielding each exception once.
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <thread>

#include "common/db/migrations.h"
#include "common/db/sql_params.h"
#include "common/testing/test_mariadb.h"
#include "gtest/gtest.h"
#include "services/handoff/storage/mysql_exception_repository.h"

namespace flywheel {
const std::vector<db::Migration>& HandoffMigrations();

namespace handoff {
namespace {

const absl::CivilDay kDay(2026, 5, 26);

Finding F(Rule rule, std::string subject = "", std::string evidence = "1") {
  return Finding{rule, std::move(subject), Severity::kHigh, {{"n", evidence}}, Remedy::kCourtesyCall,
                 "call", "CHAMPION", {}, kDay + 3};
}

class HandoffStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DatabaseConfig config = testing::TestMariaDb::Shared().NewDatabaseConfig();
    config.pool_size = 8;
    auto applied = db::ApplyMigrations(config, HandoffMigrations());
    ASSERT_TRUE(applied.ok()) << applied.status();
    pool_ = std::make_unique<db::ConnectionPool>(config);
    repo_ = std::make_unique<MysqlExceptionRepository>(*pool_);
  }

  // (status, count) of the account's exceptions.
  std::map<int, int> Statuses(const std::string& account) {
    std::map<int, int> out;
    EXPECT_TRUE(db::RunOnConnection(*pool_, [&](db::Connection& c) {
      db::ForEachRow(c, "SELECT status, COUNT(*) FROM exceptions WHERE account_id = ? GROUP BY status", {account},
                     [&](sql::ResultSet& rs) { out[rs.getInt(1)] = rs.getInt(2); });
      return absl::OkStatus();
    }).ok());
    return out;
  }

  void SetStatus(const std::string& account, int status, std::optional<absl::CivilDay> until = std::nullopt) {
    ASSERT_TRUE(db::RunOnConnection(*pool_, [&](db::Connection& c) {
      auto& stmt = c.Prepare("UPDATE exceptions SET status = ?, snoozed_until = ? WHERE account_id = ?");
      db::BindAll(stmt, {int64_t{status}, until ? db::FormatDay(*until) : std::string("2000-01-01"), account});
      stmt.executeUpdate();
      return absl::OkStatus();
    }).ok());
  }

  absl::StatusOr<ApplyCounts> Apply(const std::string& account, const std::vector<Finding>& findings,
                                    absl::CivilDay day) {
    return repo_->ApplyBatch({{account, "csm@vendor.example", findings}}, day, nullptr);
  }

  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<MysqlExceptionRepository> repo_;
};

TEST_F(HandoffStorageTest, RerunsUpdateAndClearedConditionsResolveByRule) {
  auto first = Apply("acc_a", {F(Rule::kRoleGap), F(Rule::kMilestoneOverdue, "routing")}, kDay);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->opened, 2);
  auto again = Apply("acc_a", {F(Rule::kRoleGap, "", "2"), F(Rule::kMilestoneOverdue, "routing")}, kDay + 1);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->opened, 0);
  EXPECT_EQ(again->updated, 2);
  auto cleared = Apply("acc_a", {F(Rule::kRoleGap)}, kDay + 2);
  ASSERT_TRUE(cleared.ok());
  EXPECT_EQ(cleared->resolved, 1);
  EXPECT_EQ(Statuses("acc_a"), (std::map<int, int>{{1, 1}, {3, 1}}));
}

TEST_F(HandoffStorageTest, SnoozesHoldUntilTheirDay) {
  ASSERT_TRUE(Apply("acc_s", {F(Rule::kDetractor)}, kDay).ok());
  SetStatus("acc_s", 5, kDay + 5);
  auto quiet = Apply("acc_s", {F(Rule::kDetractor)}, kDay + 1);
  ASSERT_TRUE(quiet.ok());
  EXPECT_EQ(quiet->opened + quiet->updated + quiet->resolved, 0);
  EXPECT_EQ(Statuses("acc_s"), (std::map<int, int>{{5, 1}}));
  auto back = Apply("acc_s", {F(Rule::kDetractor)}, kDay + 5);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->updated, 1);
  EXPECT_EQ(Statuses("acc_s"), (std::map<int, int>{{1, 1}}));  // open again
}

TEST_F(HandoffStorageTest, ConcurrentRunsOfOneShardYieldEachExceptionOnce) {
  std::vector<std::string> accounts;
  for (int i = 0; i < 20; ++i) accounts.push_back("acc_c" + std::to_string(i));
  std::vector<Finding> findings = {F(Rule::kRoleGap), F(Rule::kDetractor), F(Rule::kMilestoneOverdue, "summaries")};
  std::atomic<int> failures{0};
  auto run = [&] {
    for (size_t first = 0; first < accounts.size(); first += 5) {
      std::vector<AccountFindings> batch;
      for (size_t i = first; i < first + 5; ++i) batch.push_back({accounts[i], "csm", findings});
      failures += !repo_->ApplyBatch(batch, kDay, nullptr).ok();
    }
  };
  std::thread one(run), two(run);
  one.join();
  two.join();
  EXPECT_EQ(failures.load(), 0);
  for (const auto& a : accounts) EXPECT_EQ(Statuses(a), (std::map<int, int>{{1, 3}})) << a;
  auto existing = repo_->Existing(accounts);
  ASSERT_TRUE(existing.ok());
  EXPECT_EQ((*existing)["acc_c7"].size(), 3u);

  ReportRun r{"run_1", kDay, 0, 1, false, 20, 60, ApplyCounts{60, 0, 0}};
  EXPECT_TRUE(repo_->RecordRun(r).ok());
  EXPECT_EQ(repo_->RecordRun(r).code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(HandoffStorageTest, StoredExceptionsKeepEvidenceAndTakeUserActions) {
  Finding f = F(Rule::kDetractor);
  f.evidence = {{"scores", "ann@utility.example=3,bob@utility.example=5"}, {"note", "tab\there; line\nbreak"}};
  f.target_people = {"ann@utility.example", "Bob, Jr."};
  std::vector<StoredException> touched;
  auto applied = repo_->ApplyBatch({{"acc_u", "csm@vendor.example", {f}}}, kDay, &touched);
  ASSERT_TRUE(applied.ok()) << applied.status();
  ASSERT_EQ(touched.size(), 1u);
  auto got = repo_->Get(touched[0].id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->finding.evidence, f.evidence);
  EXPECT_EQ(got->finding.target_people, f.target_people);
  EXPECT_EQ(got->assignee, "csm@vendor.example");
  EXPECT_EQ(got->opened_day, kDay);

  WriteContext ctx{"user:lee", "", absl::Now()};
  auto dismissed = repo_->Update(touched[0].id, "DISMISS", [](StoredException& e) {
    e.status = ExceptionStatus::kDismissed;
    e.status_reason = "known issue";
    e.close_source = CloseSource::kUser;
    return absl::OkStatus();
  }, ctx);
  ASSERT_TRUE(dismissed.ok()) << dismissed.status();
  EXPECT_EQ(dismissed->version, 2);
  // While the condition lasts, the dismissal keeps it quiet.
  auto quiet = Apply("acc_u", {f}, kDay + 1);
  ASSERT_TRUE(quiet.ok());
  EXPECT_EQ(quiet->opened, 0);
  // The condition clears (the dismissal is released), then returns: a new exception opens.
  ASSERT_TRUE(Apply("acc_u", {}, kDay + 2).ok());
  auto back = Apply("acc_u", {f}, kDay + 3);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->opened, 1);
  EXPECT_EQ(Statuses("acc_u"), (std::map<int, int>{{1, 1}, {4, 1}}));

  ExceptionQuery q;
  q.account_id = "acc_u";
  q.status = ExceptionStatus::kOpen;
  auto listed = repo_->List(q);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].opened_day, kDay + 3);
}

}  // namespace
}  // namespace handoff
}  // namespace flywheel
