// The MariaDB account repository against a private MariaDB: one fresh database per test.
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <atomic>
#include <set>

#include "common/db/connection_pool.h"
#include "common/db/migrations.h"
#include "common/ids/ids.h"
#include "common/status/errors.h"
#include "common/testing/overtaking_pieces.h"
#include "common/testing/test_mariadb.h"
#include "gtest/gtest.h"
#include "services/accounts/storage/mysql_account_repository.h"

namespace flywheel {
const std::vector<db::Migration>& AccountsMigrations();

namespace accounts {
namespace {

const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 5, 26, 9, 0, 0), absl::UTCTimeZone());

class AccountsStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = testing::TestMariaDb::Shared().NewDatabaseConfig();
    auto applied = db::ApplyMigrations(config_, AccountsMigrations());
    ASSERT_TRUE(applied.ok()) << applied.status();
    ASSERT_EQ(*applied, static_cast<int>(AccountsMigrations().size()));
    pool_ = std::make_unique<db::ConnectionPool>(config_);
    repo_ = std::make_unique<MysqlAccountRepository>(*pool_);
  }

  Account NewAccount(const std::string& name, const std::string& parent = "") {
    Account a;
    a.id = ids::NewId("acc");
    a.name = name;
    a.parent_id = parent;
    a.arr = Money{"GBP", 1000};
    a.licensed_seats = 10;
    a.version = 1;
    a.create_time = a.update_time = kNow;
    return a;
  }

  Account MustCreate(const std::string& name, const std::string& parent = "") {
    Account a = NewAccount(name, parent);
    auto r = repo_->Create(a, ctx_, std::nullopt);
    EXPECT_TRUE(r.ok()) << r.status();
    return a;
  }

  int64_t CountRows(const std::string& table) {
    int64_t n = -1;
    EXPECT_TRUE(db::RunOnConnection(*pool_, [&](db::Connection& c) {
      std::unique_ptr<sql::ResultSet> rs(c.Prepare("SELECT COUNT(*) FROM " + table).executeQuery());
      rs->next();
      n = rs->getInt64(1);
      return absl::OkStatus();
    }).ok());
    return n;
  }

  DatabaseConfig config_;
  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<MysqlAccountRepository> repo_;
  WriteContext ctx_{"tester", "", kNow};
};

TEST_F(AccountsStorageTest, MigrationsApplyOnceAndAreRecorded) {
  auto again = db::ApplyMigrations(config_, AccountsMigrations());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(CountRows("schema_migrations"), static_cast<int64_t>(AccountsMigrations().size()));
}

TEST_F(AccountsStorageTest, CreateThenGetReturnsEveryField) {
  Account a = NewAccount("Northern Utility");
  a.external_ids = {{"salesforce", "001A"}, {"hubspot", "77"}};
  a.labels = {{"tier", "enterprise"}};
  a.contract_start = absl::CivilDay(2026, 1, 1);
  a.renewal_date = absl::CivilDay(1969, 12, 31);  // before 1970 too
  a.value_target = ValueTarget{Money{"GBP", 100000000}, "cost reduction"};
  a.lifecycle_stage = LifecycleStage::kAdoption;
  ASSERT_TRUE(repo_->Create(a, ctx_, std::nullopt).ok());
  auto got = repo_->Get(a.id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(ChangedFields(a, *got).empty());
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->create_time, kNow);
  EXPECT_EQ(repo_->Get("acc_missing").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(AccountsStorageTest, IdempotentCreateStoresTheFirstResponse) {
  Account a = NewAccount("A");
  IdempotencyRecord record{"req-1", "fp-1", "first response"};
  auto first = repo_->Create(a, ctx_, record);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->replayed);
  Account b = NewAccount("A");  // a retry gets a fresh id from the caller
  auto replay = repo_->Create(b, ctx_, record);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(replay->replayed_response, "first response");
  EXPECT_EQ(CountRows("accounts"), 1);
  auto reused = repo_->Create(NewAccount("B"), ctx_, IdempotencyRecord{"req-1", "fp-2", "x"});
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CountRows("accounts"), 1);
}

TEST_F(AccountsStorageTest, ExternalIdBelongsToOneAccount) {
  Account a = NewAccount("A");
  a.external_ids["salesforce"] = "001";
  ASSERT_TRUE(repo_->Create(a, ctx_, std::nullopt).ok());
  Account b = NewAccount("B");
  b.external_ids["salesforce"] = "001";
  EXPECT_EQ(repo_->Create(b, ctx_, std::nullopt).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(CountRows("accounts"), 1);
}

TEST_F(AccountsStorageTest, UpdateBumpsVersionAndAuditsChangedFields) {
  Account a = MustCreate("A");
  WriteContext later{"editor@example.com", "", kNow + absl::Hours(1)};
  auto updated = repo_->Update(a.id, [](Account& x) {
    x.name = "A2";
    x.licensed_seats = 99;
    return absl::OkStatus();
  }, "UPDATE", later);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->update_time, later.now);
  // A no-op write writes nothing.
  auto same = repo_->Update(a.id, [](Account&) { return absl::OkStatus(); }, "UPDATE", later);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->version, 2);
  auto history = repo_->ListHistory(a.id, 0, 10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].action, "CREATE");
  EXPECT_EQ((*history)[1].action, "UPDATE");
  EXPECT_EQ((*history)[1].principal, "editor@example.com");
  EXPECT_EQ((*history)[1].changed_fields, (std::vector<std::string>{"name", "licensed_seats"}));
}

TEST_F(AccountsStorageTest, FailedMutationChangesNothing) {
  Account a = MustCreate("A");
  auto r = repo_->Update(a.id, [](Account& x) {
    x.name = "changed";
    return absl::FailedPreconditionError("no");
  }, "UPDATE", ctx_);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(repo_->Get(a.id)->name, "A");
  EXPECT_EQ(CountRows("account_audit"), 1);
}

TEST_F(AccountsStorageTest, ParentCycleIsRejectedInTheTransaction) {
  Account root = MustCreate("Root");
  Account child = MustCreate("Child", root.id);
  auto r = repo_->Update(root.id, [&](Account& x) {
    x.parent_id = child.id;
    return absl::OkStatus();
  }, "UPDATE", ctx_);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetFieldViolations(r.status()).at(0).field, "parent_id");
  EXPECT_TRUE(repo_->Get(root.id)->parent_id.empty());
  Account orphan = NewAccount("Orphan", "acc_doesnotexist");
  EXPECT_EQ(repo_->Create(orphan, ctx_, std::nullopt).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(AccountsStorageTest, SubtreeSkipsDeletedAccounts) {
  Account root = MustCreate("Root");
  Account a = MustCreate("A", root.id);
  MustCreate("A1", a.id);
  Account b = MustCreate("B", root.id);
  ASSERT_TRUE(repo_->Update(b.id, [&](Account& x) {
    x.delete_time = kNow;
    return absl::OkStatus();
  }, "DELETE", ctx_).ok());
  auto tree = repo_->GetSubtree(root.id);
  ASSERT_TRUE(tree.ok());
  std::set<std::string> names;
  for (const auto& x : *tree) names.insert(x.name);
  EXPECT_EQ(names, (std::set<std::string>{"Root", "A", "A1"}));
  EXPECT_EQ(repo_->GetSubtree(b.id).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(AccountsStorageTest, UpsertCreatesUpdatesAndLeavesUnchangedAlone) {
  UpsertInput in;
  in.source = "salesforce";
  in.external_id = "001X";
  in.fields = NewAccount("Utility");
  auto created = repo_->Upsert(in, ctx_);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->outcome, UpsertOutcome::kCreated);
  EXPECT_EQ(created->account.external_ids.at("salesforce"), "001X");

  auto unchanged = repo_->Upsert(in, ctx_);
  ASSERT_TRUE(unchanged.ok());
  EXPECT_EQ(unchanged->outcome, UpsertOutcome::kUnchanged);
  EXPECT_EQ(unchanged->account.version, 1);

  in.fields.licensed_seats = 500;
  in.paths = {"licensed_seats"};
  auto updated = repo_->Upsert(in, ctx_);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->outcome, UpsertOutcome::kUpdated);
  EXPECT_EQ(updated->account.id, created->account.id);
  EXPECT_EQ(updated->account.licensed_seats, 500);
  EXPECT_EQ(updated->account.version, 2);
  EXPECT_EQ(CountRows("account_audit"), 2);  // create and update, not the unchanged one
}

TEST_F(AccountsStorageTest, BulkUpsertKeepsGoodRecordsWhenOneFailsAndDryRunWritesNothing) {
  std::vector<UpsertInput> inputs;
  for (int i = 0; i < 1200; ++i) {
    UpsertInput in;
    in.source = "crm";
    in.external_id = "ext-" + std::to_string(i);
    in.fields = NewAccount("Bulk " + std::to_string(i));
    if (i == 7) in.fields.parent_id = "acc_doesnotexist";  // fails in the database
    inputs.push_back(in);
  }
  auto dry = repo_->BulkUpsert(inputs, /*dry_run=*/true, ctx_);
  ASSERT_TRUE(dry.ok()) << dry.status();
  ASSERT_EQ(dry->size(), 1200u);
  EXPECT_EQ((*dry)[0]->outcome, UpsertOutcome::kCreated);
  EXPECT_FALSE((*dry)[7].ok());
  EXPECT_EQ(CountRows("accounts"), 0);

  auto real = repo_->BulkUpsert(inputs, /*dry_run=*/false, ctx_);
  ASSERT_TRUE(real.ok()) << real.status();
  int ok = 0;
  for (const auto& r : *real) ok += r.ok();
  EXPECT_EQ(ok, 1199);
  EXPECT_EQ(CountRows("accounts"), 1199);
  EXPECT_EQ(CountRows("account_external_ids"), 1199);
}

TEST_F(AccountsStorageTest, BulkUpsertBatchMixesCreatesUpdatesUnchangedAndConflicts) {
  auto input = [&](const std::string& key, const std::string& name) {
    UpsertInput in;
    in.source = "crm";
    in.external_id = key;
    in.fields = NewAccount(name);
    return in;
  };
  UpsertInput p = input("p", "P");
  p.fields.labels = {{"tier", "gold"}, {"region", "north"}};
  UpsertInput q = input("q", "Q");
  q.fields.external_ids = {{"hubspot", "H1"}};
  auto p0 = repo_->Upsert(p, ctx_);
  auto q0 = repo_->Upsert(q, ctx_);
  ASSERT_TRUE(p0.ok() && q0.ok());

  UpsertInput p_update = p;
  p_update.fields.name = "P renamed";
  p_update.fields.labels = {{"tier", "silver"}};
  UpsertInput taken = input("n2", "N2");
  taken.fields.external_ids = {{"hubspot", "H1"}};  // held by Q
  std::vector<UpsertInput> batch{p_update, input("n1", "N1"), taken, q};
  auto r = repo_->BulkUpsert(batch, /*dry_run=*/false, ctx_);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 4u);
  ASSERT_TRUE((*r)[0].ok());
  EXPECT_EQ((*r)[0]->outcome, UpsertOutcome::kUpdated);
  EXPECT_EQ((*r)[0]->account.version, 2);
  ASSERT_TRUE((*r)[1].ok());
  EXPECT_EQ((*r)[1]->outcome, UpsertOutcome::kCreated);
  EXPECT_EQ((*r)[2].status().code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE((*r)[3].ok());
  EXPECT_EQ((*r)[3]->outcome, UpsertOutcome::kUnchanged);

  auto p1 = repo_->Get(p0->account.id);
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(p1->name, "P renamed");
  EXPECT_EQ(p1->labels, (std::map<std::string, std::string>{{"tier", "silver"}}));
  EXPECT_EQ(p1->external_ids, (std::map<std::string, std::string>{{"crm", "p"}}));
  EXPECT_EQ(CountRows("accounts"), 3);             // P, Q, N1
  EXPECT_EQ(CountRows("account_labels"), 1);       // P's replaced labels
  EXPECT_EQ(CountRows("account_external_ids"), 4); // crm/p, crm/q, hubspot/H1, crm/n1
  EXPECT_EQ(CountRows("account_audit"), 4);        // P, Q, P's update, N1

  // The same key twice in one batch: written in order, the second an update of the first.
  UpsertInput d1 = input("d", "D"), d2 = input("d", "D again");
  auto twice = repo_->BulkUpsert({d1, d2}, /*dry_run=*/false, ctx_);
  ASSERT_TRUE(twice.ok()) << twice.status();
  ASSERT_TRUE((*twice)[0].ok() && (*twice)[1].ok());
  EXPECT_EQ((*twice)[0]->outcome, UpsertOutcome::kCreated);
  EXPECT_EQ((*twice)[1]->outcome, UpsertOutcome::kUpdated);
  EXPECT_EQ((*twice)[1]->account.id, (*twice)[0]->account.id);
  EXPECT_EQ(repo_->Get((*twice)[0]->account.id)->name, "D again");
}

UpsertInput KeyedInput(const std::string& source, const std::string& key, const Account& fields) {
  UpsertInput in;
  in.source = source;
  in.external_id = key;
  in.fields = fields;
  return in;
}

TEST_F(AccountsStorageTest, BatchesWrittenSideBySideApplyRecordsOfOneAccountInTheirOrder) {
  std::atomic<int> side_by_side{0};
  MysqlAccountRepository repo(*pool_, testing::OvertakingPieces(side_by_side));
  // One account known by two keys: crm/a and erp/x.
  UpsertInput known = KeyedInput("crm", "a", NewAccount("Known"));
  known.fields.external_ids = {{"erp", "x"}};
  auto created = repo_->Upsert(known, ctx_);
  ASSERT_TRUE(created.ok()) << created.status();

  std::vector<UpsertInput> inputs;
  for (int i = 0; i < 1000; ++i) inputs.push_back(KeyedInput("crm", "n" + std::to_string(i), NewAccount("New")));
  inputs[10] = KeyedInput("crm", "a", NewAccount("first"));    // first batch
  inputs[700] = KeyedInput("erp", "x", NewAccount("second"));  // second batch, same account
  inputs[10].paths = inputs[700].paths = {"name"};
  auto r = repo.BulkUpsert(inputs, /*dry_run=*/false, ctx_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(side_by_side.load(), 1);
  ASSERT_EQ(r->size(), 1000u);
  for (const auto& one : *r) ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ((*r)[10]->outcome, UpsertOutcome::kUpdated);
  EXPECT_EQ((*r)[10]->account.version, 2);
  EXPECT_EQ((*r)[700]->outcome, UpsertOutcome::kUpdated);
  EXPECT_EQ((*r)[700]->account.version, 3);
  auto stored = repo_->Get(created->account.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->name, "second");
  EXPECT_EQ(stored->version, 3);
  EXPECT_EQ(CountRows("accounts"), 999);  // the known one and 998 new
}

TEST_F(AccountsStorageTest, RecordsThatSetAParentAreWrittenBatchAfterBatch) {
  std::atomic<int> side_by_side{0};
  MysqlAccountRepository repo(*pool_, testing::OvertakingPieces(side_by_side));
  auto a = repo_->Upsert(KeyedInput("crm", "a", NewAccount("A")), ctx_);
  auto b = repo_->Upsert(KeyedInput("crm", "b", NewAccount("B")), ctx_);
  ASSERT_TRUE(a.ok() && b.ok());
  std::vector<UpsertInput> inputs;
  for (int i = 0; i < 1000; ++i) inputs.push_back(KeyedInput("crm", "n" + std::to_string(i), NewAccount("New")));
  std::vector<std::string> parent_only{"parent_id"};
  inputs[10] = KeyedInput("crm", "a", NewAccount("A", b->account.id));  // A under B
  inputs[10].paths = parent_only;
  inputs[700] = KeyedInput("crm", "b", NewAccount("B", a->account.id));  // then B under A: a cycle
  inputs[700].paths = parent_only;
  auto r = repo.BulkUpsert(inputs, /*dry_run=*/false, ctx_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(side_by_side.load(), 0);
  ASSERT_TRUE((*r)[10].ok()) << (*r)[10].status();
  EXPECT_EQ((*r)[700].status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(repo_->Get(a->account.id)->parent_id, b->account.id);
  EXPECT_TRUE(repo_->Get(b->account.id)->parent_id.empty());
}

TEST_F(AccountsStorageTest, RecordsThatBringOtherExternalIdsAreWrittenBatchAfterBatch) {
  std::atomic<int> side_by_side{0};
  MysqlAccountRepository repo(*pool_, testing::OvertakingPieces(side_by_side));
  std::vector<UpsertInput> inputs;
  for (int i = 0; i < 1000; ++i) inputs.push_back(KeyedInput("crm", "n" + std::to_string(i), NewAccount("New")));
  inputs[10].fields.external_ids = {{"erp", "x"}};            // created with a second key
  inputs[700] = KeyedInput("erp", "x", NewAccount("renamed"));  // which a later batch names
  inputs[700].paths = {"name"};
  auto r = repo.BulkUpsert(inputs, /*dry_run=*/false, ctx_);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(side_by_side.load(), 0);
  ASSERT_TRUE((*r)[10].ok() && (*r)[700].ok());
  EXPECT_EQ((*r)[10]->outcome, UpsertOutcome::kCreated);
  EXPECT_EQ((*r)[700]->outcome, UpsertOutcome::kUpdated);
  EXPECT_EQ((*r)[700]->account.id, (*r)[10]->account.id);
  EXPECT_EQ(repo_->Get((*r)[10]->account.id)->name, "renamed");
  EXPECT_EQ(CountRows("accounts"), 999);
}

TEST_F(AccountsStorageTest, ListFiltersAndPagesByKeyset) {
  Account parent = MustCreate("Parent");
  for (int i = 0; i < 25; ++i) {
    Account a = NewAccount("Child " + std::to_string(100 + i), parent.id);
    a.segment = i % 2 ? "Enterprise" : "SMB";
    a.labels["tier"] = i % 5 == 0 ? "gold" : "silver";
    ASSERT_TRUE(repo_->Create(a, ctx_, std::nullopt).ok());
  }
  AccountQuery q;
  q.parent_id = parent.id;
  q.limit = 10;
  std::vector<std::string> seen;
  for (;;) {
    auto page = repo_->List(q);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& a : *page) seen.push_back(a.name);
    if (static_cast<int>(page->size()) < q.limit) break;
    q.after = CursorOf(page->back(), q.order);
  }
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  AccountQuery gold;
  gold.label_key = "tier";
  gold.label_value = "gold";
  gold.segment = "SMB";
  auto golds = repo_->List(gold);
  ASSERT_TRUE(golds.ok());
  EXPECT_EQ(golds->size(), 3u);  // i = 0, 10, 20
}

TEST_F(AccountsStorageTest, ListByUpdateTimeIsNewestFirstAndHonoursUpdatedSince) {
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    Account a = NewAccount("Timed " + std::to_string(i));
    a.create_time = a.update_time = kNow + absl::Minutes(i);
    ASSERT_TRUE(repo_->Create(a, ctx_, std::nullopt).ok());
    ids.push_back(a.id);
  }
  AccountQuery q;
  q.order = ListOrder::kUpdateTime;
  q.limit = 3;
  std::vector<std::string> seen;
  for (;;) {
    auto page = repo_->List(q);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& a : *page) seen.push_back(a.id);
    if (static_cast<int>(page->size()) < q.limit) break;
    q.after = CursorOf(page->back(), q.order);
  }
  EXPECT_EQ(seen, std::vector<std::string>(ids.rbegin(), ids.rend()));
  AccountQuery recent;
  recent.updated_since = kNow + absl::Minutes(5);
  auto since = repo_->List(recent);
  ASSERT_TRUE(since.ok());
  EXPECT_EQ(since->size(), 2u);
}

TEST_F(AccountsStorageTest, DatabaseOutageIsUnavailableAndPoolRecovers) {
  Account a = MustCreate("Survivor");
  testing::TestMariaDb::Shared().Stop();
  EXPECT_EQ(repo_->Get(a.id).status().code(), absl::StatusCode::kUnavailable);
  testing::TestMariaDb::Shared().Restart();
  auto back = repo_->Get(a.id);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->name, "Survivor");
}

}  // namespace
}  // namespace accounts
}  // namespace flywheel
