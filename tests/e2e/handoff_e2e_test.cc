// All four real binaries, each on a free port with its own database: the utility-company
// scenario of DESIGN §1 plus a synthetic portfolio through the exception report (exact
// exceptions per account, reruns, clearing, snoozes, concurrent runs, shards, streaming),
// and handoffs (every failing gate at once, accept with the accounts service down).
#include <sys/wait.h>

#include <cstdio>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "common/testing/call_helpers.h"
#include "common/testing/free_port.h"
#include "common/testing/service_process.h"
#include "common/testing/test_mariadb.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"
#include "flywheel/handoff/v1/handoff.grpc.pb.h"
#include "flywheel/health/v1/health.grpc.pb.h"
#include "flywheel/stakeholders/v1/stakeholders.grpc.pb.h"
#include "gtest/gtest.h"

namespace flywheel {
namespace {

namespace apb = flywheel::accounts::v1;
namespace hpb = flywheel::health::v1;
namespace spb = flywheel::stakeholders::v1;
namespace pb = flywheel::handoff::v1;
using testing::ServiceProcess;
using testing::TestMariaDb;

flywheel::type::v1::Date D(int y, int m, int d) { return testing::Day(y, m, d); }
std::unique_ptr<grpc::ClientContext> Ctx() { return testing::CallContext(); }
const absl::CivilDay kAsOf(2026, 5, 26);
flywheel::type::v1::Date ToDate(absl::CivilDay d) { return D(d.year(), d.month(), d.day()); }

class HandoffE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    accounts_db_ = TestMariaDb::Shared().NewDatabaseConfig();
    accounts_port_ = testing::FreeLoopbackPort();
    StartAccounts();
    std::string accounts_flag = absl::StrCat("--accounts_addr=", accounts_->address());
    health_ = std::make_unique<ServiceProcess>(FLYWHEEL_HEALTH_BINARY, TestMariaDb::Shared().NewDatabaseConfig(),
                                               // reports on fixed past days (live: live_e2e_test)
                                               std::vector<std::string>{accounts_flag, "--live_rescore=false"});
    std::string health_flag = absl::StrCat("--health_addr=", health_->address());
    stakeholders_ = std::make_unique<ServiceProcess>(FLYWHEEL_STAKEHOLDERS_BINARY,
                                                     TestMariaDb::Shared().NewDatabaseConfig(),
                                                     std::vector<std::string>{accounts_flag, health_flag});
    handoff_ = std::make_unique<ServiceProcess>(
        FLYWHEEL_HANDOFF_BINARY, TestMariaDb::Shared().NewDatabaseConfig(),
        std::vector<std::string>{accounts_flag, health_flag,
                                 absl::StrCat("--stakeholders_addr=", stakeholders_->address()),
                                 "--upstream_deadline_ms=3000"});
    health_stub_ = hpb::HealthService::NewStub(health_->channel());
    stakeholders_stub_ = spb::StakeholderService::NewStub(stakeholders_->channel());
    stub_ = pb::HandoffService::NewStub(handoff_->channel());
  }

  // The accounts service listens on a fixed free port so that it can be stopped and started
  // again where the other services expect it.
  void StartAccounts() {
    accounts_ = std::make_unique<ServiceProcess>(
        FLYWHEEL_ACCOUNTS_BINARY, accounts_db_,
        std::vector<std::string>{absl::StrCat("--listen=127.0.0.1:", accounts_port_)});
    accounts_stub_ = apb::AccountService::NewStub(accounts_->channel());
  }

  std::string CreateAccount(const std::string& name, int seats, int64_t target_minor = 0) {
    apb::CreateAccountRequest req;
    auto* a = req.mutable_account();
    a->set_name(name);
    a->set_licensed_seats(seats);
    a->set_csm_owner("casey.csm@vendor.example");
    *a->mutable_contract_start() = D(2026, 1, 1);
    if (target_minor > 0) {
      a->mutable_value_target()->mutable_amount()->set_currency_code("GBP");
      a->mutable_value_target()->mutable_amount()->set_minor_units(target_minor);
      a->mutable_value_target()->set_description("cost reduction");
    }
    apb::Account out;
    grpc::Status st = accounts_stub_->CreateAccount(Ctx().get(), req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out.id();
  }

  void AddStakeholder(const std::string& account, const std::string& email, spb::Role role,
                      const std::string& function = "Operations",
                      spb::EnablerFocus focus = spb::ENABLER_FOCUS_UNSPECIFIED) {
    spb::CreateStakeholderRequest req;
    auto* s = req.mutable_stakeholder();
    s->set_enabler_focus(focus);
    s->set_account_id(account);
    s->set_name(email.substr(0, email.find('@')));
    s->set_email(email);
    s->set_function(function);
    s->set_role(role);
    s->set_decision_authority(role == spb::ROLE_OWNER);
    spb::Stakeholder out;
    grpc::Status st = stakeholders_stub_->CreateStakeholder(Ctx().get(), req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
  }

  void Usage(const std::string& account, const std::string& metric, absl::CivilDay day, double value) {
    hpb::RecordUsageRequest req;
    auto* r = req.add_readings();
    r->set_account_id(account);
    r->set_metric(metric);
    *r->mutable_day() = ToDate(day);
    r->set_value(value);
    r->set_source("telemetry");
    hpb::RecordUsageResponse out;
    grpc::Status st = health_stub_->RecordUsage(Ctx().get(), req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
  }

  void Survey(const std::string& account, const std::string& id, hpb::SurveyKind kind, int score,
              const std::string& respondent, absl::CivilDay day) {
    hpb::RecordSurveyResponseRequest req;
    auto* r = req.mutable_response();
    r->set_account_id(account);
    r->set_response_id(id);
    r->set_kind(kind);
    r->set_score(score);
    r->set_respondent(respondent);
    r->mutable_time()->set_seconds(absl::ToUnixSeconds(absl::FromCivil(day + 0, absl::UTCTimeZone())) + 36000);
    hpb::SurveyResponse out;
    grpc::Status st = health_stub_->RecordSurveyResponse(Ctx().get(), req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
  }

  std::string CreatePath(const std::string& product, const std::string& name,
                         std::vector<std::tuple<std::string, std::string, int>> milestones) {
    pb::CreateSuccessPathRequest req;
    auto* p = req.mutable_success_path();
    p->set_product(product);
    p->set_name(name);
    for (const auto& [key, criterion, due] : milestones) {
      auto* m = p->add_milestones();
      m->set_key(key);
      m->set_name(key);
      m->set_criterion(criterion);
      m->set_due_offset_days(due);
      m->set_remedy_title(absl::StrCat("How to: ", key));
      m->set_remedy_link(absl::StrCat("https://learn.vendor.example/", key));
    }
    pb::SuccessPath out;
    grpc::Status st = stub_->CreateSuccessPath(Ctx().get(), req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out.id();
  }

  void Assign(const std::string& account, const std::string& path, absl::CivilDay start) {
    pb::AssignPathRequest req;
    req.set_account_id(account);
    req.set_path_id(path);
    *req.mutable_start_day() = ToDate(start);
    pb::PathAssignment out;
    grpc::Status st = stub_->AssignPath(Ctx().get(), req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
  }

  pb::ReportRun Run(absl::CivilDay as_of, int shard = 0, int shards = 1) {
    pb::RunExceptionReportRequest req;
    *req.mutable_as_of() = ToDate(as_of);
    req.set_shard_index(shard);
    req.set_shard_count(shards);
    pb::ReportRun out;
    grpc::Status st = stub_->RunExceptionReport(Ctx().get(), req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out;
  }

  std::vector<pb::Exception> Exceptions(const std::string& account, bool active_only = true) {
    std::vector<pb::Exception> out;
    pb::ListExceptionsRequest req;
    req.set_account_id(account);
    req.set_active_only(active_only);
    req.set_page_size(2);  // several pages, to walk the tokens
    for (;;) {
      pb::ListExceptionsResponse resp;
      grpc::Status st = stub_->ListExceptions(Ctx().get(), req, &resp);
      EXPECT_TRUE(st.ok()) << st.error_message();
      out.insert(out.end(), resp.exceptions().begin(), resp.exceptions().end());
      if (resp.next_page_token().empty() || !st.ok()) return out;
      req.set_page_token(resp.next_page_token());
    }
  }

  // "RULE" or "RULE:subject" of each active exception of `account`.
  std::multiset<std::string> Fired(const std::string& account) {
    std::multiset<std::string> out;
    for (const auto& e : Exceptions(account)) {
      std::string rule(absl::StripPrefix(pb::RuleKind_Name(e.rule()), "RULE_KIND_"));
      out.insert(e.subject().empty() ? rule : absl::StrCat(rule, ":", e.subject()));
    }
    return out;
  }

  const pb::Exception* Find(const std::vector<pb::Exception>& list, pb::RuleKind rule) {
    for (const auto& e : list) {
      if (e.rule() == rule) return &e;
    }
    return nullptr;
  }

  DatabaseConfig accounts_db_;
  int accounts_port_ = 0;
  std::unique_ptr<ServiceProcess> accounts_, health_, stakeholders_, handoff_;
  std::unique_ptr<apb::AccountService::Stub> accounts_stub_;
  std::unique_ptr<hpb::HealthService::Stub> health_stub_;
  std::unique_ptr<spb::StakeholderService::Stub> stakeholders_stub_;
  std::unique_ptr<pb::HandoffService::Stub> stub_;
};

TEST_F(HandoffE2eTest, UtilityAndSyntheticPortfolioExceptionReport) {
  std::string path = CreatePath("cc-automation", "Contact-centre automation",
                                {{"first_logins", "active_users_28d >= 0.5 * seats", 14},
                                 {"reporting", "use_case.reporting >= 1", 30},
                                 {"routing", "use_case.routing >= 1", 60}});
  ASSERT_FALSE(path.empty());

  // The utility: £1m target, £320,000 realised by 26 May (projected £800,000), presence
  // 150 of 400 seats, reporting in use but routing never, one detractor among the agents.
  std::string utility = CreateAccount("Northbridge Utilities Contact Centre", 400, 100000000);
  AddStakeholder(utility, "olivia.grant@northbridge.example", spb::ROLE_OWNER);
  AddStakeholder(utility, "chris.patel@northbridge.example", spb::ROLE_CHAMPION);
  AddStakeholder(utility, "ian.shaw@northbridge.example", spb::ROLE_ENABLER, "IT");
  AddStakeholder(utility, "laura.diaz@northbridge.example", spb::ROLE_ENABLER, "L&D", spb::ENABLER_FOCUS_LEARNING);
  AddStakeholder(utility, "alex.reid@northbridge.example", spb::ROLE_PRODUCER, "Contact centre");
  Assign(utility, path, absl::CivilDay(2026, 2, 1));
  Usage(utility, "active_users_28d", absl::CivilDay(2026, 2, 10), 250);
  Usage(utility, "use_case.reporting", absl::CivilDay(2026, 3, 1), 3);
  for (int d = 20; d <= 26; ++d) Usage(utility, "active_users_28d", absl::CivilDay(2026, 5, d), 150);
  hpb::RecordValueRequest value;
  value.mutable_record()->set_account_id(utility);
  value.mutable_record()->set_record_id("v1");
  value.mutable_record()->mutable_amount()->set_currency_code("GBP");
  value.mutable_record()->mutable_amount()->set_minor_units(32000000);
  *value.mutable_record()->mutable_day() = D(2026, 5, 1);
  hpb::ValueRecord recorded;
  ASSERT_TRUE(health_stub_->RecordValue(Ctx().get(), value, &recorded).ok());
  Survey(utility, "nps-1", hpb::SURVEY_KIND_NPS, 4, "alex.reid@northbridge.example", absl::CivilDay(2026, 5, 20));
  Survey(utility, "nps-2", hpb::SURVEY_KIND_NPS, 9, "olivia.grant@northbridge.example", absl::CivilDay(2026, 5, 1));
  Survey(utility, "csat-1", hpb::SURVEY_KIND_CSAT, 5, "chris.patel@northbridge.example", absl::CivilDay(2026, 5, 2));

  // The synthetic portfolio: three kinds of account, eight of each.
  std::vector<std::string> quiet, healthy, dormant;
  for (int i = 0; i < 8; ++i) {
    // Quiet: on the path since 1 May, nobody logs in, nobody named at the customer.
    quiet.push_back(CreateAccount(absl::StrCat("Quiet ", i), 100));
    Assign(quiet.back(), path, absl::CivilDay(2026, 5, 1));
    Usage(quiet.back(), "active_users_28d", absl::CivilDay(2026, 5, 25), 0);
    // Healthy: both key roles named, no path yet, no signals.
    healthy.push_back(CreateAccount(absl::StrCat("Healthy ", i), 100));
    AddStakeholder(healthy.back(), absl::StrCat("owner", i, "@healthy.example"), spb::ROLE_OWNER);
    AddStakeholder(healthy.back(), absl::StrCat("champion", i, "@healthy.example"), spb::ROLE_CHAMPION);
    // Dormant: they love it (NPS 10, 10) and barely use it (10 of 100 seats).
    dormant.push_back(CreateAccount(absl::StrCat("Dormant ", i), 100));
    AddStakeholder(dormant.back(), absl::StrCat("owner", i, "@dormant.example"), spb::ROLE_OWNER);
    AddStakeholder(dormant.back(), absl::StrCat("champion", i, "@dormant.example"), spb::ROLE_CHAMPION);
    Usage(dormant.back(), "active_users_28d", absl::CivilDay(2026, 5, 25), 10);
    Survey(dormant.back(), "a", hpb::SURVEY_KIND_NPS, 10, "x@dormant.example", absl::CivilDay(2026, 5, 10));
    Survey(dormant.back(), "b", hpb::SURVEY_KIND_NPS, 10, "y@dormant.example", absl::CivilDay(2026, 5, 11));
  }

  pb::ReportRun first = Run(kAsOf);
  EXPECT_EQ(first.accounts_scanned(), 25);
  EXPECT_EQ(first.opened(), 4 + 8 * 3 + 8 * 1);
  EXPECT_EQ(first.updated(), 0);
  EXPECT_FALSE(first.id().empty());

  EXPECT_EQ(Fired(utility), (std::multiset<std::string>{"LOW_PRESENCE", "MILESTONE_OVERDUE:routing", "DETRACTOR",
                                                         "VALUE_GAP"}));
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(Fired(quiet[i]), (std::multiset<std::string>{"NO_PRESENCE_AFTER_HANDOFF",
                                                           "MILESTONE_OVERDUE:first_logins", "ROLE_GAP"}))
        << i;
    EXPECT_TRUE(Fired(healthy[i]).empty()) << i;
    EXPECT_EQ(Fired(dormant[i]), (std::multiset<std::string>{"DORMANT"})) << i;
  }

  // The evidence carries the numbers that fired each rule, the remedy names the people.
  std::vector<pb::Exception> found = Exceptions(utility);
  const pb::Exception* gap = Find(found, pb::RULE_KIND_VALUE_GAP);
  ASSERT_NE(gap, nullptr);
  std::map<std::string, std::string> evidence;
  for (const auto& e : gap->evidence()) evidence[e.name()] = e.value();
  EXPECT_EQ(evidence["target_minor_units"], "100000000");
  EXPECT_EQ(evidence["projected_minor_units"], "80000000");
  EXPECT_EQ(evidence["gap_minor_units"], "20000000");
  EXPECT_EQ(gap->remedy().kind(), pb::REMEDY_KIND_EXEC_REVIEW);
  EXPECT_EQ(gap->remedy().target_stakeholders(0), "olivia.grant@northbridge.example");
  EXPECT_EQ(gap->assignee(), "casey.csm@vendor.example");
  EXPECT_EQ(gap->severity(), pb::SEVERITY_HIGH);
  const pb::Exception* detractor = Find(found, pb::RULE_KIND_DETRACTOR);
  ASSERT_NE(detractor, nullptr);
  ASSERT_EQ(detractor->remedy().target_stakeholders_size(), 1);
  EXPECT_EQ(detractor->remedy().target_stakeholders(0), "alex.reid@northbridge.example");
  const pb::Exception* low = Find(found, pb::RULE_KIND_LOW_PRESENCE);
  ASSERT_NE(low, nullptr);
  ASSERT_EQ(low->remedy().target_stakeholders_size(), 1);  // the L&D enabler, not IT
  EXPECT_EQ(low->remedy().target_stakeholders(0), "laura.diaz@northbridge.example");
  const pb::Exception* overdue = Find(found, pb::RULE_KIND_MILESTONE_OVERDUE);
  ASSERT_NE(overdue, nullptr);
  EXPECT_EQ(overdue->remedy().kind(), pb::REMEDY_KIND_COURTESY_CALL);  // 54 days late

  // Progress along the path: first logins on 10 Feb, reporting on 1 Mar, routing overdue.
  pb::GetPathProgressRequest progress_req;
  progress_req.set_account_id(utility);
  *progress_req.mutable_as_of() = ToDate(kAsOf);
  pb::PathProgress progress;
  ASSERT_TRUE(stub_->GetPathProgress(Ctx().get(), progress_req, &progress).ok());
  ASSERT_EQ(progress.milestones_size(), 3);
  EXPECT_EQ(progress.milestones(0).status(), pb::MILESTONE_STATUS_ACHIEVED);
  EXPECT_EQ(progress.milestones(0).achieved_day().day(), 10);
  pb::GetPathProgressRequest unknown = progress_req;
  unknown.set_account_id("acc_0000000000000000000000000q");  // no such account: not "has no path"
  pb::PathProgress none;
  EXPECT_EQ(stub_->GetPathProgress(Ctx().get(), unknown, &none).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(progress.milestones(1).achieved_day().month(), 3);
  EXPECT_EQ(progress.milestones(2).status(), pb::MILESTONE_STATUS_OVERDUE);
  EXPECT_EQ(progress.milestones(2).days_late(), 54);

  // A rerun opens nothing new: every exception is updated once.
  pb::ReportRun again = Run(kAsOf);
  EXPECT_EQ(again.opened(), 0);
  EXPECT_EQ(again.updated(), first.opened());
  EXPECT_EQ(again.resolved(), 0);
  EXPECT_EQ(Exceptions(utility).size(), 4u);

  // Data that clears a condition resolves it by rule: the first quiet account starts using it.
  Usage(quiet[0], "active_users_28d", kAsOf, 60);
  pb::ReportRun cleared = Run(kAsOf);
  EXPECT_EQ(cleared.resolved(), 2);
  EXPECT_EQ(Fired(quiet[0]), (std::multiset<std::string>{"ROLE_GAP"}));
  int resolved_by_rule = 0;
  for (const auto& e : Exceptions(quiet[0], false)) {
    if (e.status() == pb::EXCEPTION_STATUS_RESOLVED) {
      EXPECT_EQ(e.close_source(), pb::CLOSE_SOURCE_RULE);
      ++resolved_by_rule;
    }
  }
  EXPECT_EQ(resolved_by_rule, 2);

  // A snooze holds until its day, then the exception is back.
  std::vector<pb::Exception> gaps = Exceptions(quiet[1]);
  const pb::Exception* role_gap = Find(gaps, pb::RULE_KIND_ROLE_GAP);
  ASSERT_NE(role_gap, nullptr);
  pb::SnoozeExceptionRequest snooze;
  snooze.set_id(role_gap->id());
  absl::CivilDay until = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + 10;
  *snooze.mutable_until() = ToDate(until);
  snooze.set_reason("customer re-organising, names expected next month");
  snooze.set_etag(role_gap->etag());
  pb::Exception snoozed;
  ASSERT_TRUE(stub_->SnoozeException(Ctx().get(), snooze, &snoozed).ok());
  EXPECT_EQ(snoozed.status(), pb::EXCEPTION_STATUS_SNOOZED);
  snooze.set_reason("");
  EXPECT_EQ(stub_->SnoozeException(Ctx().get(), snooze, &snoozed).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  Run(until - 1);
  pb::GetExceptionRequest get;
  get.set_id(role_gap->id());
  pb::Exception now;
  ASSERT_TRUE(stub_->GetException(Ctx().get(), get, &now).ok());
  EXPECT_EQ(now.status(), pb::EXCEPTION_STATUS_SNOOZED);
  Run(until);
  ASSERT_TRUE(stub_->GetException(Ctx().get(), get, &now).ok());
  EXPECT_EQ(now.status(), pb::EXCEPTION_STATUS_OPEN);
  EXPECT_EQ(now.id(), role_gap->id());

  // Two runs of one shard at once, and the two halves of the portfolio: each exception once.
  absl::CivilDay later = kAsOf + 1;
  pb::ReportRun a, b;
  std::thread one([&] { a = Run(later, 0, 2); }), two([&] { b = Run(later, 0, 2); });
  one.join();
  two.join();
  pb::ReportRun other = Run(later, 1, 2);
  EXPECT_EQ(a.accounts_scanned() + other.accounts_scanned(), 25);
  EXPECT_EQ(a.accounts_scanned(), b.accounts_scanned());
  std::set<std::string> keys;
  int active = 0;
  for (const auto& id : std::vector<std::vector<std::string>>{quiet, healthy, dormant, {utility}}) {
    for (const auto& account : id) {
      for (const auto& e : Exceptions(account)) {
        ++active;
        EXPECT_TRUE(keys.insert(absl::StrCat(account, "/", e.rule(), "/", e.subject())).second) << e.DebugString();
      }
    }
  }
  EXPECT_EQ(active, 4 + 8 * 3 + 8 - 2);

  // What the scheduled job runs: flywheelctl prints the report as CSV and exits 0; a run
  // that fails (here: a shard that does not exist) exits non-zero.
  auto ctl = [&](const std::string& args, std::string* out) {
    std::string command = absl::StrCat(FLYWHEEL_CTL_BINARY, " --handoff=", handoff_->address(), " ", args, " 2>/dev/null");
    FILE* pipe = popen(command.c_str(), "r");
    char buffer[4096];
    for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out->append(buffer, n);
    int status = pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  std::string csv;
  ASSERT_EQ(ctl("report exceptions --as-of 2026-05-27 --shard 0/1 --format csv", &csv), 0);
  EXPECT_EQ(csv.rfind("ACCOUNT,RULE,SUBJECT,SEVERITY,STATUS,", 0), 0u) << csv;
  EXPECT_NE(csv.find(absl::StrCat("\r\n", utility, ",VALUE_GAP,,HIGH,OPEN,2026-05-26,")), std::string::npos) << csv;
  std::string ignored;
  EXPECT_NE(ctl("report exceptions --as-of 2026-05-27 --shard 3/2", &ignored), 0);
}

TEST_F(HandoffE2eTest, GatesAcceptAndStalledHandoffs) {
  std::string account = CreateAccount("Harbour Water", 200);
  pb::CreateHandoffRequest create;
  auto* h = create.mutable_handoff();
  h->set_account_id(account);
  h->set_from_team(pb::TEAM_SALES);
  h->set_to_team(pb::TEAM_IMPLEMENTATION);
  h->set_sending_owner("sam.sales@vendor.example");
  create.set_request_id("handoff-harbour-1");
  pb::Handoff draft;
  ASSERT_TRUE(stub_->CreateHandoff(Ctx().get(), create, &draft).ok());
  EXPECT_EQ(draft.state(), pb::HANDOFF_STATE_DRAFT);
  pb::Handoff replay;
  ASSERT_TRUE(stub_->CreateHandoff(Ctx().get(), create, &replay).ok());
  EXPECT_EQ(replay.id(), draft.id());

  // Every gate fails, and every failure is listed.
  pb::SubmitHandoffRequest submit;
  submit.set_id(draft.id());
  pb::Handoff submitted;
  grpc::Status st = stub_->SubmitHandoff(Ctx().get(), submit, &submitted);
  ASSERT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  std::set<std::string> gates;
  for (const auto& v : GetPreconditionViolations(FromGrpcStatus(st))) gates.insert(v.subject);
  EXPECT_EQ(gates, (std::set<std::string>{"VALUE_TARGET_SET", "OWNER_IDENTIFIED", "CHAMPION_IDENTIFIED",
                                          "SUCCESS_CRITERIA_DOCUMENTED", "SUCCESS_PATH_ASSIGNED",
                                          "RECEIVING_OWNER_SET"}));

  // Make them hold.
  apb::UpdateAccountRequest target;
  target.mutable_account()->set_id(account);
  target.mutable_account()->mutable_value_target()->mutable_amount()->set_currency_code("GBP");
  target.mutable_account()->mutable_value_target()->mutable_amount()->set_minor_units(50000000);
  target.mutable_update_mask()->add_paths("value_target");
  apb::Account updated_account;
  ASSERT_TRUE(accounts_stub_->UpdateAccount(Ctx().get(), target, &updated_account).ok());
  AddStakeholder(account, "owner@harbour.example", spb::ROLE_OWNER);
  AddStakeholder(account, "champion@harbour.example", spb::ROLE_CHAMPION);
  std::string path = CreatePath("water-ops", "Standard onboarding", {{"first_logins", "active_users_28d >= 1", 7}});
  pb::AssignPathRequest assign;
  assign.set_account_id(account);
  assign.set_path_id(path);
  pb::PathAssignment assignment;
  ASSERT_TRUE(stub_->AssignPath(Ctx().get(), assign, &assignment).ok());
  EXPECT_FALSE(assignment.has_start_day());
  pb::UpdateHandoffRequest update;
  update.mutable_handoff()->set_id(draft.id());
  update.mutable_handoff()->set_receiving_owner("ivy.impl@vendor.example");
  update.mutable_handoff()->set_success_criteria("Agents on the new desktop by June; 20% fewer repeat calls");
  update.mutable_handoff()->set_etag(draft.etag());
  update.mutable_update_mask()->add_paths("receiving_owner");
  update.mutable_update_mask()->add_paths("success_criteria");
  pb::Handoff ready;
  ASSERT_TRUE(stub_->UpdateHandoff(Ctx().get(), update, &ready).ok());
  EXPECT_EQ(stub_->UpdateHandoff(Ctx().get(), update, &ready).error_code(), grpc::StatusCode::ABORTED);  // stale etag
  st = stub_->SubmitHandoff(Ctx().get(), submit, &submitted);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(submitted.state(), pb::HANDOFF_STATE_SUBMITTED);
  EXPECT_EQ(submitted.sla_due_time().seconds() - submitted.submit_time().seconds(), 3 * 86400);
  EXPECT_FALSE(submitted.overdue());

  // Accept while the accounts service is down: UNAVAILABLE, and nothing has moved.
  ASSERT_EQ(accounts_->Terminate(), 0);
  pb::AcceptHandoffRequest accept;
  accept.set_id(draft.id());
  pb::Handoff accepted;
  st = stub_->AcceptHandoff(Ctx().get(), accept, &accepted);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNAVAILABLE) << st.error_message();
  pb::GetHandoffRequest get;
  get.set_id(draft.id());
  pb::Handoff still;
  ASSERT_TRUE(stub_->GetHandoff(Ctx().get(), get, &still).ok());
  EXPECT_EQ(still.state(), pb::HANDOFF_STATE_SUBMITTED);
  EXPECT_EQ(still.etag(), submitted.etag());

  // The accounts service returns; the same call succeeds (once the handoff service has
  // reconnected, within a few seconds) and the account moves on.
  StartAccounts();
  absl::Time give_up = absl::Now() + absl::Seconds(10);
  do {
    st = stub_->AcceptHandoff(Ctx().get(), accept, &accepted);
  } while (st.error_code() == grpc::StatusCode::UNAVAILABLE && absl::Now() < give_up);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(accepted.state(), pb::HANDOFF_STATE_ACCEPTED);
  apb::GetAccountRequest get_account;
  get_account.set_id(account);
  apb::Account moved;
  ASSERT_TRUE(accounts_stub_->GetAccount(Ctx().get(), get_account, &moved).ok());
  EXPECT_EQ(moved.lifecycle_stage(), apb::LIFECYCLE_STAGE_ONBOARDING);
  pb::GetPathProgressRequest progress_req;
  progress_req.set_account_id(account);
  pb::PathProgress progress;
  ASSERT_TRUE(stub_->GetPathProgress(Ctx().get(), progress_req, &progress).ok());
  absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  EXPECT_EQ(progress.start_day().day(), today.day());  // the path clock started on accept
  EXPECT_EQ(stub_->AcceptHandoff(Ctx().get(), accept, &accepted).error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  // Implementation hands over to Customer Success: ADOPTION, and the receiving owner is the CSM.
  create.mutable_handoff()->set_from_team(pb::TEAM_IMPLEMENTATION);
  create.mutable_handoff()->set_to_team(pb::TEAM_CUSTOMER_SUCCESS);
  create.mutable_handoff()->set_receiving_owner("carla.cs@vendor.example");
  create.mutable_handoff()->set_success_criteria("Steady state: 80% presence");
  create.set_request_id("");
  pb::Handoff to_cs;
  ASSERT_TRUE(stub_->CreateHandoff(Ctx().get(), create, &to_cs).ok());
  submit.set_id(to_cs.id());
  ASSERT_TRUE(stub_->SubmitHandoff(Ctx().get(), submit, &submitted).ok());

  // Left unaccepted past its SLA, it is a stalled handoff in the report (streamed, dry run).
  pb::RunExceptionReportRequest report;
  *report.mutable_as_of() = ToDate(today + 5);
  report.set_dry_run(true);
  auto ctx = Ctx();
  auto reader = stub_->StreamExceptionReport(ctx.get(), report);
  pb::ExceptionReportEvent event;
  std::vector<pb::Exception> streamed;
  pb::ReportRun summary;
  while (reader->Read(&event)) {
    if (event.has_exception()) streamed.push_back(event.exception());
    if (event.has_run()) summary = event.run();
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_TRUE(summary.dry_run());
  EXPECT_EQ(summary.accounts_scanned(), 1);
  const pb::Exception* stalled = Find(streamed, pb::RULE_KIND_HANDOFF_STALLED);
  ASSERT_NE(stalled, nullptr);
  EXPECT_EQ(stalled->subject(), to_cs.id());
  EXPECT_EQ(stalled->remedy().target_role(), "CUSTOMER_SUCCESS");
  EXPECT_EQ(stalled->remedy().target_stakeholders(0), "carla.cs@vendor.example");
  EXPECT_EQ(summary.opened(), static_cast<int64_t>(streamed.size()));
  EXPECT_TRUE(Exceptions(account).empty());  // a dry run writes nothing

  accept.set_id(to_cs.id());
  ASSERT_TRUE(stub_->AcceptHandoff(Ctx().get(), accept, &accepted).ok());
  ASSERT_TRUE(accounts_stub_->GetAccount(Ctx().get(), get_account, &moved).ok());
  EXPECT_EQ(moved.lifecycle_stage(), apb::LIFECYCLE_STAGE_ADOPTION);
  EXPECT_EQ(moved.csm_owner(), "carla.cs@vendor.example");

  pb::RejectHandoffRequest reject;
  reject.set_id(to_cs.id());
  EXPECT_EQ(stub_->RejectHandoff(Ctx().get(), reject, &accepted).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // The handoff's trail: each state it went through, oldest first.
  pb::ListAuditEntriesRequest trail_req;
  trail_req.set_resource_id(to_cs.id());
  pb::ListAuditEntriesResponse trail;
  ASSERT_TRUE(stub_->ListAuditEntries(Ctx().get(), trail_req, &trail).ok());
  std::vector<std::string> actions;
  for (const auto& e : trail.entries()) {
    actions.push_back(e.action());
    EXPECT_EQ(e.account_id(), account);
  }
  ASSERT_EQ(actions.size(), 3u);
  EXPECT_EQ(actions[0], "CREATE");
}

TEST_F(HandoffE2eTest, PathRulesAndBadInput) {
  for (int i = 0; i < 5; ++i) ASSERT_FALSE(CreatePath("limits", absl::StrCat("Path ", i), {{"m", "nps >= 0", 10}}).empty());
  pb::CreateSuccessPathRequest req;
  req.mutable_success_path()->set_product("limits");
  req.mutable_success_path()->set_name("Sixth");
  auto* m = req.mutable_success_path()->add_milestones();
  m->set_key("m");
  m->set_name("m");
  m->set_criterion("nps >= 0");
  m->set_due_offset_days(10);
  m->set_remedy_title("t");
  m->set_remedy_link("https://x.example/t");
  pb::SuccessPath out;
  EXPECT_EQ(stub_->CreateSuccessPath(Ctx().get(), req, &out).error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  req.mutable_success_path()->set_product("other");
  m->set_criterion("active_users_28d >= 0.5 * ");
  grpc::Status st = stub_->CreateSuccessPath(Ctx().get(), req, &out);
  ASSERT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto violations = GetFieldViolations(FromGrpcStatus(st));
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].field, "success_path.milestones[0].criterion");
  EXPECT_NE(violations[0].description.find("position 26"), std::string::npos) << violations[0].description;

  pb::RunExceptionReportRequest bad;
  bad.set_shard_index(3);
  bad.set_shard_count(2);
  bad.mutable_as_of()->set_month(13);
  pb::ReportRun run;
  st = stub_->RunExceptionReport(Ctx().get(), bad, &run);
  ASSERT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::set<std::string> fields;
  for (const auto& v : GetFieldViolations(FromGrpcStatus(st))) fields.insert(v.field);
  EXPECT_EQ(fields, (std::set<std::string>{"as_of", "shard_index"}));

  pb::UpdateRuleRequest rule;
  rule.mutable_rule()->set_rule(pb::RULE_KIND_HEALTH_DROP);
  rule.mutable_rule()->set_threshold(20);
  rule.mutable_update_mask()->add_paths("threshold");
  pb::ExceptionRule updated;
  ASSERT_TRUE(stub_->UpdateRule(Ctx().get(), rule, &updated).ok());
  EXPECT_EQ(updated.threshold(), 20);
  pb::ListRulesResponse rules;
  ASSERT_TRUE(stub_->ListRules(Ctx().get(), pb::ListRulesRequest(), &rules).ok());
  ASSERT_EQ(rules.rules_size(), 10);
  EXPECT_EQ(rules.rules(9).threshold(), 20);
  rule.mutable_update_mask()->add_paths("color");
  EXPECT_EQ(stub_->UpdateRule(Ctx().get(), rule, &updated).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace flywheel
