// The handoff use cases in process, against in-memory repositories and peers: creating a
// handoff names every bad field, submitting checks the gates, accepting moves the account
// first, and people's actions on exceptions keep to the status rules.
#include "services/handoff/app/handoff_use_cases.h"

#include <map>
#include <set>

#include "common/ids/ids.h"
#include "gtest/gtest.h"

namespace flywheel::handoff {
namespace {

class MemoryHandoffs : public HandoffRepository {
 public:
  std::map<std::string, Handoff> handoffs;
  std::map<std::string, PathAssignment> assignments;
  std::optional<absl::CivilDay> path_started;
  std::map<std::string, SuccessPath> paths;

  absl::StatusOr<CreateResult> CreatePath(const SuccessPath&, const WriteContext&,
                                          const std::optional<IdempotencyRecord>&) override {
    return CreateResult{};
  }
  absl::StatusOr<SuccessPath> GetPath(const std::string& id) override {
    if (!paths.count(id)) return NotFoundError("success path", id);
    return paths[id];
  }
  absl::StatusOr<std::vector<SuccessPath>> ListPaths(const PathQuery&) override { return std::vector<SuccessPath>{}; }
  absl::StatusOr<SuccessPath> UpdatePath(const std::string& id, const std::function<absl::Status(SuccessPath&)>&,
                                         const std::vector<std::string>&, const WriteContext&) override {
    return NotFoundError("success path", id);
  }
  absl::Status DeletePath(const std::string&, const std::function<absl::Status(const SuccessPath&)>&,
                          const WriteContext&) override {
    return absl::OkStatus();
  }
  absl::StatusOr<PathAssignment> AssignPath(const std::string& account_id, const std::string& path_id,
                                            std::optional<absl::CivilDay> start, const WriteContext& w) override {
    return assignments[account_id] = PathAssignment{account_id, path_id, start, w.now};
  }
  absl::StatusOr<std::map<std::string, PathAssignment>> Assignments(const std::vector<std::string>& ids) override {
    std::map<std::string, PathAssignment> out;
    for (const auto& id : ids) {
      if (assignments.count(id)) out[id] = assignments[id];
    }
    return out;
  }
  absl::StatusOr<CreateResult> CreateHandoff(const Handoff& h, const WriteContext&,
                                             const std::optional<IdempotencyRecord>&) override {
    handoffs[h.id] = h;
    return CreateResult{};
  }
  absl::StatusOr<Handoff> GetHandoff(const std::string& id) override {
    if (!handoffs.count(id)) return NotFoundError("handoff", id);
    return handoffs[id];
  }
  absl::StatusOr<std::vector<Handoff>> ListHandoffs(const HandoffQuery&) override { return std::vector<Handoff>{}; }
  absl::StatusOr<Handoff> UpdateHandoff(const std::string& id, const std::string&,
                                        const std::function<absl::Status(Handoff&)>& mutate,
                                        const std::vector<std::string>&, const WriteContext&,
                                        std::optional<absl::CivilDay> start_path_on) override {
    if (!handoffs.count(id)) return NotFoundError("handoff", id);
    Handoff copy = handoffs[id];
    if (absl::Status s = mutate(copy); !s.ok()) return s;
    ++copy.version;
    if (start_path_on) path_started = start_path_on;
    return handoffs[id] = copy;
  }
  absl::StatusOr<std::map<std::string, std::vector<Handoff>>> StalledHandoffs(const std::vector<std::string>&,
                                                                             absl::Time) override {
    return std::map<std::string, std::vector<Handoff>>{};
  }
  absl::StatusOr<std::vector<StoredRule>> ListRules() override { return std::vector<StoredRule>{}; }
  absl::StatusOr<StoredRule> UpdateRule(Rule, const std::function<absl::Status(StoredRule&)>& mutate,
                                        const std::vector<std::string>&, const WriteContext&) override {
    StoredRule r;
    if (absl::Status s = mutate(r); !s.ok()) return s;
    ++r.version;
    return r;
  }
};

class MemoryExceptions : public ExceptionRepository {
 public:
  std::map<std::string, StoredException> rows;
  absl::StatusOr<std::map<std::string, std::vector<ExistingException>>> Existing(const std::vector<std::string>&) override {
    return std::map<std::string, std::vector<ExistingException>>{};
  }
  absl::StatusOr<ApplyCounts> ApplyBatch(const std::vector<AccountFindings>&, absl::CivilDay,
                                         std::vector<StoredException>*) override {
    return ApplyCounts{};
  }
  absl::Status RecordRun(const ReportRun&) override { return absl::OkStatus(); }
  absl::StatusOr<StoredException> Get(const std::string& id) override { return rows.at(id); }
  absl::StatusOr<std::vector<StoredException>> List(const ExceptionQuery&) override {
    return std::vector<StoredException>{};
  }
  absl::StatusOr<StoredException> Update(const std::string& id, const std::string&,
                                         const std::function<absl::Status(StoredException&)>& mutate,
                                         const WriteContext&) override {
    if (!rows.count(id)) return NotFoundError("exception", id);
    StoredException copy = rows[id];
    if (absl::Status s = mutate(copy); !s.ok()) return s;
    ++copy.version;
    return rows[id] = copy;
  }
  absl::StatusOr<std::vector<ExceptionEventRecord>> EventsAfter(int64_t, int, absl::Time) override {
    return std::vector<ExceptionEventRecord>{};
  }
  absl::StatusOr<int64_t> LastEventSequence() override { return 0; }
};

class MemoryAccounts : public AccountsPeer {
 public:
  std::set<std::string> live;
  bool value_target = false;
  absl::Status move_result;
  std::vector<std::pair<std::optional<AccountStage>, std::optional<std::string>>> moves;
  absl::Status RequireLive(const std::string& id) override {
    return live.count(id) ? absl::OkStatus() : NotFoundError("account", id);
  }
  absl::StatusOr<bool> HasValueTarget(const std::string& id) override {
    if (absl::Status s = RequireLive(id); !s.ok()) return s;
    return value_target;
  }
  absl::Status Move(const std::string&, std::optional<AccountStage> stage, std::optional<std::string> csm) override {
    if (!move_result.ok()) return move_result;
    moves.emplace_back(stage, csm);
    return absl::OkStatus();
  }
};

class MemoryStakeholders : public StakeholdersPeer {
 public:
  Roles roles;
  absl::StatusOr<Roles> RolesHeld(const std::string&) override { return roles; }
};

// The report's reads; these tests run no report.
class NoSources : public ReportSources {
 public:
  absl::Status ForEachAccount(const std::function<bool(const ShardAccount&)>&) override { return absl::OkStatus(); }
  absl::StatusOr<std::vector<HealthInputs>> ReportInputs(absl::CivilDay, const std::vector<std::string>&,
                                                         const std::vector<SeriesAsk>&) override {
    return absl::UnavailableError("no health service here");
  }
  absl::StatusOr<std::vector<RolePerson>> People(const std::vector<std::string>&) override {
    return absl::UnavailableError("no stakeholders service here");
  }
  absl::StatusOr<std::vector<ShardAccount>> Accounts(const std::vector<std::string>&) override {
    return absl::UnavailableError("no accounts service here");
  }
};

std::set<std::string> FieldsOf(const absl::Status& status) {
  std::set<std::string> out;
  for (const auto& v : GetFieldViolations(status)) out.insert(v.field);
  return out;
}

RecordResponse<Handoff> NoRecord() {
  return [](const Handoff&) { return std::nullopt; };
}

class HandoffUseCasesTest : public ::testing::Test {
 protected:
  HandoffUseCasesTest() { accounts.live.insert(account); }
  WriteContext Writer() { return WriteContext{"ops", "", clock.Now()}; }
  Handoff MadeHandoff(Team from, Team to) {
    HandoffDraft d;
    d.handoff.account_id = account;
    d.handoff.sending_owner = "sam@vendor.example";
    d.handoff.receiving_owner = "casey@vendor.example";
    d.handoff.success_criteria = "live by the end of Q1";
    d.handoff.sla_days = 3;
    d.from_team = from;
    d.to_team = to;
    auto created = use_cases.CreateHandoff(d, "", Writer(), NoRecord());
    EXPECT_TRUE(created.ok()) << created.status();
    return created->resource;
  }

  std::string account = ids::NewId("acc");
  FakeClock clock{absl::FromCivil(absl::CivilSecond(2026, 12, 1, 9, 0, 0), absl::UTCTimeZone())};
  MemoryHandoffs handoffs;
  MemoryExceptions exceptions;
  MemoryAccounts accounts;
  MemoryStakeholders stakeholders;
  NoSources sources;
  ReportRunner runner{handoffs, exceptions, sources, clock};
  HandoffUseCases use_cases{handoffs, exceptions, accounts, stakeholders, runner, clock};
};

TEST_F(HandoffUseCasesTest, CreatingAHandoffNamesEveryBadFieldThenChecksTheAccount) {
  HandoffDraft bad;
  bad.handoff.account_id = "x";
  bad.handoff.sending_owner = "  ";
  bad.handoff.sla_days = 400;
  bad.from_team = Team::kSales;
  bad.to_team = Team::kSales;
  auto refused = use_cases.CreateHandoff(bad, std::string(129, 'r'), Writer(), NoRecord());
  EXPECT_EQ(FieldsOf(refused.status()),
            (std::set<std::string>{"handoff.account_id", "handoff.to_team", "handoff.sending_owner", "handoff.sla_days",
                                   "request_id"}));
  HandoffDraft elsewhere = bad;
  elsewhere.handoff.account_id = ids::NewId("acc");
  elsewhere.handoff.sending_owner = "sam";
  elsewhere.handoff.sla_days = 3;
  elsewhere.to_team = Team::kImplementation;
  EXPECT_EQ(use_cases.CreateHandoff(elsewhere, "", Writer(), NoRecord()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(handoffs.handoffs.empty());
  Handoff made = MadeHandoff(Team::kSales, Team::kImplementation);
  EXPECT_EQ(made.state, HandoffState::kDraft);
  EXPECT_EQ(made.version, 1);
}

TEST_F(HandoffUseCasesTest, SubmittingChecksEveryGateAndAcceptingMovesTheAccountFirst) {
  Handoff h = MadeHandoff(Team::kImplementation, Team::kCustomerSuccess);
  auto refused = use_cases.Submit(h.id, "", Writer());
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(handoffs.handoffs[h.id].state, HandoffState::kDraft);

  accounts.value_target = true;
  stakeholders.roles = {true, true};
  handoffs.assignments[account] = PathAssignment{account, "path_1", std::nullopt, clock.Now()};
  auto submitted = use_cases.Submit(h.id, "", Writer());
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  EXPECT_EQ(submitted->state, HandoffState::kSubmitted);
  EXPECT_EQ(submitted->submit_time, clock.Now());

  // The accounts service fails: the handoff stays submitted, nothing moved.
  accounts.move_result = absl::UnavailableError("accounts down");
  EXPECT_EQ(use_cases.Accept(h.id, "", Writer()).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(handoffs.handoffs[h.id].state, HandoffState::kSubmitted);
  EXPECT_FALSE(handoffs.path_started.has_value());

  accounts.move_result = absl::OkStatus();
  auto accepted = use_cases.Accept(h.id, "", Writer());
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  EXPECT_EQ(accepted->state, HandoffState::kAccepted);
  ASSERT_EQ(accounts.moves.size(), 1u);
  EXPECT_EQ(accounts.moves[0].second, std::optional<std::string>("casey@vendor.example"));
  EXPECT_EQ(handoffs.path_started, absl::CivilDay(2026, 12, 1));
  EXPECT_EQ(use_cases.Accept(h.id, "", Writer()).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(HandoffUseCasesTest, PeopleActOnExceptionsWithinTheStatusRules) {
  StoredException e;
  e.id = ids::NewId("exc");
  e.account_id = account;
  e.status = ExceptionStatus::kOpen;
  exceptions.rows[e.id] = e;
  EXPECT_EQ(FieldsOf(use_cases.Snooze(e.id, "", "", std::nullopt, {}, Writer()).status()),
            (std::set<std::string>{"reason", "until"}));
  EXPECT_EQ(FieldsOf(use_cases.Snooze(e.id, "", "quarter end", absl::CivilDay(2026, 12, 1), {}, Writer()).status()),
            std::set<std::string>{"until"});
  auto snoozed = use_cases.Snooze(e.id, "", "quarter end", absl::CivilDay(2026, 12, 20), {}, Writer());
  ASSERT_TRUE(snoozed.ok()) << snoozed.status();
  EXPECT_EQ(snoozed->status, ExceptionStatus::kSnoozed);
  auto reassigned = use_cases.Reassign(e.id, "", "lee@vendor.example", Writer());
  ASSERT_TRUE(reassigned.ok()) << reassigned.status();
  EXPECT_EQ(reassigned->status, ExceptionStatus::kSnoozed);
  EXPECT_EQ(reassigned->assignee, "lee@vendor.example");
  auto resolved = use_cases.Resolve(e.id, "", Writer());
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->close_source, CloseSource::kUser);
  EXPECT_FALSE(resolved->snoozed_until.has_value());
}

TEST_F(HandoffUseCasesTest, ARuleUpdateWritesOnlyTheMaskedSettings) {
  RulePatch patch;
  patch.rule = Rule::kLowPresence;
  patch.config.threshold = 45;
  patch.config.sla_days = 999;  // not in the mask: not checked, not written
  auto updated = use_cases.UpdateRule(patch, {"threshold"}, "", Writer());
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->config.threshold, 45);
  EXPECT_EQ(updated->config.sla_days, RuleConfig{}.sla_days);
  EXPECT_EQ(FieldsOf(use_cases.UpdateRule(patch, {"sla_days", "severity"}, "", Writer()).status()),
            (std::set<std::string>{"rule.sla_days", "rule.severity"}));
}

TEST_F(HandoffUseCasesTest, APathNotStartedShowsItsMilestonesWithoutReadingHealth) {
  EXPECT_EQ(use_cases.Progress(ids::NewId("acc"), absl::CivilDay(2026, 12, 1)).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(use_cases.Progress(account, absl::CivilDay(2026, 12, 1)).status().code(),
            absl::StatusCode::kFailedPrecondition);  // no path assigned
  SuccessPath path;
  path.id = "path_1";
  path.milestones.push_back({"first_login", "First log-in", "logins >= 1", 7, "Welcome", "https://help.example"});
  handoffs.paths[path.id] = path;
  handoffs.assignments[account] = PathAssignment{account, path.id, absl::CivilDay(2026, 12, 10), clock.Now()};
  auto before_start = use_cases.Progress(account, absl::CivilDay(2026, 12, 1));
  ASSERT_TRUE(before_start.ok()) << before_start.status();
  EXPECT_FALSE(before_start->started);
  EXPECT_EQ(before_start->assigned.path.milestones.size(), 1u);
  // Once started, progress is read from health (here: unavailable, and said so).
  EXPECT_EQ(use_cases.Progress(account, absl::CivilDay(2026, 12, 12)).status().code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace flywheel::handoff
