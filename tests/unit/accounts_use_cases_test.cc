// The accounts use cases in process, against an in-memory repository: the rules the gRPC
// adapter no longer holds (every bad field in one answer, masks, deleted accounts, replays).
#include "services/accounts/app/account_use_cases.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/ids/ids.h"
#include "gtest/gtest.h"

namespace flywheel::accounts {
namespace {

// Keeps accounts in a map; enough of the repository's contract for the use cases.
class MemoryAccounts : public AccountRepository {
 public:
  std::map<std::string, Account> rows;
  std::map<std::string, IdempotencyRecord> requests;
  std::vector<UpsertInput> upserts;

  absl::StatusOr<CreateResult> Create(const Account& account, const WriteContext&,
                                      const std::optional<IdempotencyRecord>& idempotency) override {
    if (idempotency) {
      auto it = requests.find(idempotency->request_id);
      if (it != requests.end()) {
        if (it->second.fingerprint != idempotency->fingerprint) return InvalidFieldError("request_id", "reused");
        return CreateResult{true, it->second.response};
      }
      requests[idempotency->request_id] = *idempotency;
    }
    if (absl::Status s = CheckParentOf(account); !s.ok()) return s;
    rows[account.id] = account;
    return CreateResult{};
  }
  absl::StatusOr<Account> Get(const std::string& id) override {
    auto it = rows.find(id);
    if (it == rows.end()) return NotFoundError("account", id);
    return it->second;
  }
  absl::StatusOr<std::vector<Account>> BatchGet(const std::vector<std::string>& ids) override {
    std::vector<Account> out;
    for (const auto& id : ids) {
      if (rows.count(id)) out.push_back(rows[id]);
    }
    return out;
  }
  absl::StatusOr<std::vector<Account>> List(const AccountQuery&) override { return std::vector<Account>{}; }
  absl::StatusOr<Account> Update(const std::string& id, const std::function<absl::Status(Account&)>& mutate,
                                 absl::string_view, const WriteContext&) override {
    auto it = rows.find(id);
    if (it == rows.end()) return NotFoundError("account", id);
    Account copy = it->second;
    if (absl::Status s = mutate(copy); !s.ok()) return s;
    ++copy.version;
    return it->second = copy;
  }
  absl::StatusOr<UpsertResult> Upsert(const UpsertInput& input, const WriteContext&) override {
    upserts.push_back(input);
    return UpsertResult{UpsertOutcome::kCreated, input.fields};
  }
  absl::StatusOr<std::vector<absl::StatusOr<UpsertResult>>> BulkUpsert(const std::vector<UpsertInput>&, bool,
                                                                       const WriteContext&) override {
    return std::vector<absl::StatusOr<UpsertResult>>{};
  }
  absl::StatusOr<std::vector<Account>> GetSubtree(const std::string& root_id) override {
    if (!rows.count(root_id)) return NotFoundError("account", root_id);
    return std::vector<Account>{rows[root_id]};
  }
  absl::Status CheckParentOf(const Account& account) override {
    if (account.parent_id.empty() || rows.count(account.parent_id)) return absl::OkStatus();
    return InvalidFieldError("parent_id", "is not an account");
  }
  absl::StatusOr<std::vector<AuditEntry>> ListHistory(const std::string&, int64_t, int) override {
    return std::vector<AuditEntry>{};
  }
  absl::StatusOr<std::vector<AccountChange>> ChangesAfter(int64_t, int, absl::Time) override {
    return std::vector<AccountChange>{};
  }
  absl::StatusOr<int64_t> LastChangeSequence() override { return 0; }
};

std::set<std::string> FieldsOf(const absl::Status& status) {
  std::set<std::string> out;
  for (const auto& v : GetFieldViolations(status)) out.insert(v.field);
  return out;
}

AccountDraft Draft(const std::string& name) {
  AccountDraft d;
  d.account.name = name;
  return d;
}

WriteContext Writer() { return WriteContext{"alice", "", absl::FromUnixSeconds(1800000000)}; }

RecordResponse<Account> Recorder(const std::string& request_id, const std::string& fingerprint) {
  return [=](const Account& created) -> std::optional<IdempotencyRecord> {
    if (request_id.empty()) return std::nullopt;
    return IdempotencyRecord{request_id, fingerprint, created.id};
  };
}

class AccountUseCasesTest : public ::testing::Test {
 protected:
  MemoryAccounts repo;
  AccountUseCases use_cases{repo};
};

TEST_F(AccountUseCasesTest, CreateNamesEveryBadFieldTheUnknownParentAmongThem) {
  AccountDraft d = Draft("");
  d.account.parent_id = ids::NewId("acc");
  d.problems.Add("arr.currency_code", "is not a currency");
  auto created = use_cases.Create(d, std::string(129, 'r'), Writer(), Recorder("", ""));
  ASSERT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldsOf(created.status()), (std::set<std::string>{"account.name", "account.arr.currency_code",
                                                               "account.parent_id", "request_id"}));
  EXPECT_TRUE(repo.rows.empty());
}

TEST_F(AccountUseCasesTest, CreateWithoutAnAccountSaysItIsRequired) {
  auto created = use_cases.Create(std::nullopt, "", Writer(), Recorder("", ""));
  EXPECT_EQ(FieldsOf(created.status()), std::set<std::string>{"account"});
}

TEST_F(AccountUseCasesTest, CreateGivesANewIdAndAReplayTheFirstResponse) {
  auto first = use_cases.Create(Draft("Northern Utility"), "req-1", Writer(), Recorder("req-1", "f"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->resource.version, 1);
  EXPECT_EQ(first->resource.create_time, Writer().now);
  EXPECT_FALSE(first->result.replayed);
  auto again = use_cases.Create(Draft("Northern Utility"), "req-1", Writer(), Recorder("req-1", "f"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->result.replayed);
  EXPECT_EQ(again->result.replayed_response, first->resource.id);
  EXPECT_EQ(repo.rows.size(), 1u);
}

TEST_F(AccountUseCasesTest, AParentProblemFromTheWriteIsNamedUnderAccount) {
  AccountDraft d = Draft("Child");
  d.account.parent_id = ids::NewId("acc");
  auto created = use_cases.Create(d, "", Writer(), Recorder("", ""));
  EXPECT_EQ(FieldsOf(created.status()), std::set<std::string>{"account.parent_id"});
}

TEST_F(AccountUseCasesTest, UpdateWritesOnlyMaskedFieldsAndIgnoresProblemsOutsideTheMask) {
  auto created = use_cases.Create(Draft("Before"), "", Writer(), Recorder("", ""));
  ASSERT_TRUE(created.ok());
  AccountDraft patch = Draft("After");
  patch.account.segment = "enterprise";
  patch.problems.Add("arr.currency_code", "is not a currency");  // arr is not in the mask
  auto updated = use_cases.Update(created->resource.id, patch, {"name"}, "", Writer());
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->name, "After");
  EXPECT_EQ(updated->segment, "");
  auto refused = use_cases.Update(created->resource.id, patch, {"arr", "bogus"}, "", Writer());
  EXPECT_EQ(FieldsOf(refused.status()), (std::set<std::string>{"update_mask.paths[1]", "account.arr.currency_code"}));
  auto empty_mask = use_cases.Update(created->resource.id, patch, {}, "", Writer());
  EXPECT_EQ(FieldsOf(empty_mask.status()), std::set<std::string>{"update_mask"});
}

TEST_F(AccountUseCasesTest, ADeletedAccountIsNotUpdatedAndOnlyADeletedOneIsRestored) {
  auto created = use_cases.Create(Draft("Gone"), "", Writer(), Recorder("", ""));
  ASSERT_TRUE(created.ok());
  const std::string id = created->resource.id;
  EXPECT_EQ(use_cases.Undelete(id, Writer()).status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(use_cases.Delete(id, "", Writer()).ok());
  EXPECT_TRUE(repo.rows[id].deleted());
  EXPECT_EQ(use_cases.Update(id, Draft("x"), {"name"}, "", Writer()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(use_cases.Delete(id, "", Writer()).status().code(), absl::StatusCode::kFailedPrecondition);
  auto restored = use_cases.Undelete(id, Writer());
  ASSERT_TRUE(restored.ok());
  EXPECT_FALSE(restored->deleted());
}

TEST_F(AccountUseCasesTest, BatchGetKeepsTheRequestOrderAndNamesEveryMissingId) {
  auto a = use_cases.Create(Draft("A"), "", Writer(), Recorder("", ""));
  auto b = use_cases.Create(Draft("B"), "", Writer(), Recorder("", ""));
  ASSERT_TRUE(a.ok() && b.ok());
  auto both = use_cases.BatchGet({b->resource.id, a->resource.id});
  ASSERT_TRUE(both.ok());
  ASSERT_EQ(both->size(), 2u);
  EXPECT_EQ((*both)[0].name, "B");
  std::string m1 = ids::NewId("acc"), m2 = ids::NewId("acc");
  auto missing = use_cases.BatchGet({m1, a->resource.id, m2});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(GetErrorMetadata(missing.status(), "ids"), absl::StrCat(m1, ",", m2));
}

TEST(AccountUpsert, WritesEveryFieldButExternalIdsByDefaultAndAddsItsOwnKey) {
  AccountUseCases::UpsertRecord record{"salesforce", "0015g", Draft("Synced"), {}};
  record.draft->account.external_ids["hubspot"] = "h-1";
  FieldViolations v;
  UpsertInput input = AccountUseCases::CheckUpsert(record, "", v);
  EXPECT_TRUE(v.empty()) << v.ToStatus();
  EXPECT_EQ(std::count(input.paths.begin(), input.paths.end(), "external_ids"), 0);
  EXPECT_EQ(input.paths.size(), WritableFields().size() - 1);
  EXPECT_EQ(input.fields.external_ids.at("salesforce"), "0015g");

  FieldViolations bad;
  AccountUseCases::CheckUpsert({"", "", std::nullopt, {"nope"}}, "requests[3].", bad);
  std::set<std::string> fields;
  for (const auto& item : bad.items()) fields.insert(item.field);
  EXPECT_EQ(fields, (std::set<std::string>{"requests[3].source", "requests[3].external_id", "requests[3].account",
                                           "requests[3].update_mask.paths[0]"}));
}

}  // namespace
}  // namespace flywheel::accounts
