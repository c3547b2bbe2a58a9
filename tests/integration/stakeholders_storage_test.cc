// The MariaDB stakeholder repository against a private MariaDB: one fresh database per test.
#include "common/db/migrations.h"
#include "common/ids/ids.h"
#include "common/testing/test_mariadb.h"
#include "absl/strings/str_cat.h"
#include "common/db/audit.h"
#include "gtest/gtest.h"
#include "services/stakeholders/storage/mysql_stakeholder_repository.h"

namespace flywheel {
const std::vector<db::Migration>& StakeholdersMigrations();

namespace stakeholders {
namespace {

class StakeholdersStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DatabaseConfig config = testing::TestMariaDb::Shared().NewDatabaseConfig();
    auto applied = db::ApplyMigrations(config, StakeholdersMigrations());
    ASSERT_TRUE(applied.ok()) << applied.status();
    pool_ = std::make_unique<db::ConnectionPool>(config);
    repo_ = std::make_unique<MysqlStakeholderRepository>(*pool_);
  }

  Stakeholder Person(const std::string& name, const std::string& email, Role role) {
    Stakeholder s;
    s.id = ids::NewId("stk");
    s.account_id = "acc_utility";
    s.name = name;
    s.email = email;
    s.role = role;
    s.version = 1;
    s.create_time = s.update_time = absl::Now();
    return s;
  }

  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<MysqlStakeholderRepository> repo_;
  WriteContext ctx_{"tester", "", absl::Now()};
};

TEST_F(StakeholdersStorageTest, EmailIsUniquePerAccountAmongLiveStakeholders) {
  Stakeholder a = Person("Olivia", "olivia@utility.example", Role::kOwner);
  ASSERT_TRUE(repo_->Create(a, ctx_, std::nullopt).ok());
  Stakeholder twin = Person("Olivia Again", "OLIVIA@utility.example", Role::kChampion);
  EXPECT_EQ(repo_->Create(twin, ctx_, std::nullopt).status().code(), absl::StatusCode::kAlreadyExists);
  Stakeholder elsewhere = twin;
  elsewhere.account_id = "acc_other";
  elsewhere.id = ids::NewId("stk");
  EXPECT_TRUE(repo_->Create(elsewhere, ctx_, std::nullopt).ok());
  // Deleting frees the address.
  ASSERT_TRUE(repo_->Update(a.id, [&](Stakeholder& s) {
    s.delete_time = absl::Now();
    return absl::OkStatus();
  }, "DELETE", ctx_).ok());
  EXPECT_TRUE(repo_->Create(twin, ctx_, std::nullopt).ok());
  auto live = repo_->LiveByAccount({"acc_utility"});
  ASSERT_TRUE(live.ok());
  EXPECT_EQ((*live)["acc_utility"].size(), 1u);
}

TEST_F(StakeholdersStorageTest, UpsertByExternalIdAndBulkWithFailures) {
  UpsertInput in;
  in.source = "salesforce";
  in.external_id = "003A";
  in.fields = Person("Chris", "chris@utility.example", Role::kChampion);
  auto created = repo_->Upsert(in, ctx_);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->outcome, UpsertOutcome::kCreated);
  EXPECT_EQ(repo_->Upsert(in, ctx_)->outcome, UpsertOutcome::kUnchanged);
  in.fields.engagement = Engagement::kAdvocate;
  auto updated = repo_->Upsert(in, ctx_);
  EXPECT_EQ(updated->outcome, UpsertOutcome::kUpdated);
  EXPECT_EQ(updated->stakeholder.version, 2);

  std::vector<UpsertInput> bulk;
  for (int i = 0; i < 30; ++i) {
    UpsertInput b;
    b.source = "salesforce";
    b.external_id = "bulk-" + std::to_string(i);
    b.fields = Person("Agent " + std::to_string(i), "agent" + std::to_string(i) + "@utility.example", Role::kProducer);
    if (i == 5) b.fields.email = "chris@utility.example";  // taken by the Champion
    bulk.push_back(b);
  }
  auto dry = repo_->BulkUpsert(bulk, true, ctx_);
  ASSERT_TRUE(dry.ok());
  EXPECT_FALSE((*dry)[5].ok());
  EXPECT_EQ((*repo_->LiveByAccount({"acc_utility"}))["acc_utility"].size(), 1u);
  auto real = repo_->BulkUpsert(bulk, false, ctx_);
  ASSERT_TRUE(real.ok());
  EXPECT_EQ((*real)[5].status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ((*repo_->LiveByAccount({"acc_utility"}))["acc_utility"].size(), 30u);
}

TEST_F(StakeholdersStorageTest, RaciMatrixAndInitiativesRoundTrip) {
  Stakeholder owner = Person("Olivia", "olivia@utility.example", Role::kOwner);
  ASSERT_TRUE(repo_->Create(owner, ctx_, std::nullopt).ok());
  RaciActivity act{"act_1", "acc_utility", "Quarterly business review", "agree the value plan"};
  ASSERT_TRUE(repo_->CreateActivity(act, ctx_).ok());
  ASSERT_TRUE(
      repo_->SetAssignments(act, {{owner.id, RaciLetter::kAccountable}, {owner.id, RaciLetter::kResponsible}}, ctx_).ok());
  auto matrix = repo_->Matrix("acc_utility");
  ASSERT_TRUE(matrix.ok());
  ASSERT_EQ(matrix->size(), 1u);
  EXPECT_EQ((*matrix)[0].assignments.size(), 2u);

  ChangeInitiative c;
  c.id = "chg_1";
  c.account_id = "acc_utility";
  c.owner_stakeholder_id = owner.id;
  c.title = "More aggressive automation rules";
  c.needs_training = true;
  c.impacts = {{owner.id, std::nullopt, Impact::kPositive}, {"", Role::kProducer, Impact::kNegative}};
  c.follow_ups = {{FollowUpKind::kTrainingContent, Role::kEnabler, "", "modules"}};
  c.create_time = c.update_time = absl::Now();
  ASSERT_TRUE(repo_->CreateInitiative(c, ctx_, std::nullopt).ok());
  auto got = repo_->GetInitiative("chg_1");
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->impacts.size(), 2u);
  EXPECT_EQ(got->impacts[1].role, Role::kProducer);
  EXPECT_EQ(got->follow_ups.at(0).kind, FollowUpKind::kTrainingContent);
  auto advanced = repo_->UpdateInitiative("chg_1", [](ChangeInitiative& x) {
    x.stage = AdkarStage::kDesire;
    return absl::OkStatus();
  }, ctx_);
  ASSERT_TRUE(advanced.ok());
  EXPECT_EQ(repo_->GetInitiative("chg_1")->stage, AdkarStage::kDesire);

  // Every write above is in the account's audit trail, in order, with who made it.
  auto trail = db::ListAudit(*pool_, {"", "acc_utility", 0, 50});
  ASSERT_TRUE(trail.ok()) << trail.status();
  std::vector<std::string> done;
  for (const auto& row : *trail) {
    done.push_back(absl::StrCat(row.resource_id, " ", row.entry.action));
    EXPECT_EQ(row.entry.principal, "tester");
  }
  EXPECT_EQ(done, (std::vector<std::string>{absl::StrCat(owner.id, " CREATE"), "act_1 CREATE", "act_1 SET_ASSIGNMENTS",
                                            "chg_1 CREATE", "chg_1 UPDATE"}));
  auto one = db::ListAudit(*pool_, {"act_1", "", 0, 50});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 2u);
}

}  // namespace
}  // namespace stakeholders
}  // namespace flywheel
