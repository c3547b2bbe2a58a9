// Health benchmark: loads a synthetic portfolio through the public APIs (accounts, 30 days of
// four usage metrics each, a survey response and a value record each), rescores it, and
// compares the rescore with the floor: a plain SELECT streaming the same input rows out of
// MariaDB in the same run. Prints one table; it asserts nothing.
//   health_bench [--accounts=100000] [--days=30]
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "common/db/connection_pool.h"
#include "common/testing/service_process.h"
#include "common/testing/test_mariadb.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"
#include "flywheel/health/v1/health.grpc.pb.h"
#include "tests/bench/bench_util.h"

ABSL_FLAG(int, accounts, 100000, "accounts in the portfolio");
ABSL_FLAG(int, days, 30, "days of usage per account");
ABSL_FLAG(int, threads, 4, "client threads for unary calls");

namespace {

using namespace flywheel;
namespace apb = flywheel::accounts::v1;
namespace hpb = flywheel::health::v1;

const absl::CivilDay kAsOf(2026, 5, 26);

using bench::D;
using bench::PeakRssKb;
using bench::Seconds;

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int n = absl::GetFlag(FLAGS_accounts);
  const int days = absl::GetFlag(FLAGS_days);
  const int threads = absl::GetFlag(FLAGS_threads);

  auto& mariadb = testing::TestMariaDb::Shared();
  DatabaseConfig health_db = mariadb.NewDatabaseConfig();
  testing::ServiceProcess accounts(FLYWHEEL_ACCOUNTS_BINARY, mariadb.NewDatabaseConfig());
  testing::ServiceProcess health(FLYWHEEL_HEALTH_BINARY, health_db,
                                 {absl::StrCat("--accounts_addr=", accounts.address())});
  auto account_stub = apb::AccountService::NewStub(accounts.channel());
  auto health_stub = hpb::HealthService::NewStub(health.channel());

  // Accounts, through the bulk API.
  absl::Time start = absl::Now();
  std::vector<std::string> ids = bench::CreateAccounts(*account_stub, n);
  if (ids.empty()) return 1;
  double accounts_seconds = Seconds(start);

  // Usage: days × 4 metrics per account, streamed.
  start = absl::Now();
  int64_t readings = 0;
  {
    grpc::ClientContext ctx;
    hpb::RecordUsageResponse resp;
    auto writer = health_stub->StreamUsage(&ctx, &resp);
    hpb::RecordUsageRequest msg;
    static const char* kMetrics[] = {"active_users_28d", "logins", "use_case.reporting", "support_tickets"};
    for (size_t a = 0; a < ids.size(); ++a) {
      for (int d = 0; d < days; ++d) {
        for (int m = 0; m < 4; ++m) {
          auto* r = msg.add_readings();
          r->set_account_id(ids[a]);
          *r->mutable_day() = D(kAsOf - d);
          r->set_metric(kMetrics[m]);
          r->set_value(static_cast<double>((a * 7 + d * 3 + m) % 300));
          r->set_source("bench");
        }
      }
      if (msg.readings_size() >= 5000 || a + 1 == ids.size()) {
        readings += msg.readings_size();
        writer->Write(msg);
        msg.clear_readings();
      }
    }
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    if (!s.ok()) {
      std::fprintf(stderr, "stream usage failed: %s\n", s.error_message().c_str());
      return 1;
    }
  }
  double usage_seconds = Seconds(start);

  // One survey response and one value record per account, from several client threads.
  start = absl::Now();
  std::atomic<size_t> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (size_t a; (a = next++) < ids.size();) {
        grpc::ClientContext c1;
        hpb::RecordSurveyResponseRequest survey;
        auto* r = survey.mutable_response();
        r->set_account_id(ids[a]);
        r->set_response_id(absl::StrCat("s", a));
        r->set_kind(hpb::SURVEY_KIND_NPS);
        r->set_score(static_cast<int>(a % 11));
        r->set_respondent("owner@customer.example");
        r->mutable_time()->set_seconds(absl::ToUnixSeconds(absl::FromCivil(kAsOf - 10, absl::UTCTimeZone())));
        hpb::SurveyResponse sr;
        failures += !health_stub->RecordSurveyResponse(&c1, survey, &sr).ok();
        grpc::ClientContext c2;
        hpb::RecordValueRequest value;
        value.mutable_record()->set_account_id(ids[a]);
        value.mutable_record()->set_record_id(absl::StrCat("v", a));
        value.mutable_record()->mutable_amount()->set_currency_code("GBP");
        value.mutable_record()->mutable_amount()->set_minor_units(1000000 * (1 + a % 20));
        *value.mutable_record()->mutable_day() = D(kAsOf - 5);
        hpb::ValueRecord vr;
        failures += !health_stub->RecordValue(&c2, value, &vr).ok();
      }
    });
  }
  for (auto& w : workers) w.join();
  double signals_seconds = Seconds(start);

  // Rescore.
  grpc::ClientContext rctx;
  hpb::RescorePortfolioRequest rreq;
  *rreq.mutable_as_of() = D(kAsOf);
  hpb::RescorePortfolioResponse rresp;
  start = absl::Now();
  grpc::Status rs = health_stub->RescorePortfolio(&rctx, rreq, &rresp);
  double rescore_seconds = Seconds(start);
  if (!rs.ok()) {
    std::fprintf(stderr, "rescore failed: %s\n", rs.error_message().c_str());
    return 1;
  }

  // The floor: the same input rows streamed out of MariaDB by one plain SELECT per table.
  db::ConnectionPool pool(health_db);
  int64_t floor_rows = 0;
  start = absl::Now();
  absl::Status fs = db::RunOnConnection(pool, [&](db::Connection& c) {
    const std::string first_usage = absl::FormatCivilTime(kAsOf - 28), first_survey = absl::FormatCivilTime(kAsOf - 90),
                      first_value = absl::FormatCivilTime(kAsOf - 366), last = absl::FormatCivilTime(kAsOf);
    const std::pair<std::string, std::string> queries[] = {
        {"SELECT account_id, day, metric, value, source FROM usage_readings WHERE (metric = 'active_users_28d' OR"
         " metric LIKE 'use\\_case.%') AND day > ? AND day <= ?", first_usage},
        {"SELECT account_id, response_id, kind, score, respondent, reason, channel, time_us FROM survey_responses"
         " WHERE day > ? AND day <= ?", first_survey},
        {"SELECT account_id, record_id, currency, minor_units, day, description FROM value_records"
         " WHERE day >= ? AND day <= ?", first_value}};
    for (const auto& [sql, first] : queries) {
      auto& stmt = c.Prepare(sql);
      stmt.setString(1, first);
      stmt.setString(2, last);
      std::unique_ptr<sql::ResultSet> rows(stmt.executeQuery());
      while (rows->next()) {
        rows->getString(1);
        ++floor_rows;
      }
    }
    return absl::OkStatus();
  });
  double floor_seconds = Seconds(start);
  if (!fs.ok()) {
    std::fprintf(stderr, "floor query failed: %s\n", std::string(fs.message()).c_str());
    return 1;
  }
  long rss_kb = PeakRssKb(health.pid());

  std::printf("\nhealth benchmark: %d accounts, %d days x 4 metrics, 1 survey + 1 value record each\n", n, days);
  std::printf("%-44s %14s\n", "figure", "value");
  std::printf("%-44s %14.0f\n", "accounts created (BulkUpsertAccounts) /s", n / accounts_seconds);
  std::printf("%-44s %14.0f\n", "usage readings ingested (StreamUsage) /s", readings / usage_seconds);
  std::printf("%-44s %14.0f\n", "survey + value records (unary) /s", 2.0 * n / signals_seconds);
  std::printf("%-44s %14lld\n", "accounts rescored", static_cast<long long>(rresp.accounts_scored()));
  std::printf("%-44s %14.2f\n", "RescorePortfolio wall time s", rescore_seconds);
  std::printf("%-44s %14.0f\n", "RescorePortfolio accounts/s", rresp.accounts_scored() / rescore_seconds);
  std::printf("%-44s %14.2f\n", "  listing accounts s", rresp.load_seconds());
  std::printf("%-44s %14.2f\n", "  loading + scoring s (summed over threads)", rresp.score_seconds());
  std::printf("%-44s %14.2f\n", "  storing s (summed over threads)", rresp.store_seconds());
  std::printf("%-44s %14.2f (%lld rows)\n", "floor: SELECT of the same input rows s", floor_seconds,
              static_cast<long long>(floor_rows));
  std::printf("%-44s %14.2f (target <= 3)\n", "rescore / floor", rescore_seconds / floor_seconds);
  std::printf("%-44s %14.1f (target < 300)\n", "health service peak RSS MB", rss_kb / 1024.0);
  std::printf("%-44s %14d\n", "failed unary calls", failures.load());
  return 0;
}
