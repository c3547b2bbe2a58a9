// Live health against a private MariaDB: a usage reading marks its account, and the live
// rescorer stores the account's score (and its first band change) within seconds, without
// anyone calling RescorePortfolio. The accounts service is answered in-process.
#include <map>

#include "common/clock/clock.h"
#include "common/db/migrations.h"
#include "common/ids/ids.h"
#include "common/testing/test_mariadb.h"
#include "gtest/gtest.h"
#include "tests/unit/health_accounts_fake.h"
#include "common/concurrency/polling_worker.h"
#include "services/health/storage/mysql_health_repository.h"

namespace flywheel {
const std::vector<db::Migration>& HealthMigrations();

namespace health {
namespace {

TEST(LiveRescore, AReadingBecomesAStoredScoreWithinSeconds) {
  DatabaseConfig config = testing::TestMariaDb::Shared().NewDatabaseConfig();
  ASSERT_TRUE(db::ApplyMigrations(config, HealthMigrations()).ok());
  db::ConnectionPool pool(config);
  MysqlHealthRepository repo(pool);
  ASSERT_TRUE(repo.EnsureDefaultScorecard(DefaultScorecard()).ok());
  MemoryAccounts accounts;
  const std::string live_id = ids::NewId("acc"), quiet_id = ids::NewId("acc");
  for (const std::string& id : {live_id, quiet_id}) {
    AccountFacts f;
    f.id = id;
    f.name = id;
    f.licensed_seats = 10;
    accounts.live[id] = f;
  }
  HealthUseCases use_cases(repo, accounts, Clock::Real(),
                           [](const ScoredAccount& s, absl::Time) { return "detail of " + s.facts.id; });
  PollingWorker rescorer(
      "live rescore",
      [&]() -> absl::StatusOr<bool> {
        auto scored = use_cases.RescoreMarked(50);
        if (!scored.ok()) return scored.status();
        return *scored > 0;
      },
      {absl::Milliseconds(50), absl::Milliseconds(200)});
  auto today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  auto last = repo.LastChangeSequence();
  ASSERT_TRUE(last.ok());

  absl::Time written = absl::Now();
  auto recorded = use_cases.RecordUsage({{{live_id, today, "active_users_28d", 9, "feed"}, {}}}, 0);
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  std::vector<StoredScore> latest;
  while (absl::Now() - written < absl::Seconds(10)) {
    LatestFilter all;
    auto rows = repo.ListLatest(all);
    ASSERT_TRUE(rows.ok()) << rows.status();
    latest = *rows;
    if (!latest.empty()) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(latest.size(), 1u) << "no score stored within 10 s";
  EXPECT_EQ(latest[0].account_id, live_id);  // the unmarked account was not rescored
  EXPECT_EQ(latest[0].as_of, today);
  auto stored = repo.GetScores({live_id, quiet_id}, today);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].detail, "detail of " + live_id);
  auto changes = repo.ChangesAfter(*last, 10, absl::Now());
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].account_id, live_id);
  EXPECT_EQ((*changes)[0].cause, ScoreCause::kSignal);
}

}  // namespace
}  // namespace health
}  // namespace flywheel
