// Exception-report benchmark: all four services on a private MariaDB; a synthetic portfolio
// loaded through the public APIs (accounts, 30 days of presence and a use case each, a path
// assigned to half of them, stakeholders, surveys and value records for a tenth), then the
// whole-portfolio report run twice (the first opens, the second updates). Prints accounts/s,
// wall times and each service's peak RSS; it asserts nothing.
//   report_bench [--accounts=100000] [--days=30] [--threads=8]
#include <atomic>
#include <cstdio>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "common/testing/service_process.h"
#include "common/testing/test_mariadb.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"
#include "flywheel/handoff/v1/handoff.grpc.pb.h"
#include "flywheel/health/v1/health.grpc.pb.h"
#include "flywheel/stakeholders/v1/stakeholders.grpc.pb.h"
#include "tests/bench/bench_util.h"

ABSL_FLAG(int, accounts, 100000, "accounts in the portfolio");
ABSL_FLAG(int, days, 30, "days of usage per account");
ABSL_FLAG(int, threads, 8, "client threads for unary calls");

namespace {

using namespace flywheel;
using bench::D;
using bench::PeakRssKb;
using bench::Seconds;
namespace apb = flywheel::accounts::v1;
namespace hpb = flywheel::health::v1;
namespace spb = flywheel::stakeholders::v1;
namespace pb = flywheel::handoff::v1;

const absl::CivilDay kAsOf(2026, 5, 26);

// Runs `call(i)` for i in [0, n) on `threads` threads; returns how many returned false.
template <typename Call>
int Parallel(int n, int threads, Call call) {
  std::atomic<int> next{0}, failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i; (i = next++) < n;) failures += !call(i);
    });
  }
  for (auto& w : workers) w.join();
  return failures.load();
}

bool Report(const char* what, const grpc::Status& s) {
  if (!s.ok()) std::fprintf(stderr, "%s failed: %s\n", what, s.error_message().c_str());
  return s.ok();
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int n = absl::GetFlag(FLAGS_accounts);
  const int days = absl::GetFlag(FLAGS_days);
  const int threads = absl::GetFlag(FLAGS_threads);

  auto& mariadb = testing::TestMariaDb::Shared();
  testing::ServiceProcess accounts(FLYWHEEL_ACCOUNTS_BINARY, mariadb.NewDatabaseConfig());
  std::string accounts_flag = absl::StrCat("--accounts_addr=", accounts.address());
  testing::ServiceProcess health(FLYWHEEL_HEALTH_BINARY, mariadb.NewDatabaseConfig(), {accounts_flag});
  std::string health_flag = absl::StrCat("--health_addr=", health.address());
  testing::ServiceProcess stakeholders(FLYWHEEL_STAKEHOLDERS_BINARY, mariadb.NewDatabaseConfig(),
                                       {accounts_flag, health_flag});
  testing::ServiceProcess handoff(
      FLYWHEEL_HANDOFF_BINARY, mariadb.NewDatabaseConfig(),
      {accounts_flag, health_flag, absl::StrCat("--stakeholders_addr=", stakeholders.address())});
  auto account_stub = apb::AccountService::NewStub(accounts.channel());
  auto health_stub = hpb::HealthService::NewStub(health.channel());
  auto stakeholder_stub = spb::StakeholderService::NewStub(stakeholders.channel());
  auto handoff_stub = pb::HandoffService::NewStub(handoff.channel());

  absl::Time start = absl::Now();
  std::vector<std::string> ids = bench::CreateAccounts(*account_stub, n);
  if (ids.empty()) return 1;
  double accounts_seconds = Seconds(start);

  start = absl::Now();
  {
    grpc::ClientContext ctx;
    hpb::RecordUsageResponse resp;
    auto writer = health_stub->StreamUsage(&ctx, &resp);
    hpb::RecordUsageRequest msg;
    for (size_t a = 0; a < ids.size(); ++a) {
      for (int d = 0; d < days; ++d) {
        auto* r = msg.add_readings();
        r->set_account_id(ids[a]);
        *r->mutable_day() = D(kAsOf - d);
        r->set_metric("active_users_28d");
        r->set_value(static_cast<double>((a * 7 + d * 3) % 300));
        r->set_source("bench");
        if ((a + d) % 7 == 0) {
          auto* u = msg.add_readings();
          *u = *r;
          u->set_metric("use_case.reporting");
          u->set_value(1);
        }
      }
      if (msg.readings_size() >= 5000 || a + 1 == ids.size()) {
        writer->Write(msg);
        msg.clear_readings();
      }
    }
    writer->WritesDone();
    if (!Report("stream usage", writer->Finish())) return 1;
  }
  double usage_seconds = Seconds(start);

  // A path for the product; half the accounts on it, started 0–89 days before the report.
  start = absl::Now();
  pb::CreateSuccessPathRequest path_req;
  auto* path = path_req.mutable_success_path();
  path->set_product("bench");
  path->set_name("Standard");
  const std::tuple<const char*, const char*, int> milestones[] = {
      {"first_logins", "active_users_28d >= 0.3 * seats", 14},
      {"reporting", "use_case.reporting >= 1", 30},
      {"broad_use", "active_users_28d >= 0.6 * seats", 60}};
  for (const auto& [key, criterion, due] : milestones) {
    auto* m = path->add_milestones();
    m->set_key(key);
    m->set_name(key);
    m->set_criterion(criterion);
    m->set_due_offset_days(due);
    m->set_remedy_title(key);
    m->set_remedy_link(absl::StrCat("https://learn.vendor.example/", key));
  }
  pb::SuccessPath created_path;
  {
    grpc::ClientContext ctx;
    if (!Report("create path", handoff_stub->CreateSuccessPath(&ctx, path_req, &created_path))) return 1;
  }
  int failures = Parallel(n / 2, threads, [&](int i) {
    grpc::ClientContext ctx;
    pb::AssignPathRequest req;
    req.set_account_id(ids[2 * i]);
    req.set_path_id(created_path.id());
    *req.mutable_start_day() = D(kAsOf - (i % 90));
    pb::PathAssignment out;
    return handoff_stub->AssignPath(&ctx, req, &out).ok();
  });
  // A tenth of the accounts: Owner and Champion named, an NPS response and a value record.
  failures += Parallel(n / 10, threads, [&](int i) {
    const std::string& account = ids[10 * i];
    bool ok = true;
    for (spb::Role role : {spb::ROLE_OWNER, spb::ROLE_CHAMPION}) {
      grpc::ClientContext ctx;
      spb::CreateStakeholderRequest req;
      req.mutable_stakeholder()->set_account_id(account);
      req.mutable_stakeholder()->set_name(absl::StrCat("Person ", role));
      req.mutable_stakeholder()->set_email(absl::StrCat("p", role, "@c", i, ".example"));
      req.mutable_stakeholder()->set_role(role);
      spb::Stakeholder out;
      ok &= stakeholder_stub->CreateStakeholder(&ctx, req, &out).ok();
    }
    grpc::ClientContext c1;
    hpb::RecordSurveyResponseRequest survey;
    survey.mutable_response()->set_account_id(account);
    survey.mutable_response()->set_response_id(absl::StrCat("s", i));
    survey.mutable_response()->set_kind(hpb::SURVEY_KIND_NPS);
    survey.mutable_response()->set_score(i % 11);
    survey.mutable_response()->set_respondent(absl::StrCat("p2@c", i, ".example"));
    survey.mutable_response()->mutable_time()->set_seconds(
        absl::ToUnixSeconds(absl::FromCivil(kAsOf - 10, absl::UTCTimeZone())));
    hpb::SurveyResponse sr;
    ok &= health_stub->RecordSurveyResponse(&c1, survey, &sr).ok();
    grpc::ClientContext c2;
    hpb::RecordValueRequest value;
    value.mutable_record()->set_account_id(account);
    value.mutable_record()->set_record_id(absl::StrCat("v", i));
    value.mutable_record()->mutable_amount()->set_currency_code("GBP");
    value.mutable_record()->mutable_amount()->set_minor_units(1000000 * (1 + i % 20));
    *value.mutable_record()->mutable_day() = D(kAsOf - 5);
    hpb::ValueRecord vr;
    ok &= health_stub->RecordValue(&c2, value, &vr).ok();
    return ok;
  });
  double setup_seconds = Seconds(start);

  pb::RunExceptionReportRequest run_req;
  *run_req.mutable_as_of() = D(kAsOf);
  pb::ReportRun first, second;
  start = absl::Now();
  {
    grpc::ClientContext ctx;
    if (!Report("first report", handoff_stub->RunExceptionReport(&ctx, run_req, &first))) return 1;
  }
  double first_seconds = Seconds(start);
  start = absl::Now();
  {
    grpc::ClientContext ctx;
    if (!Report("second report", handoff_stub->RunExceptionReport(&ctx, run_req, &second))) return 1;
  }
  double second_seconds = Seconds(start);

  std::printf("\nexception-report benchmark: %d accounts, %d days of presence, path on half, people on a tenth\n", n,
              days);
  std::printf("%-46s %14s\n", "figure", "value");
  std::printf("%-46s %14.1f\n", "load: accounts s", accounts_seconds);
  std::printf("%-46s %14.1f\n", "load: usage s", usage_seconds);
  std::printf("%-46s %14.1f\n", "load: paths, people, surveys, values s", setup_seconds);
  std::printf("%-46s %14lld\n", "accounts scanned", static_cast<long long>(first.accounts_scanned()));
  std::printf("%-46s %14lld\n", "findings", static_cast<long long>(first.findings()));
  std::printf("%-46s %14.2f (target < 60)\n", "first run (opens) wall time s", first_seconds);
  std::printf("%-46s %14.0f\n", "first run accounts/s", first.accounts_scanned() / first_seconds);
  std::printf("%-46s %14lld\n", "  opened", static_cast<long long>(first.opened()));
  std::printf("%-46s %14.2f / %.2f / %.2f\n", "  fetch / evaluate / write s (summed)", first.fetch_seconds(),
              first.evaluate_seconds(), first.write_seconds());
  std::printf("%-46s %14.2f (target < 60)\n", "second run (updates) wall time s", second_seconds);
  std::printf("%-46s %14.0f\n", "second run accounts/s", second.accounts_scanned() / second_seconds);
  std::printf("%-46s %14lld / %lld\n", "  opened / updated", static_cast<long long>(second.opened()),
              static_cast<long long>(second.updated()));
  for (const auto& [name, process] : std::vector<std::pair<const char*, testing::ServiceProcess*>>{
           {"accounts", &accounts}, {"health", &health}, {"stakeholders", &stakeholders}, {"handoff", &handoff}}) {
    std::printf("%-46s %14.1f\n", absl::StrCat(name, " peak RSS MB").c_str(), PeakRssKb(process->pid()) / 1024.0);
  }
  std::printf("%-46s %14d\n", "failed setup calls", failures);
  return 0;
}
