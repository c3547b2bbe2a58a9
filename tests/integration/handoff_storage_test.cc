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

  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<MysqlExceptionRepository> repo_;
};

TEST_F(HandoffStorageTest, RerunsUpdateAndClearedConditionsResolveByRule) {
  auto first = repo_->Apply("acc_a", {F(Rule::kRoleGap), F(Rule::kMilestoneOverdue, "routing")}, kDay);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->opened, 2);
  auto again = repo_->Apply("acc_a", {F(Rule::kRoleGap, "", "2"), F(Rule::kMilestoneOverdue, "routing")}, kDay + 1);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->opened, 0);
  EXPECT_EQ(again->updated, 2);
  auto cleared = repo_->Apply("acc_a", {F(Rule::kRoleGap)}, kDay + 2);
  ASSERT_TRUE(cleared.ok());
  EXPECT_EQ(cleared->resolved, 1);
  EXPECT_EQ(Statuses("acc_a"), (std::map<int, int>{{1, 1}, {3, 1}}));
}

TEST_F(HandoffStorageTest, SnoozesHoldUntilTheirDay) {
  ASSERT_TRUE(repo_->Apply("acc_s", {F(Rule::kDetractor)}, kDay).ok());
  SetStatus("acc_s", 5, kDay + 5);
  auto quiet = repo_->Apply("acc_s", {F(Rule::kDetractor)}, kDay + 1);
  ASSERT_TRUE(quiet.ok());
  EXPECT_EQ(quiet->opened + quiet->updated + quiet->resolved, 0);
  EXPECT_EQ(Statuses("acc_s"), (std::map<int, int>{{5, 1}}));
  auto back = repo_->Apply("acc_s", {F(Rule::kDetractor)}, kDay + 5);
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
    for (const auto& a : accounts) failures += !repo_->Apply(a, findings, kDay).ok();
  };
  std::thread one(run), two(run);
  one.join();
  two.join();
  EXPECT_EQ(failures.load(), 0);
  for (const auto& a : accounts) EXPECT_EQ(Statuses(a), (std::map<int, int>{{1, 3}})) << a;
  auto existing = repo_->Existing(accounts);
  ASSERT_TRUE(existing.ok());
  EXPECT_EQ((*existing)["acc_c7"].size(), 3u);

  ReportRun r{"run_1", kDay, 0, 1, false, 20, ApplyCounts{60, 0, 0}, 0.5};
  EXPECT_TRUE(repo_->RecordRun(r).ok());
  EXPECT_EQ(repo_->RecordRun(r).code(), absl::StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace handoff
}  // namespace flywheel
