// The real accounts, health and stakeholders binaries, each on a free port with its own
// database: the utility-company scenario of DESIGN §1 end to end.
#include <algorithm>
#include <iterator>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "common/testing/call_helpers.h"
#include "common/testing/service_process.h"
#include "common/testing/test_mariadb.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"
#include "flywheel/health/v1/health.grpc.pb.h"
#include "flywheel/stakeholders/v1/stakeholders.grpc.pb.h"
#include "gtest/gtest.h"

namespace flywheel {
namespace {

std::set<std::string> ViolationFieldsOf(const grpc::Status& s) {
  std::set<std::string> out;
  for (const auto& v : GetFieldViolations(FromGrpcStatus(s))) out.insert(v.field);
  return out;
}

namespace apb = flywheel::accounts::v1;
namespace hpb = flywheel::health::v1;
namespace spb = flywheel::stakeholders::v1;
using testing::ServiceProcess;
using testing::TestMariaDb;

flywheel::type::v1::Date D(int y, int m, int d) { return testing::Day(y, m, d); }
std::unique_ptr<grpc::ClientContext> Ctx() { return testing::CallContext(); }

std::set<std::string> Fields(const grpc::Status& s) {
  std::set<std::string> out;
  for (const auto& v : GetFieldViolations(FromGrpcStatus(s))) out.insert(v.field);
  return out;
}

class StakeholdersE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    accounts_ = std::make_unique<ServiceProcess>(FLYWHEEL_ACCOUNTS_BINARY, TestMariaDb::Shared().NewDatabaseConfig());
    std::string accounts_flag = absl::StrCat("--accounts_addr=", accounts_->address());
    health_ = std::make_unique<ServiceProcess>(FLYWHEEL_HEALTH_BINARY, TestMariaDb::Shared().NewDatabaseConfig(),
                                               std::vector<std::string>{accounts_flag});
    stakeholders_ = std::make_unique<ServiceProcess>(
        FLYWHEEL_STAKEHOLDERS_BINARY, TestMariaDb::Shared().NewDatabaseConfig(),
        std::vector<std::string>{accounts_flag, absl::StrCat("--health_addr=", health_->address())});
    accounts_stub_ = apb::AccountService::NewStub(accounts_->channel());
    health_stub_ = hpb::HealthService::NewStub(health_->channel());
    stub_ = spb::StakeholderService::NewStub(stakeholders_->channel());

    apb::CreateAccountRequest req;
    auto* a = req.mutable_account();
    a->set_name("Northbridge Utilities Contact Centre");
    a->set_licensed_seats(400);
    *a->mutable_contract_start() = D(2026, 1, 1);
    a->mutable_value_target()->mutable_amount()->set_currency_code("GBP");
    a->mutable_value_target()->mutable_amount()->set_minor_units(100000000);
    a->mutable_value_target()->set_description("cost reduction");
    apb::Account out;
    ASSERT_TRUE(accounts_stub_->CreateAccount(Ctx().get(), req, &out).ok());
    utility_ = out.id();
  }

  spb::Stakeholder Add(const std::string& name, const std::string& email, spb::Role role, const std::string& function,
                       bool authority = false, spb::EnablerFocus focus = spb::ENABLER_FOCUS_UNSPECIFIED) {
    spb::CreateStakeholderRequest req;
    auto* s = req.mutable_stakeholder();
    s->set_enabler_focus(focus);
    s->set_account_id(utility_);
    s->set_name(name);
    s->set_email(email);
    s->set_function(function);
    s->set_role(role);
    s->set_decision_authority(authority);
    s->set_engagement(spb::ENGAGEMENT_ENGAGED);
    spb::Stakeholder out;
    grpc::Status st = stub_->CreateStakeholder(Ctx().get(), req, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out;
  }

  std::unique_ptr<ServiceProcess> accounts_, health_, stakeholders_;
  std::unique_ptr<apb::AccountService::Stub> accounts_stub_;
  std::unique_ptr<hpb::HealthService::Stub> health_stub_;
  std::unique_ptr<spb::StakeholderService::Stub> stub_;
  std::string utility_;
};

TEST_F(StakeholdersE2eTest, UtilityScenarioRolesChangeFollowUpsAndOwnerBriefing) {
  spb::Stakeholder owner = Add("Olivia Grant", "olivia.grant@northbridge.example", spb::ROLE_OWNER, "Operations", true);
  spb::Stakeholder champion = Add("Chris Patel", "chris.patel@northbridge.example", spb::ROLE_CHAMPION, "Operations");
  spb::Stakeholder it = Add("Ian Shaw", "ian.shaw@northbridge.example", spb::ROLE_ENABLER, "IT");
  spb::Stakeholder ld = Add("Laura Diaz", "laura.diaz@northbridge.example", spb::ROLE_ENABLER, "L&D", false,
                           spb::ENABLER_FOCUS_LEARNING);
  Add("Alex Reid", "alex.reid@northbridge.example", spb::ROLE_PRODUCER, "Contact centre");

  spb::GetCoverageRequest cov;
  cov.set_account_id(utility_);
  spb::Coverage coverage;
  ASSERT_TRUE(stub_->GetCoverage(Ctx().get(), cov, &coverage).ok());
  EXPECT_TRUE(coverage.complete());
  EXPECT_FALSE(coverage.single_threaded());
  EXPECT_EQ(coverage.roles(2).stakeholders(), 2);

  // The Owner asks for more aggressive automation rules: the wheel spins.
  spb::CreateChangeInitiativeRequest change;
  auto* c = change.mutable_initiative();
  c->set_account_id(utility_);
  c->set_owner_stakeholder_id(owner.id());
  c->set_title("More aggressive automation rules");
  c->set_needs_training(true);
  c->set_needs_communication(true);
  auto* impact = c->add_impacts();
  impact->set_role(spb::ROLE_PRODUCER);
  impact->set_impact(spb::IMPACT_NEGATIVE);
  change.set_request_id("change-automation-1");
  spb::ChangeInitiative created;
  ASSERT_TRUE(stub_->CreateChangeInitiative(Ctx().get(), change, &created).ok());
  ASSERT_EQ(created.follow_ups_size(), 3);
  EXPECT_EQ(created.follow_ups(0).kind(), spb::FOLLOW_UP_KIND_TRAINING_CONTENT);
  EXPECT_EQ(created.follow_ups(0).assignee_stakeholder_id(), ld.id());
  EXPECT_EQ(created.follow_ups(1).kind(), spb::FOLLOW_UP_KIND_FOCUS_CHANGE);
  EXPECT_EQ(created.follow_ups(1).assignee_stakeholder_id(), champion.id());
  EXPECT_EQ(created.follow_ups(2).kind(), spb::FOLLOW_UP_KIND_COMMUNICATION);
  EXPECT_EQ(created.follow_ups(2).role(), spb::ROLE_PRODUCER);
  EXPECT_EQ(created.follow_ups(2).assignee_stakeholder_id(), champion.id());
  spb::ChangeInitiative replay;
  ASSERT_TRUE(stub_->CreateChangeInitiative(Ctx().get(), change, &replay).ok());
  EXPECT_EQ(replay.id(), created.id());
  EXPECT_EQ(replay.SerializeAsString(), created.SerializeAsString());  // the first response, whole
  // The same request id with another request is refused, not answered with the first initiative.
  spb::CreateChangeInitiativeRequest reused = change;
  reused.mutable_initiative()->set_title("Something else entirely");
  grpc::Status refused = stub_->CreateChangeInitiative(Ctx().get(), reused, &replay);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolationFieldsOf(refused), std::set<std::string>{"request_id"});

  spb::AdvanceAdkarStageRequest skip;
  skip.set_id(created.id());
  skip.set_to_stage(spb::ADKAR_STAGE_KNOWLEDGE);
  spb::ChangeInitiative advanced;
  EXPECT_EQ(stub_->AdvanceAdkarStage(Ctx().get(), skip, &advanced).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  skip.set_to_stage(spb::ADKAR_STAGE_DESIRE);
  ASSERT_TRUE(stub_->AdvanceAdkarStage(Ctx().get(), skip, &advanced).ok());
  EXPECT_EQ(advanced.stage(), spb::ADKAR_STAGE_DESIRE);

  // Signals through the health API: £320,000 realised by 26 May, agent engagement readings.
  hpb::RecordValueRequest value;
  value.mutable_record()->set_account_id(utility_);
  value.mutable_record()->set_record_id("h1");
  value.mutable_record()->mutable_amount()->set_currency_code("GBP");
  value.mutable_record()->mutable_amount()->set_minor_units(32000000);
  *value.mutable_record()->mutable_day() = D(2026, 5, 20);
  hpb::ValueRecord stored;
  ASSERT_TRUE(health_stub_->RecordValue(Ctx().get(), value, &stored).ok());
  hpb::RecordUsageRequest usage;
  for (auto [day, v] : std::vector<std::pair<int, double>>{{10, 64}, {24, 71}}) {
    auto* r = usage.add_readings();
    r->set_account_id(utility_);
    *r->mutable_day() = D(2026, 5, day);
    r->set_metric("agent_engagement");
    r->set_value(v);
  }
  hpb::RecordUsageResponse accepted;
  ASSERT_TRUE(health_stub_->RecordUsage(Ctx().get(), usage, &accepted).ok());

  spb::GetBriefingRequest brief;
  brief.set_stakeholder_id(owner.id());
  *brief.mutable_as_of() = D(2026, 5, 26);
  spb::Briefing briefing;
  grpc::Status bs = stub_->GetBriefing(Ctx().get(), brief, &briefing);
  ASSERT_TRUE(bs.ok()) << bs.error_message();
  EXPECT_EQ(briefing.role(), spb::ROLE_OWNER);
  EXPECT_EQ(briefing.value_target().minor_units(), 100000000);
  EXPECT_EQ(briefing.value_projected().minor_units(), 80000000);
  EXPECT_EQ(briefing.value_gap().minor_units(), 20000000);
  ASSERT_EQ(briefing.metrics_size(), 1);
  EXPECT_EQ(briefing.metrics(0).name(), "agent_engagement");
  EXPECT_EQ(briefing.metrics(0).latest(), 71);
  EXPECT_EQ(briefing.metrics(0).previous(), 64);
  EXPECT_EQ(briefing.metrics(0).trend(), spb::TREND_UP);

  // Nobody is a second Owner-style role gap here, but a role nobody holds says so.
  spb::UpdateStakeholderRequest demote;
  *demote.mutable_stakeholder() = it;
  demote.mutable_stakeholder()->set_role(spb::ROLE_PRODUCER);
  demote.mutable_update_mask()->add_paths("role");
  spb::Stakeholder updated;
  ASSERT_TRUE(stub_->UpdateStakeholder(Ctx().get(), demote, &updated).ok());
  EXPECT_EQ(updated.role(), spb::ROLE_PRODUCER);
  // The etag read before that update is stale now.
  demote.mutable_stakeholder()->set_role(spb::ROLE_ENABLER);
  EXPECT_EQ(stub_->UpdateStakeholder(Ctx().get(), demote, &updated).error_code(), grpc::StatusCode::ABORTED);
  spb::DeleteStakeholderRequest del;
  del.set_id(ld.id());
  spb::Stakeholder deleted;
  ASSERT_TRUE(stub_->DeleteStakeholder(Ctx().get(), del, &deleted).ok());
  spb::GetBriefingRequest enabler;
  enabler.set_account_id(utility_);
  enabler.set_role(spb::ROLE_ENABLER);
  *enabler.mutable_as_of() = D(2026, 5, 26);
  ASSERT_TRUE(stub_->GetBriefing(Ctx().get(), enabler, &briefing).ok());
  EXPECT_TRUE(briefing.role_unfilled());
  EXPECT_NE(briefing.summary().find("Nobody"), std::string::npos);
  ASSERT_TRUE(stub_->GetCoverage(Ctx().get(), cov, &coverage).ok());
  ASSERT_EQ(coverage.missing_roles_size(), 1);
  EXPECT_EQ(coverage.missing_roles(0), spb::ROLE_ENABLER);
  spb::ListCoverageGapsRequest gaps;
  spb::ListCoverageGapsResponse gap_list;
  ASSERT_TRUE(stub_->ListCoverageGaps(Ctx().get(), gaps, &gap_list).ok());
  ASSERT_EQ(gap_list.gaps_size(), 1);
  EXPECT_EQ(gap_list.gaps(0).account_id(), utility_);
}

// Gaps page through an owner's accounts in id order, across the service's own pages of accounts
// (500 a page): every account without stakeholders once, an account with every role never,
// other owners' accounts never.
TEST_F(StakeholdersE2eTest, CoverageGapsPageThroughTheWholePortfolioInIdOrder) {
  std::set<std::string> owned;
  {
    grpc::ClientContext ctx;
    apb::BulkUpsertAccountsResponse resp;
    auto writer = accounts_stub_->BulkUpsertAccounts(&ctx, &resp);
    for (int m = 0; m < 2; ++m) {
      apb::BulkUpsertAccountsRequest msg;
      for (int i = 0; i < 700; ++i) {
        auto* r = msg.add_records();
        r->set_source("crm");
        r->set_external_id(absl::StrCat("gap-", m, "-", i));
        r->mutable_account()->set_name(absl::StrCat("Gap Co ", m, "-", i));
        r->mutable_account()->set_csm_owner(i % 7 == 0 ? "other@vendor.example" : "walker@vendor.example");
      }
      ASSERT_TRUE(writer->Write(msg));
    }
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
    for (int i = 0; i < resp.results_size(); ++i) {
      if (resp.results(i).index() % 700 % 7 != 0) owned.insert(resp.results(i).account_id());
    }
  }
  ASSERT_EQ(owned.size(), 1200u);
  // One owned account has every role filled, so it has no gap.
  std::string covered = *std::next(owned.begin(), 600);
  int n = 0;
  for (spb::Role role : {spb::ROLE_OWNER, spb::ROLE_CHAMPION, spb::ROLE_ENABLER, spb::ROLE_PRODUCER}) {
    spb::CreateStakeholderRequest req;
    auto* s = req.mutable_stakeholder();
    s->set_account_id(covered);
    s->set_name(absl::StrCat("Person ", n));
    s->set_email(absl::StrCat("person", n++, "@gapco.example"));
    s->set_role(role);
    s->set_engagement(spb::ENGAGEMENT_ENGAGED);
    spb::Stakeholder out;
    ASSERT_TRUE(stub_->CreateStakeholder(Ctx().get(), req, &out).ok());
  }
  spb::GetCoverageRequest cov;
  cov.set_account_id(covered);
  spb::Coverage coverage;
  ASSERT_TRUE(stub_->GetCoverage(Ctx().get(), cov, &coverage).ok());
  ASSERT_TRUE(coverage.complete() && !coverage.single_threaded());
  std::set<std::string> expected = owned;
  expected.erase(covered);

  std::vector<std::string> walked;
  spb::ListCoverageGapsRequest req;
  req.set_csm_owner("walker@vendor.example");
  req.set_page_size(97);
  int pages = 0;
  do {
    spb::ListCoverageGapsResponse page;
    grpc::Status s = stub_->ListCoverageGaps(Ctx().get(), req, &page);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_LE(page.gaps_size(), 97);
    for (const auto& g : page.gaps()) walked.push_back(g.account_id());
    req.set_page_token(page.next_page_token());
    ASSERT_LT(++pages, 100);
  } while (!req.page_token().empty());
  EXPECT_TRUE(std::is_sorted(walked.begin(), walked.end()));
  EXPECT_EQ(std::set<std::string>(walked.begin(), walked.end()).size(), walked.size()) << "an account twice";
  EXPECT_EQ(std::set<std::string>(walked.begin(), walked.end()), expected);
  EXPECT_EQ(pages, static_cast<int>((expected.size() + 96) / 97));
}

TEST_F(StakeholdersE2eTest, RaciRulesAreAllReportedAndTheMatrixReadsBack) {
  spb::Stakeholder owner = Add("Olivia Grant", "olivia@northbridge.example", spb::ROLE_OWNER, "Operations", true);
  spb::Stakeholder champion = Add("Chris Patel", "chris@northbridge.example", spb::ROLE_CHAMPION, "Operations");
  spb::CreateRaciActivityRequest act;
  act.mutable_activity()->set_account_id(utility_);
  act.mutable_activity()->set_name("Automation rule changes");
  spb::RaciActivity activity;
  ASSERT_TRUE(stub_->CreateRaciActivity(Ctx().get(), act, &activity).ok());

  spb::SetRaciAssignmentsRequest bad;
  bad.set_activity_id(activity.id());
  auto* a = bad.add_assignments();
  a->set_stakeholder_id(champion.id());
  a->set_letter(spb::RACI_LETTER_ACCOUNTABLE);
  spb::SetRaciAssignmentsResponse resp;
  grpc::Status s = stub_->SetRaciAssignments(Ctx().get(), bad, &resp);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(GetFieldViolations(FromGrpcStatus(s)).size(), 2u);  // A without authority, no R

  // A bad letter and a malformed id in one request: both named in one answer.
  spb::SetRaciAssignmentsRequest two_bad;
  two_bad.set_activity_id(activity.id());
  auto* letter = two_bad.add_assignments();
  letter->set_stakeholder_id(owner.id());
  letter->set_letter(static_cast<spb::RaciLetter>(99));
  two_bad.add_assignments()->set_stakeholder_id("not-a-stakeholder-id");
  two_bad.mutable_assignments(1)->set_letter(spb::RACI_LETTER_RESPONSIBLE);
  s = stub_->SetRaciAssignments(Ctx().get(), two_bad, &resp);
  std::set<std::string> named;
  for (const auto& v : GetFieldViolations(FromGrpcStatus(s))) named.insert(v.field);
  EXPECT_EQ(named, (std::set<std::string>{"assignments[0].letter", "assignments[1].stakeholder_id"}));

  spb::SetRaciAssignmentsRequest good;
  good.set_activity_id(activity.id());
  auto* acc = good.add_assignments();
  acc->set_stakeholder_id(owner.id());
  acc->set_letter(spb::RACI_LETTER_ACCOUNTABLE);
  auto* res = good.add_assignments();
  res->set_stakeholder_id(champion.id());
  res->set_letter(spb::RACI_LETTER_RESPONSIBLE);
  ASSERT_TRUE(stub_->SetRaciAssignments(Ctx().get(), good, &resp).ok());
  EXPECT_TRUE(resp.warnings().empty());
  spb::GetRaciMatrixRequest mreq;
  mreq.set_account_id(utility_);
  spb::RaciMatrix matrix;
  ASSERT_TRUE(stub_->GetRaciMatrix(Ctx().get(), mreq, &matrix).ok());
  ASSERT_EQ(matrix.rows_size(), 1);
  std::map<std::string, int> letters;
  for (int i = 0; i < matrix.stakeholders_size(); ++i) letters[matrix.stakeholders(i).id()] = matrix.rows(0).letters(i);
  EXPECT_EQ(letters[owner.id()], spb::RACI_LETTER_ACCOUNTABLE);
  EXPECT_EQ(letters[champion.id()], spb::RACI_LETTER_RESPONSIBLE);

  // The activity's trail: created, then its assignments set once (the refused call wrote nothing).
  spb::ListAuditEntriesRequest trail_req;
  trail_req.set_resource_id(activity.id());
  spb::ListAuditEntriesResponse trail;
  ASSERT_TRUE(stub_->ListAuditEntries(Ctx().get(), trail_req, &trail).ok());
  ASSERT_EQ(trail.entries_size(), 2);
  EXPECT_EQ(trail.entries(0).action(), "CREATE");
  EXPECT_EQ(trail.entries(1).action(), "SET_ASSIGNMENTS");
  EXPECT_EQ(trail.entries(1).account_id(), utility_);
  // By account: the two people, then the activity's two entries.
  trail_req.clear_resource_id();
  trail_req.set_account_id(utility_);
  ASSERT_TRUE(stub_->ListAuditEntries(Ctx().get(), trail_req, &trail).ok());
  ASSERT_EQ(trail.entries_size(), 4);
  EXPECT_EQ(trail.entries(0).resource_id(), owner.id());
  EXPECT_EQ(trail.entries(1).resource_id(), champion.id());
}

TEST_F(StakeholdersE2eTest, BadInputAndUnknownAccountsWriteNothing) {
  spb::CreateStakeholderRequest req;
  auto* s = req.mutable_stakeholder();
  s->set_account_id(utility_);
  s->set_name("");
  s->set_email("not-an-email");
  s->set_role(static_cast<spb::Role>(9));
  spb::Stakeholder out;
  grpc::Status st = stub_->CreateStakeholder(Ctx().get(), req, &out);
  EXPECT_EQ(Fields(st), (std::set<std::string>{"stakeholder.name", "stakeholder.email", "stakeholder.role"}));
  s->set_name("Ghost");
  s->set_email("ghost@example.com");
  s->set_role(spb::ROLE_CHAMPION);
  s->set_account_id("acc_0000000000000000000000000q");
  EXPECT_EQ(stub_->CreateStakeholder(Ctx().get(), req, &out).error_code(), grpc::StatusCode::NOT_FOUND);
  Add("Olivia", "olivia@northbridge.example", spb::ROLE_OWNER, "Operations", true);
  s->set_account_id(utility_);
  s->set_email("OLIVIA@northbridge.example");
  EXPECT_EQ(stub_->CreateStakeholder(Ctx().get(), req, &out).error_code(), grpc::StatusCode::ALREADY_EXISTS);
  spb::ListStakeholdersRequest list;
  list.set_account_id(utility_);
  spb::ListStakeholdersResponse listed;
  ASSERT_TRUE(stub_->ListStakeholders(Ctx().get(), list, &listed).ok());
  EXPECT_EQ(listed.stakeholders_size(), 1);
}

TEST_F(StakeholdersE2eTest, CrmBulkUpsertOfTwentyThousandContacts) {
  auto send = [&](bool dry_run, spb::BulkUpsertStakeholdersResponse* out) {
    grpc::ClientContext ctx;
    auto writer = stub_->BulkUpsertStakeholders(&ctx, out);
    for (int chunk = 0; chunk < 20; ++chunk) {
      spb::BulkUpsertStakeholdersRequest msg;
      msg.set_dry_run(dry_run);
      for (int j = 0; j < 1000; ++j) {
        int i = chunk * 1000 + j;
        auto* r = msg.add_records();
        r->set_source("salesforce");
        r->set_external_id(absl::StrCat("003-", i));
        auto* s = r->mutable_stakeholder();
        s->set_account_id(utility_);
        s->set_name(absl::StrCat("Agent ", i));
        s->set_email(absl::StrCat("agent", i, "@northbridge.example"));
        s->set_role(spb::ROLE_PRODUCER);
        if (i % 500 == 11) s->set_email("broken");               // invalid
        if (i % 1000 == 999) s->set_account_id("acc_0000000000000000000000000q");  // unknown account
      }
      if (!writer->Write(msg)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  };
  const int kInvalid = 40, kUnknown = 20;
  spb::BulkUpsertStakeholdersResponse dry;
  grpc::Status s = send(true, &dry);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(dry.created(), 20000 - kInvalid - kUnknown);
  spb::GetCoverageRequest cov;
  cov.set_account_id(utility_);
  spb::Coverage coverage;
  ASSERT_TRUE(stub_->GetCoverage(Ctx().get(), cov, &coverage).ok());
  EXPECT_EQ(coverage.stakeholders(), 0) << "a dry run wrote something";

  spb::BulkUpsertStakeholdersResponse real;
  s = send(false, &real);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(real.results_size(), 20000);
  EXPECT_EQ(real.created(), 20000 - kInvalid - kUnknown);
  EXPECT_EQ(real.failed(), kInvalid + kUnknown);
  EXPECT_EQ(real.results(11).outcome(), spb::UPSERT_OUTCOME_FAILED);
  EXPECT_EQ(real.results(11).errors(0).field(), "stakeholder.email");
  EXPECT_EQ(real.results(999).outcome(), spb::UPSERT_OUTCOME_FAILED);
  ASSERT_TRUE(stub_->GetCoverage(Ctx().get(), cov, &coverage).ok());
  EXPECT_EQ(coverage.stakeholders(), 20000 - kInvalid - kUnknown);

  spb::BulkUpsertStakeholdersResponse again;
  ASSERT_TRUE(send(false, &again).ok());
  EXPECT_EQ(again.unchanged(), 20000 - kInvalid - kUnknown);
}

}  // namespace
}  // namespace flywheel
