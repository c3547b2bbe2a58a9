// Fault 3: the health service is killed (-9) in the middle of RescorePortfolio and the handoff
// service in the middle of RunExceptionReport; each is started again and the run repeated. The
// scores and the exceptions must equal those of a twin service (its own database, the same
// signals) whose runs were never interrupted. Bounded: 6,000 accounts, 30 days of usage.
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/testing/call_helpers.h"
#include "common/testing/service_process.h"
#include "common/testing/test_mariadb.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"
#include "flywheel/handoff/v1/handoff.grpc.pb.h"
#include "flywheel/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"

namespace flywheel {
namespace {

namespace apb = flywheel::accounts::v1;
namespace hpb = flywheel::health::v1;
namespace opb = flywheel::handoff::v1;
using testing::ServiceProcess;
using testing::TestMariaDb;

constexpr int kAccounts = 6000;
constexpr int kDays = 30;
const absl::CivilDay kAsOf(2026, 5, 26);
// The interrupted run is killed this far into the time its twin took.
constexpr double kKillFraction = 0.4;

flywheel::type::v1::Date ToDate(absl::CivilDay d) { return testing::Day(d.year(), d.month(), d.day()); }

std::vector<std::string> LoadAccounts(const ServiceProcess& accounts) {
  auto stub = apb::AccountService::NewStub(accounts.channel());
  auto ctx = testing::CallContext(300);
  apb::BulkUpsertAccountsResponse response;
  auto writer = stub->BulkUpsertAccounts(ctx.get(), &response);
  apb::BulkUpsertAccountsRequest batch;
  for (int i = 0; i < kAccounts; ++i) {
    auto* r = batch.add_records();
    r->set_source("fault");
    r->set_external_id(absl::StrCat("c", i));
    r->mutable_account()->set_name(absl::StrCat("Customer ", i));
    r->mutable_account()->mutable_arr()->set_currency_code("GBP");
    r->mutable_account()->mutable_arr()->set_minor_units(100000 * (1 + i % 7));
    r->mutable_account()->set_licensed_seats(100);
    r->mutable_account()->set_csm_owner(absl::StrCat("csm", i % 5, "@vendor.example"));
    if (batch.records_size() == 500) {
      EXPECT_TRUE(writer->Write(batch));
      batch.clear_records();
    }
  }
  if (batch.records_size() > 0) EXPECT_TRUE(writer->Write(batch));
  writer->WritesDone();
  EXPECT_TRUE(writer->Finish().ok());
  std::vector<std::string> ids;
  for (const auto& r : response.results()) ids.push_back(r.account_id());
  EXPECT_EQ(ids.size(), static_cast<size_t>(kAccounts));
  return ids;
}

// The same usage for every health service: each account's activity is its own, so scores spread.
void LoadUsage(const ServiceProcess& health, const std::vector<std::string>& ids) {
  auto stub = hpb::HealthService::NewStub(health.channel());
  auto ctx = testing::CallContext(300);
  hpb::RecordUsageResponse response;
  auto writer = stub->StreamUsage(ctx.get(), &response);
  hpb::RecordUsageRequest batch;
  for (size_t i = 0; i < ids.size(); ++i) {
    for (int d = 0; d < kDays; ++d) {
      for (const char* metric : {"active_users_28d", "logins"}) {
        auto* r = batch.add_readings();
        r->set_account_id(ids[i]);
        *r->mutable_day() = ToDate(kAsOf - d);
        r->set_metric(metric);
        r->set_value(static_cast<double>((i * 37 + d * (i % 3)) % 110));
        r->set_source("telemetry");
      }
    }
    if (batch.readings_size() >= 3000) {
      ASSERT_TRUE(writer->Write(batch));
      batch.clear_readings();
    }
  }
  if (batch.readings_size() > 0) ASSERT_TRUE(writer->Write(batch));
  writer->WritesDone();
  ASSERT_TRUE(writer->Finish().ok());
}

std::vector<std::string> Scores(const ServiceProcess& health) {
  auto stub = hpb::HealthService::NewStub(health.channel());
  std::vector<std::string> rows;
  hpb::ListHealthRequest req;
  req.set_page_size(1000);
  for (;;) {
    hpb::ListHealthResponse page;
    grpc::Status s = stub->ListHealth(testing::CallContext(60).get(), req, &page);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok()) break;
    for (const auto& row : page.rows()) rows.push_back(row.SerializeAsString());
    if (page.next_page_token().empty()) break;
    req.set_page_token(page.next_page_token());
  }
  return rows;
}

std::vector<std::string> Exceptions(const ServiceProcess& handoff) {
  auto stub = opb::HandoffService::NewStub(handoff.channel());
  std::vector<std::string> out;
  opb::ListExceptionsRequest req;
  req.set_page_size(1000);
  for (;;) {
    opb::ListExceptionsResponse page;
    grpc::Status s = stub->ListExceptions(testing::CallContext(60).get(), req, &page);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok()) break;
    for (const auto& e : page.exceptions()) {
      // What an exception is, not which run or id it got.
      std::string evidence;
      for (const auto& ev : e.evidence()) evidence += ev.SerializeAsString();
      out.push_back(absl::StrCat(e.account_id(), "|", e.rule(), "|", e.subject(), "|", e.severity(), "|", e.status(),
                                 "|", e.assignee(), "|", e.remedy().SerializeAsString(), "|", evidence));
    }
    if (page.next_page_token().empty()) break;
    req.set_page_token(page.next_page_token());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Runs `call` on a thread, kills `service` after `after`, and says whether the call was cut off.
bool KillDuring(ServiceProcess& service, absl::Duration after, const std::function<grpc::Status()>& call) {
  grpc::Status status;
  std::thread caller([&] { status = call(); });
  std::this_thread::sleep_for(absl::ToChronoNanoseconds(after));
  service.Kill();
  caller.join();
  return !status.ok();
}

TEST(InterruptedBatch, RescoreAndReportAfterAKillEqualAnUninterruptedRun) {
  ServiceProcess accounts(FLYWHEEL_ACCOUNTS_BINARY, TestMariaDb::Shared().NewDatabaseConfig());
  std::string accounts_addr = absl::StrCat("--accounts_addr=", accounts.address());
  const std::string sweep_only = "--live_rescore=false";  // the two copies differ only by the kill
  std::vector<std::string> ids = LoadAccounts(accounts);
  DatabaseConfig twin_db = TestMariaDb::Shared().NewDatabaseConfig();
  DatabaseConfig killed_db = TestMariaDb::Shared().NewDatabaseConfig();
  ServiceProcess twin(FLYWHEEL_HEALTH_BINARY, twin_db, {accounts_addr, sweep_only});
  auto killed = std::make_unique<ServiceProcess>(FLYWHEEL_HEALTH_BINARY, killed_db,
                                                 std::vector<std::string>{accounts_addr, sweep_only});
  LoadUsage(twin, ids);
  LoadUsage(*killed, ids);

  hpb::RescorePortfolioRequest rescore;
  *rescore.mutable_as_of() = ToDate(kAsOf);
  auto rescore_on = [&](const ServiceProcess& health) {
    hpb::RescorePortfolioResponse out;
    return hpb::HealthService::NewStub(health.channel())->RescorePortfolio(testing::CallContext(300).get(), rescore, &out);
  };
  absl::Time start = absl::Now();
  ASSERT_TRUE(rescore_on(twin).ok());
  absl::Duration rescore_time = absl::Now() - start;
  EXPECT_TRUE(KillDuring(*killed, rescore_time * kKillFraction, [&] { return rescore_on(*killed); }))
      << "the rescore finished before the kill (" << absl::ToDoubleSeconds(rescore_time) << " s)";
  killed = std::make_unique<ServiceProcess>(FLYWHEEL_HEALTH_BINARY, killed_db, std::vector<std::string>{accounts_addr, sweep_only});
  ASSERT_TRUE(rescore_on(*killed).ok());
  std::vector<std::string> expected = Scores(twin);
  EXPECT_EQ(expected.size(), static_cast<size_t>(kAccounts));
  EXPECT_TRUE(Scores(*killed) == expected) << "scores after the interrupted rescore differ";

  // The report: two handoff services on the same upstreams, one killed mid-run.
  std::vector<std::string> upstreams = {accounts_addr, absl::StrCat("--health_addr=", twin.address())};
  ServiceProcess stakeholders(FLYWHEEL_STAKEHOLDERS_BINARY, TestMariaDb::Shared().NewDatabaseConfig(), upstreams);
  upstreams.push_back(absl::StrCat("--stakeholders_addr=", stakeholders.address()));
  DatabaseConfig report_twin_db = TestMariaDb::Shared().NewDatabaseConfig();
  DatabaseConfig report_killed_db = TestMariaDb::Shared().NewDatabaseConfig();
  ServiceProcess report_twin(FLYWHEEL_HANDOFF_BINARY, report_twin_db, upstreams);
  auto report_killed = std::make_unique<ServiceProcess>(FLYWHEEL_HANDOFF_BINARY, report_killed_db, upstreams);
  opb::RunExceptionReportRequest report;
  *report.mutable_as_of() = ToDate(kAsOf);
  auto report_on = [&](const ServiceProcess& handoff) {
    opb::ReportRun out;
    return opb::HandoffService::NewStub(handoff.channel())->RunExceptionReport(testing::CallContext(300).get(), report, &out);
  };
  start = absl::Now();
  ASSERT_TRUE(report_on(report_twin).ok());
  absl::Duration report_time = absl::Now() - start;
  EXPECT_TRUE(KillDuring(*report_killed, report_time * kKillFraction, [&] { return report_on(*report_killed); }))
      << "the report finished before the kill (" << absl::ToDoubleSeconds(report_time) << " s)";
  report_killed = std::make_unique<ServiceProcess>(FLYWHEEL_HANDOFF_BINARY, report_killed_db, upstreams);
  ASSERT_TRUE(report_on(*report_killed).ok());
  std::vector<std::string> expected_exceptions = Exceptions(report_twin);
  EXPECT_GE(expected_exceptions.size(), static_cast<size_t>(kAccounts));  // every account lacks an OWNER at least
  std::vector<std::string> got = Exceptions(*report_killed);
  EXPECT_EQ(got.size(), expected_exceptions.size());
  EXPECT_TRUE(got == expected_exceptions) << "exceptions after the interrupted report differ";
  std::printf("rescore %.2f s, report %.2f s; %zu scores and %zu exceptions equal after the kills\n",
              absl::ToDoubleSeconds(rescore_time), absl::ToDoubleSeconds(report_time), expected.size(),
              expected_exceptions.size());
}

}  // namespace
}  // namespace flywheel
