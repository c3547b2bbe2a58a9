// The stakeholders use cases in process, against an in-memory repository and accounts peer.
#include "services/stakeholders/app/stakeholder_use_cases.h"

#include <map>
#include <set>

#include "common/ids/ids.h"
#include "gtest/gtest.h"

namespace flywheel::stakeholders {
namespace {

class MemoryStakeholders : public StakeholderRepository {
 public:
  std::map<std::string, Stakeholder> rows;
  std::vector<ChangeInitiative> initiatives;
  std::vector<UpsertInput> bulk;

  absl::StatusOr<CreateResult> Create(const Stakeholder& s, const WriteContext&,
                                      const std::optional<IdempotencyRecord>&) override {
    rows[s.id] = s;
    return CreateResult{};
  }
  absl::StatusOr<Stakeholder> Get(const std::string& id) override {
    if (!rows.count(id)) return NotFoundError("stakeholder", id);
    return rows[id];
  }
  absl::StatusOr<std::vector<Stakeholder>> List(const StakeholderQuery&) override { return std::vector<Stakeholder>{}; }
  absl::StatusOr<std::map<std::string, std::vector<Stakeholder>>> LiveByAccount(
      const std::vector<std::string>& account_ids) override {
    std::map<std::string, std::vector<Stakeholder>> out;
    for (const auto& [id, s] : rows) {
      if (!s.deleted() && std::count(account_ids.begin(), account_ids.end(), s.account_id)) out[s.account_id].push_back(s);
    }
    return out;
  }
  absl::StatusOr<Stakeholder> Update(const std::string& id, const std::function<absl::Status(Stakeholder&)>& mutate,
                                     absl::string_view, const WriteContext&) override {
    if (!rows.count(id)) return NotFoundError("stakeholder", id);
    Stakeholder copy = rows[id];
    if (absl::Status s = mutate(copy); !s.ok()) return s;
    ++copy.version;
    return rows[id] = copy;
  }
  absl::StatusOr<UpsertResult> Upsert(const UpsertInput& in, const WriteContext&) override {
    return UpsertResult{UpsertOutcome::kCreated, in.fields};
  }
  absl::StatusOr<std::vector<absl::StatusOr<UpsertResult>>> BulkUpsert(const std::vector<UpsertInput>& inputs, bool,
                                                                       const WriteContext&) override {
    bulk = inputs;
    std::vector<absl::StatusOr<UpsertResult>> out;
    for (const auto& in : inputs) out.push_back(UpsertResult{UpsertOutcome::kCreated, in.fields});
    return out;
  }
  absl::Status CreateActivity(const RaciActivity&, const WriteContext&) override { return absl::OkStatus(); }
  absl::StatusOr<RaciActivity> GetActivity(const std::string& id) override { return NotFoundError("activity", id); }
  absl::Status SetAssignments(const RaciActivity&, const std::vector<RaciAssignment>&, const WriteContext&) override {
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<RaciRow>> Matrix(const std::string&) override { return std::vector<RaciRow>{}; }
  absl::StatusOr<CreateResult> CreateInitiative(const ChangeInitiative& c, const WriteContext&,
                                                const std::optional<IdempotencyRecord>&) override {
    initiatives.push_back(c);
    return CreateResult{};
  }
  absl::StatusOr<ChangeInitiative> GetInitiative(const std::string& id) override {
    return NotFoundError("change initiative", id);
  }
  absl::StatusOr<std::vector<ChangeInitiative>> ListInitiatives(const std::string&) override {
    return initiatives;
  }
  absl::StatusOr<ChangeInitiative> UpdateInitiative(const std::string& id,
                                                    const std::function<absl::Status(ChangeInitiative&)>&,
                                                    const WriteContext&) override {
    return NotFoundError("change initiative", id);
  }
};

// Live accounts by id; `down` makes every call UNAVAILABLE.
class MemoryAccounts : public AccountsPeer {
 public:
  std::set<std::string> live;
  bool down = false;
  absl::Status RequireLive(const std::string& id) override {
    if (down) return absl::UnavailableError("accounts down");
    return live.count(id) ? absl::OkStatus() : NotFoundError("account", id);
  }
  absl::Status RequireAllLive(const std::vector<std::string>& ids) override {
    for (const auto& id : ids) {
      if (absl::Status s = RequireLive(id); !s.ok()) return s;
    }
    return absl::OkStatus();
  }
  // Two accounts a page; the token is the index of the page's first account.
  absl::StatusOr<IdPage> ListIds(const std::string&, const std::string& page_token) override {
    ++pages_read;
    std::vector<std::string> all(live.begin(), live.end());
    size_t first = page_token.empty() ? 0 : std::stoul(page_token);
    IdPage page;
    for (size_t i = first; i < std::min(all.size(), first + 2); ++i) page.ids.push_back(all[i]);
    if (first + 2 < all.size()) page.next_page_token = std::to_string(first + 2);
    return page;
  }
  int pages_read = 0;
};

class MemoryHealth : public HealthPeer {
 public:
  std::vector<MetricPoint> usage;
  std::optional<ValueFigures> value;
  absl::StatusOr<std::vector<MetricPoint>> Usage(const std::string&, const std::string&, absl::CivilDay,
                                                 absl::CivilDay) override {
    return usage;
  }
  absl::StatusOr<std::vector<std::pair<absl::CivilDay, int>>> CsatResponses(const std::string&, absl::CivilDay,
                                                                            absl::CivilDay) override {
    return std::vector<std::pair<absl::CivilDay, int>>{};
  }
  absl::StatusOr<std::optional<ValueFigures>> Value(const std::string&, absl::CivilDay) override { return value; }
};

std::set<std::string> FieldsOf(const absl::Status& status) {
  std::set<std::string> out;
  for (const auto& v : GetFieldViolations(status)) out.insert(v.field);
  return out;
}

WriteContext Writer() { return WriteContext{"alice", "", absl::FromUnixSeconds(1800000000)}; }
RecordResponse<Stakeholder> NoRecord() {
  return [](const Stakeholder&) { return std::nullopt; };
}

class StakeholderUseCasesTest : public ::testing::Test {
 protected:
  StakeholderUseCasesTest() { accounts.live = {live_account}; }
  UpsertInput Record(const std::string& account_id, const std::string& email) {
    StakeholderDraft d;
    d.stakeholder.account_id = account_id;
    d.stakeholder.name = "Ada";
    d.stakeholder.email = email;
    FieldViolations v;
    UpsertInput in = StakeholderUseCases::CheckUpsert({"salesforce", email, d, {}}, v);
    EXPECT_TRUE(v.empty()) << v.ToStatus();
    return in;
  }
  Stakeholder Person(Role role) {
    StakeholderDraft d;
    d.stakeholder.account_id = live_account;
    d.stakeholder.name = "Grace";
    d.stakeholder.email = ids::NewId("mail") + "@example.com";
    d.stakeholder.role = role;
    auto created = use_cases.Create(d, "", Writer(), NoRecord());
    EXPECT_TRUE(created.ok()) << created.status();
    return created->resource;
  }

  std::string live_account = ids::NewId("acc");
  MemoryStakeholders repo;
  MemoryAccounts accounts;
  MemoryHealth health;
  StakeholderUseCases use_cases{repo, accounts, health};
};

TEST_F(StakeholderUseCasesTest, CreateChecksFieldsThenTheAccount) {
  StakeholderDraft bad;
  bad.stakeholder.account_id = "nope";
  auto refused = use_cases.Create(bad, std::string(200, 'r'), Writer(), NoRecord());
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(FieldsOf(refused.status()).count("stakeholder.account_id"));
  EXPECT_TRUE(FieldsOf(refused.status()).count("request_id"));

  StakeholderDraft elsewhere;
  elsewhere.stakeholder.account_id = ids::NewId("acc");
  elsewhere.stakeholder.name = "Ada";
  elsewhere.stakeholder.email = "ada@example.com";
  EXPECT_EQ(use_cases.Create(elsewhere, "", Writer(), NoRecord()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(repo.rows.empty());

  Stakeholder made = Person(Role::kChampion);
  EXPECT_EQ(made.version, 1);
  EXPECT_EQ(made.create_time, Writer().now);
  EXPECT_EQ(repo.rows.size(), 1u);
}

TEST_F(StakeholderUseCasesTest, BulkUpsertFailsRecordsOfUnknownAccountsAloneAndStopsWhenAccountsAreDown) {
  std::string unknown = ids::NewId("acc");
  auto written = use_cases.BulkUpsert(
      {Record(live_account, "a@example.com"), Record(unknown, "b@example.com"), Record(live_account, "c@example.com")},
      false, Writer());
  ASSERT_TRUE(written.ok()) << written.status();
  ASSERT_EQ(written->size(), 3u);
  EXPECT_TRUE((*written)[0].ok());
  EXPECT_EQ((*written)[1].status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE((*written)[2].ok());
  EXPECT_EQ((*written)[2]->stakeholder.email, "c@example.com");
  EXPECT_EQ(repo.bulk.size(), 2u);  // the unknown account's record never reached storage

  accounts.down = true;
  repo.bulk.clear();
  auto down = use_cases.BulkUpsert({Record(live_account, "d@example.com")}, false, Writer());
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(repo.bulk.empty());
}

TEST_F(StakeholderUseCasesTest, AnInitiativeNamesStakeholdersThatAreNotLiveAndStartsAtAwareness) {
  Stakeholder owner = Person(Role::kOwner);
  ChangeInitiative c;
  c.account_id = live_account;
  c.owner_stakeholder_id = ids::NewId("stk");
  c.title = "New reporting";
  c.impacts.push_back({ids::NewId("stk"), std::nullopt, Impact::kNegative});
  auto refused = use_cases.CreateInitiative(c, {}, "", Writer(), [](const ChangeInitiative&) { return std::nullopt; });
  EXPECT_EQ(FieldsOf(refused.status()),
            (std::set<std::string>{"initiative.owner_stakeholder_id", "initiative.impacts[0].stakeholder_id"}));
  EXPECT_TRUE(repo.initiatives.empty());

  c.owner_stakeholder_id = owner.id;
  c.impacts = {{"", Role::kProducer, Impact::kNegative}};
  c.needs_training = true;
  auto created = use_cases.CreateInitiative(c, {}, "", Writer(), [](const ChangeInitiative&) { return std::nullopt; });
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->resource.stage, AdkarStage::kAwareness);
  EXPECT_EQ(repo.initiatives.size(), 1u);
  EXPECT_EQ(repo.initiatives[0].follow_ups.size(), created->resource.follow_ups.size());
}

TEST_F(StakeholderUseCasesTest, ADeletedStakeholderIsNotUpdated) {
  Stakeholder s = Person(Role::kEnabler);
  ASSERT_TRUE(use_cases.Delete(s.id, "", Writer()).ok());
  Stakeholder patch;
  patch.name = "Renamed";
  EXPECT_EQ(use_cases.Update(s.id, patch, {"name"}, "", Writer()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(FieldsOf(use_cases.Update(s.id, patch, {"nope"}, "", Writer()).status()),
            std::set<std::string>{"update_mask.paths[0]"});
}

TEST_F(StakeholderUseCasesTest, GapsArePagedAcrossAccountPagesAndResumeAfterTheLastAccountGiven) {
  // Five live accounts; the second has all four roles (no gap), the others have none.
  std::vector<std::string> all;
  for (int i = 0; i < 4; ++i) accounts.live.insert(ids::NewId("acc"));
  all.assign(accounts.live.begin(), accounts.live.end());
  std::string covered = all[1];
  for (Role role : {Role::kOwner, Role::kChampion, Role::kEnabler, Role::kProducer}) {
    for (int copy = 0; copy < 2; ++copy) {
      Stakeholder s;
      s.id = ids::NewId("stk");
      s.account_id = covered;
      s.role = role;
      repo.rows[s.id] = s;
    }
  }
  auto first = use_cases.Gaps("", std::nullopt, 2);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->gaps.size(), 2u);
  EXPECT_EQ(first->gaps[0].first, all[0]);
  EXPECT_EQ(first->gaps[1].first, all[2]);
  ASSERT_TRUE(first->next.has_value());
  auto second = use_cases.Gaps("", first->next, 2);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->gaps.size(), 2u);
  EXPECT_EQ(second->gaps[0].first, all[3]);
  EXPECT_EQ(second->gaps[1].first, all[4]);
  EXPECT_FALSE(second->next.has_value());
}

TEST_F(StakeholderUseCasesTest, ABriefingNamesTheRoleHoldersMetricsAndTheOwnersValue) {
  Stakeholder owner = Person(Role::kOwner);
  Person(Role::kProducer);
  absl::CivilDay day(2026, 12, 1);
  health.usage = {{day - 2, 10}, {day - 1, 20}};
  health.value = HealthPeer::ValueFigures{Money{"GBP", 100}, Money{"GBP", 80}, Money{"GBP", 20}, Money{"GBP", 40}};
  auto briefing = use_cases.Brief({"", owner.id, std::nullopt, std::nullopt}, day);
  ASSERT_TRUE(briefing.ok()) << briefing.status();
  EXPECT_EQ(briefing->account_id, live_account);
  EXPECT_EQ(briefing->role, Role::kOwner);
  ASSERT_EQ(briefing->holders.size(), 1u);
  EXPECT_EQ(briefing->holders[0].id, owner.id);
  ASSERT_FALSE(briefing->metrics.empty());
  ASSERT_TRUE(briefing->metrics[0].latest.has_value());
  EXPECT_EQ(briefing->metrics[0].latest->value, 20);
  EXPECT_EQ(briefing->metrics[0].trend, MetricTrend::kUp);
  ASSERT_TRUE(briefing->value.has_value());
  EXPECT_EQ(briefing->value->gap.minor_units, 20);

  auto unfilled = use_cases.Brief({live_account, "", Role::kChampion, day}, day);
  ASSERT_TRUE(unfilled.ok());
  EXPECT_TRUE(unfilled->role_unfilled());
  EXPECT_FALSE(unfilled->value.has_value());
  EXPECT_NE(unfilled->summary.find("CHAMPION"), std::string::npos);
  EXPECT_EQ(FieldsOf(use_cases.Brief({live_account, "", std::nullopt, std::nullopt}, day).status()),
            std::set<std::string>{"role"});
}

}  // namespace
}  // namespace flywheel::stakeholders
