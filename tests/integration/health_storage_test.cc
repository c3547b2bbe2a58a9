// The MariaDB health repository against a private MariaDB: one fresh database per test.
#include <atomic>
#include <future>
#include <set>

#include "common/db/migrations.h"
#include "common/testing/overtaking_pieces.h"
#include "common/testing/test_mariadb.h"
#include "common/db/audit.h"
#include "gtest/gtest.h"
#include "services/health/storage/mysql_health_repository.h"

namespace flywheel {
const std::vector<db::Migration>& HealthMigrations();

namespace health {
namespace {

const absl::CivilDay kDay(2026, 5, 26);

class HealthStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DatabaseConfig config = testing::TestMariaDb::Shared().NewDatabaseConfig();
    auto applied = db::ApplyMigrations(config, HealthMigrations());
    ASSERT_TRUE(applied.ok()) << applied.status();
    pool_ = std::make_unique<db::ConnectionPool>(config);
    repo_ = std::make_unique<MysqlHealthRepository>(*pool_);
    ASSERT_TRUE(repo_->EnsureDefaultScorecard(DefaultScorecard()).ok());
  }

  StoredScore Score(const std::string& id, absl::CivilDay day, Band band, std::optional<double> overall) {
    StoredScore s;
    s.account_id = id;
    s.as_of = day;
    s.band = band;
    s.quadrant = band == Band::kUnknown ? Quadrant::kUnknown : Quadrant::kThriving;
    s.overall = overall;
    s.account_name = id;
    s.csm_owner = "casey";
    s.arr = Money{"GBP", 100};
    s.detail = std::string("\x01\x00\x02", 3);
    return s;
  }

  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<MysqlHealthRepository> repo_;
};

TEST_F(HealthStorageTest, UsageReplacesByKeyAndScoringWindowsAreCut) {
  std::vector<UsageReading> feed = {{"acc_a", kDay - 1, "active_users_28d", 10, "t"},
                                    {"acc_a", kDay - 40, "use_case.reporting", 1, "t"},
                                    {"acc_a", kDay - 2, "logins", 7, "t"},
                                    {"acc_b", kDay - 1, "use_case.routing", 3, "t"}};
  ASSERT_EQ(*repo_->RecordUsage(feed), 4);
  feed[0].value = 12;  // a re-sent, corrected reading replaces the first
  ASSERT_TRUE(repo_->RecordUsage({feed[0]}).ok());
  auto all = repo_->ListSignals("acc_a", SignalFilter::kUsage, "", kDay - 100, kDay);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->usage.size(), 3u);
  auto loaded = repo_->LoadScoringSignals({"acc_a", "acc_b"}, kDay);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ((*loaded)["acc_a"].usage.size(), 1u);  // logins are not scored; use case too old
  EXPECT_EQ((*loaded)["acc_a"].usage[0].value, 12);
  EXPECT_EQ((*loaded)["acc_b"].usage.size(), 1u);
}

// A large feed is written as pieces, cut between accounts: with the first piece running last,
// every reading still lands once and a key given twice keeps the value given last. Four
// accounts of 601 readings, so that a cut at a third of the feed falls inside the second one.
TEST_F(HealthStorageTest, ALargeFeedIsWrittenInPiecesThatKeepEachAccountsOrder) {
  std::atomic<int> pieces_runs{0};
  MysqlHealthRepository repo(*pool_, testing::OvertakingPieces(pieces_runs));
  const std::vector<std::string> accounts = {"acc_p1", "acc_p2", "acc_p3", "acc_p4"};
  std::vector<UsageReading> feed;
  for (int d = 0; d < 200; ++d) {
    for (const auto& account : accounts) {
      for (const char* metric : {"logins", "active_users_28d", "use_case.reporting"}) {
        feed.push_back({account, kDay - d, metric, static_cast<double>(d), "t"});
      }
    }
  }
  for (const auto& account : accounts) feed.push_back({account, kDay, "logins", 777, "t"});  // replaces day 0
  auto written = repo.RecordUsage(feed);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(*written, 2404);
  EXPECT_EQ(pieces_runs.load(), 1);
  for (const auto& account : accounts) {
    auto stored = repo.ListSignals(account, SignalFilter::kUsage, "logins", kDay - 300, kDay + 1);
    ASSERT_TRUE(stored.ok()) << stored.status();
    ASSERT_EQ(stored->usage.size(), 200u) << account;
    for (const auto& reading : stored->usage) {
      double expected = reading.day == kDay ? 777 : static_cast<double>(kDay - reading.day);
      EXPECT_EQ(reading.value, expected) << account << " " << reading.day;
    }
  }
  // A small feed is one transaction, not pieces.
  ASSERT_TRUE(repo.RecordUsage({{"acc_p1", kDay, "logins", 5, "t"}}).ok());
  EXPECT_EQ(pieces_runs.load(), 1);
}

TEST_F(HealthStorageTest, SurveysAndValuesAreIdempotentOnTheCallersId) {
  SurveyResponse r{"acc_a", "resp-1", SurveyKind::kNps, 9, "owner@x", "great", "email", absl::Now()};
  ASSERT_TRUE(repo_->RecordSurvey(r).ok());
  SurveyResponse changed = r;
  changed.score = 2;
  auto again = repo_->RecordSurvey(changed);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->score, 9);  // the first one stands
  ValueRecord v{"acc_a", "val-1", Money{"GBP", 500}, kDay, "savings"};
  ASSERT_TRUE(repo_->RecordValue(v).ok());
  ASSERT_TRUE(repo_->RecordValue(v).ok());
  auto values = repo_->ListSignals("acc_a", SignalFilter::kValue, "", kDay - 1, kDay);
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(values->values.size(), 1u);
}

TEST_F(HealthStorageTest, ScorecardsAreVersionedAndAssigned) {
  auto def = repo_->GetScorecard(kDefaultScorecardId);
  ASSERT_TRUE(def.ok());
  EXPECT_EQ(def->weights.presence, 40);
  Scorecard custom = DefaultScorecard();
  custom.id = "sc_custom";
  custom.key_use_cases = {"reporting", "routing"};
  const WriteContext writer{"ops@vendor.example", "", absl::Now()};
  ASSERT_TRUE(repo_->CreateScorecard(custom, writer, std::nullopt).ok());
  EXPECT_EQ(repo_->CreateScorecard(custom, writer, std::nullopt).status().code(), absl::StatusCode::kAlreadyExists);
  auto updated = repo_->UpdateScorecard("sc_custom", [](Scorecard& s) {
    s.red_max = 40;
    return absl::OkStatus();
  }, writer);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(repo_->GetScorecard("sc_custom")->key_use_cases, custom.key_use_cases);
  ASSERT_TRUE(repo_->AssignScorecard("acc_a", "sc_custom", writer).ok());
  EXPECT_EQ((*repo_->Assignments({"acc_a", "acc_b"})), (std::map<std::string, std::string>{{"acc_a", "sc_custom"}}));
  ASSERT_TRUE(repo_->AssignScorecard("acc_a", kDefaultScorecardId, writer).ok());
  EXPECT_TRUE(repo_->Assignments({"acc_a"})->empty());

  // Overrides, set and cleared, keep who set them and whom they acted for.
  Override o{90, "exec escalation", "ops@vendor.example", absl::Now() + absl::Hours(24), absl::Now(), "vp.cs@vendor.example"};
  ASSERT_TRUE(repo_->SetOverride("acc_a", o, writer).ok());
  EXPECT_EQ((*repo_->Overrides({"acc_a"}))["acc_a"].on_behalf_of, "vp.cs@vendor.example");
  ASSERT_TRUE(*repo_->ClearOverride("acc_a", writer));
  EXPECT_FALSE(*repo_->ClearOverride("acc_a", writer));  // nothing to clear: no entry

  // Each write left one entry in the same transaction (the refused duplicate create none).
  auto scorecard_trail = db::ListAudit(*pool_, {"sc_custom", "", 0, 50});
  ASSERT_TRUE(scorecard_trail.ok()) << scorecard_trail.status();
  ASSERT_EQ(scorecard_trail->size(), 2u);
  EXPECT_EQ((*scorecard_trail)[0].entry.action, "CREATE");
  EXPECT_EQ((*scorecard_trail)[1].entry.action, "UPDATE");
  auto account_trail = db::ListAudit(*pool_, {"", "acc_a", 0, 50});
  ASSERT_TRUE(account_trail.ok());
  std::vector<std::string> actions;
  for (const auto& row : *account_trail) {
    actions.push_back(row.entry.action);
    EXPECT_EQ(row.entry.principal, "ops@vendor.example");
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"ASSIGN_SCORECARD", "ASSIGN_SCORECARD", "SET_OVERRIDE", "CLEAR_OVERRIDE"}));
}

TEST_F(HealthStorageTest, StoringScoresKeepsLatestHistoryAndRecordsChangesOnce) {
  ASSERT_EQ(*repo_->StoreScores({Score("acc_a", kDay, Band::kGreen, 80), Score("acc_b", kDay, Band::kUnknown, std::nullopt)}), 1);
  EXPECT_EQ(*repo_->StoreScores({Score("acc_a", kDay, Band::kGreen, 80)}), 0);  // a re-run changes nothing
  EXPECT_EQ(*repo_->StoreScores({Score("acc_a", kDay + 1, Band::kRed, 30)}), 1);
  EXPECT_EQ(*repo_->StoreScores({Score("acc_a", kDay - 5, Band::kAmber, 60)}), 0);  // an older day: history only

  auto latest = repo_->ListLatest({});
  ASSERT_TRUE(latest.ok());
  ASSERT_EQ(latest->size(), 2u);
  EXPECT_EQ((*latest)[0].band, Band::kRed);
  EXPECT_FALSE((*latest)[1].overall.has_value());
  auto history = repo_->History("acc_a", kDay - 10, kDay + 10);
  ASSERT_EQ(history->size(), 3u);
  auto stored = repo_->GetScores({"acc_a"}, kDay);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].detail, std::string("\x01\x00\x02", 3));
  // Several ids (one padded IN list): each stored score once, none for an id without one or for another day.
  auto several = repo_->GetScores({"acc_b", "acc_none", "acc_a"}, kDay);
  ASSERT_TRUE(several.ok());
  std::vector<std::string> ids;
  for (const auto& s : *several) ids.push_back(s.account_id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"acc_a", "acc_b"}));
  EXPECT_TRUE(repo_->GetScores({"acc_a", "acc_b"}, kDay - 365)->empty());
  auto changes = repo_->ChangesAfter(0, 10, absl::Now());
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[1].previous_band, Band::kGreen);
  EXPECT_EQ((*changes)[1].band, Band::kRed);
  EXPECT_EQ((*changes)[1].cause, ScoreCause::kRescore);
  EXPECT_EQ(*repo_->LastChangeSequence(), (*changes)[1].sequence);
  EXPECT_EQ(repo_->ChangesAfter((*changes)[0].sequence, 10, absl::Now())->size(), 1u);
  // Live rescoring records every account rescored, its band moved or not (counting only moves).
  EXPECT_EQ(*repo_->StoreScores({Score("acc_a", kDay + 1, Band::kRed, 32)}, ScoreCause::kSignal), 0);
  auto live = repo_->ChangesAfter((*changes)[1].sequence, 10, absl::Now());
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ((*live)[0].cause, ScoreCause::kSignal);
  EXPECT_EQ((*live)[0].previous_band, Band::kRed);
  EXPECT_EQ((*live)[0].band, Band::kRed);
  EXPECT_EQ((*live)[0].overall, 32);
  EXPECT_EQ((*repo_->OverallOn({"acc_a"}, kDay))["acc_a"], 80);
}

// Live health: writes that change a score's inputs mark the account; two claimers at once take
// disjoint marks (SKIP LOCKED); a failed claim keeps its marks, a successful one removes them.
TEST_F(HealthStorageTest, InputWritesMarkAccountsAndClaimsTakeEachMarkOnce) {
  ASSERT_TRUE(repo_->RecordUsage({{"acc_a", kDay, "active_users_28d", 10, "t"}, {"acc_b", kDay, "logins", 1, "t"}}).ok());
  ASSERT_TRUE(repo_->RecordSurvey({"acc_c", "r1", SurveyKind::kNps, 3, "x@y.example", "", "email", absl::Now()}).ok());
  WriteContext write{"ops", "", absl::Now()};
  ASSERT_TRUE(repo_->SetOverride("acc_d", {50, "why", "ops", absl::Now() + absl::Hours(1), absl::Now(), ""}, write).ok());
  ASSERT_TRUE(repo_->MarkAccounts({"acc_e", "acc_a"}).ok());

  std::set<std::string> failed_claim;
  absl::Status failed = repo_->ClaimMarks(10, [&](const std::vector<std::string>& ids) {
    failed_claim.insert(ids.begin(), ids.end());
    return absl::UnavailableError("scoring failed");
  });
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(failed_claim, (std::set<std::string>{"acc_a", "acc_b", "acc_c", "acc_d", "acc_e"}));

  // The first claimer holds its three marks while the second claims: it gets the other two.
  std::promise<void> first_holds, second_done;
  std::vector<std::string> first, second;
  auto holder = std::async(std::launch::async, [&] {
    return repo_->ClaimMarks(3, [&](const std::vector<std::string>& ids) {
      first = ids;
      first_holds.set_value();
      second_done.get_future().wait();
      return absl::OkStatus();
    });
  });
  first_holds.get_future().wait();
  ASSERT_TRUE(repo_->ClaimMarks(10, [&](const std::vector<std::string>& ids) {
    second = ids;
    return absl::OkStatus();
  }).ok());
  second_done.set_value();
  ASSERT_TRUE(holder.get().ok());
  EXPECT_EQ(first.size(), 3u);
  EXPECT_EQ(second.size(), 2u);
  std::set<std::string> all(first.begin(), first.end());
  all.insert(second.begin(), second.end());
  EXPECT_EQ(all.size(), 5u);
  std::vector<std::string> left;
  ASSERT_TRUE(repo_->ClaimMarks(10, [&](const std::vector<std::string>& ids) {
    left = ids;
    return absl::OkStatus();
  }).ok());
  EXPECT_TRUE(left.empty());

  // acc_d's override expires: the expiry marks the account, once; a new override starts over.
  auto claim_all = [&] {
    std::vector<std::string> ids;
    EXPECT_TRUE(repo_->ClaimMarks(10, [&](const std::vector<std::string>& claimed) {
      ids = claimed;
      return absl::OkStatus();
    }).ok());
    return ids;
  };
  absl::Status expired = repo_->MarkExpiredOverrides(absl::Now());
  ASSERT_TRUE(expired.ok()) << expired;
  EXPECT_TRUE(claim_all().empty());  // not expired yet
  ASSERT_TRUE(repo_->MarkExpiredOverrides(absl::Now() + absl::Hours(2)).ok());
  EXPECT_EQ(claim_all(), std::vector<std::string>{"acc_d"});
  ASSERT_TRUE(repo_->MarkExpiredOverrides(absl::Now() + absl::Hours(3)).ok());
  EXPECT_TRUE(claim_all().empty());  // each expiry once
  ASSERT_TRUE(repo_->SetOverride("acc_d", {60, "again", "ops", absl::Now() + absl::Hours(1), absl::Now(), ""}, write).ok());
  EXPECT_EQ(claim_all(), std::vector<std::string>{"acc_d"});  // the new override itself
  ASSERT_TRUE(repo_->MarkExpiredOverrides(absl::Now() + absl::Hours(2)).ok());
  EXPECT_EQ(claim_all(), std::vector<std::string>{"acc_d"});
}

}  // namespace
}  // namespace health
}  // namespace flywheel
