// Fault 1: MariaDB is killed (-9) in the middle of a 20-second write load on all four services
// and started again. Every write a service acknowledged must be in its database exactly once;
// each service reports NOT_SERVING during the outage and SERVING again within 5 s of the
// database's return, without being restarted. Bounded: 20 s of load, 8 client threads.
#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include <cppconn/resultset.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/db/connection_pool.h"
#include "common/db/sql_params.h"
#include "common/ids/ids.h"
#include "common/testing/call_helpers.h"
#include "common/testing/service_process.h"
#include "common/testing/test_mariadb.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"
#include "flywheel/handoff/v1/handoff.grpc.pb.h"
#include "flywheel/health/v1/health.grpc.pb.h"
#include "flywheel/stakeholders/v1/stakeholders.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"

namespace flywheel {
namespace {

namespace apb = flywheel::accounts::v1;
namespace hpb = flywheel::health::v1;
namespace spb = flywheel::stakeholders::v1;
namespace opb = flywheel::handoff::v1;
using testing::ServiceProcess;
using testing::TestMariaDb;
using Serving = grpc::health::v1::HealthCheckResponse;

constexpr absl::Duration kLoad = absl::Seconds(20);
constexpr absl::Duration kKillAt = absl::Seconds(5);
constexpr absl::Duration kDownFor = absl::Seconds(5);

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto ctx = testing::CallContext(5);
  ctx->AddMetadata("x-flywheel-principal", "fault-test");
  return ctx;
}

Serving::ServingStatus HealthOf(const ServiceProcess& service) {
  auto stub = grpc::health::v1::Health::NewStub(service.channel());
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  auto ctx = testing::CallContext(1);
  if (!stub->Check(ctx.get(), req, &resp).ok()) return Serving::UNKNOWN;
  return resp.status();
}

// Seconds from `since` until `service` reports `status` (polled every 50 ms), or -1 after `limit`.
double SecondsUntil(const ServiceProcess& service, Serving::ServingStatus status, absl::Duration limit,
                    absl::Time since = absl::Now()) {
  absl::Time start = since;
  while (absl::Now() - start < limit) {
    if (HealthOf(service) == status) return absl::ToDoubleSeconds(absl::Now() - start);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling a remote status
  }
  return -1;
}

// The number of rows `sql` counts for `key`.
int64_t Count(db::ConnectionPool& pool, const std::string& sql, const std::string& key) {
  int64_t n = -1;
  absl::Status s = db::RunOnConnection(pool, [&](db::Connection& c) {
    db::ForEachRow(c, sql, {key}, [&](sql::ResultSet& rs) { n = rs.getInt64(1); });
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  return n;
}

// One kind of write: issues write number `n` and says whether it was acknowledged; `count`
// says how many rows hold write `n` afterwards.
struct Writer {
  const char* name;
  std::function<bool(int n)> write;
  std::function<int64_t(int n)> count;
};

TEST(DatabaseKill, AcknowledgedWritesSurviveAndServicesRecoverByThemselves) {
  std::vector<DatabaseConfig> dbs;
  for (int i = 0; i < 4; ++i) dbs.push_back(TestMariaDb::Shared().NewDatabaseConfig());
  ServiceProcess accounts(FLYWHEEL_ACCOUNTS_BINARY, dbs[0]);
  std::string accounts_addr = absl::StrCat("--accounts_addr=", accounts.address());
  ServiceProcess health(FLYWHEEL_HEALTH_BINARY, dbs[1], {accounts_addr});
  std::string health_addr = absl::StrCat("--health_addr=", health.address());
  ServiceProcess stakeholders(FLYWHEEL_STAKEHOLDERS_BINARY, dbs[2], {accounts_addr, health_addr});
  ServiceProcess handoff(FLYWHEEL_HANDOFF_BINARY, dbs[3],
                         {accounts_addr, health_addr, absl::StrCat("--stakeholders_addr=", stakeholders.address())});
  std::vector<ServiceProcess*> services = {&accounts, &health, &stakeholders, &handoff};
  for (auto* s : services) ASSERT_GE(SecondsUntil(*s, Serving::SERVING, absl::Seconds(30)), 0);

  auto account_stub = apb::AccountService::NewStub(accounts.channel());
  auto health_stub = hpb::HealthService::NewStub(health.channel());
  auto stakeholder_stub = spb::StakeholderService::NewStub(stakeholders.channel());
  auto handoff_stub = opb::HandoffService::NewStub(handoff.channel());
  apb::CreateAccountRequest customer_req;
  customer_req.mutable_account()->set_name("Fault Customer");
  customer_req.mutable_account()->mutable_arr()->set_currency_code("GBP");
  apb::Account customer;
  ASSERT_TRUE(account_stub->CreateAccount(Ctx().get(), customer_req, &customer).ok());

  std::string run = ids::NewId("run");
  auto tag = [&](int n) { return absl::StrCat(run, "-", n); };
  std::vector<std::unique_ptr<db::ConnectionPool>> pools;
  for (const auto& d : dbs) pools.push_back(std::make_unique<db::ConnectionPool>(d));
  std::vector<Writer> writers = {
      {"accounts",
       [&](int n) {
         apb::CreateAccountRequest req;
         req.mutable_account()->set_name(tag(n));
         req.mutable_account()->mutable_arr()->set_currency_code("GBP");
         apb::Account out;
         return account_stub->CreateAccount(Ctx().get(), req, &out).ok();
       },
       [&](int n) { return Count(*pools[0], "SELECT COUNT(*) FROM accounts WHERE name = ?", tag(n)); }},
      {"health",
       [&](int n) {
         hpb::RecordValueRequest req;
         auto* r = req.mutable_record();
         r->set_account_id(customer.id());
         r->set_record_id(tag(n));
         r->mutable_amount()->set_currency_code("GBP");
         r->mutable_amount()->set_minor_units(100);
         *r->mutable_day() = testing::Day(2026, 5, 1);
         r->set_description("fault load");
         hpb::ValueRecord out;
         return health_stub->RecordValue(Ctx().get(), req, &out).ok();
       },
       [&](int n) { return Count(*pools[1], "SELECT COUNT(*) FROM value_records WHERE record_id = ?", tag(n)); }},
      {"stakeholders",
       [&](int n) {
         spb::CreateStakeholderRequest req;
         auto* s = req.mutable_stakeholder();
         s->set_account_id(customer.id());
         s->set_name(tag(n));
         s->set_email(absl::StrCat(tag(n), "@customer.example"));
         s->set_role(spb::ROLE_PRODUCER);
         s->set_engagement(spb::ENGAGEMENT_AWARE);
         spb::Stakeholder out;
         return stakeholder_stub->CreateStakeholder(Ctx().get(), req, &out).ok();
       },
       [&](int n) { return Count(*pools[2], "SELECT COUNT(*) FROM stakeholders WHERE name = ?", tag(n)); }},
      {"handoff",
       [&](int n) {
         opb::CreateSuccessPathRequest req;
         auto* p = req.mutable_success_path();
         p->set_product(tag(n));
         p->set_name("fault path");
         auto* m = p->add_milestones();
         m->set_key("first_logins");
         m->set_name("First log-ins");
         m->set_criterion("logins >= 1");
         m->set_due_offset_days(14);
         m->set_remedy_title("How to log in");
         m->set_remedy_link("https://learn.vendor.example/login");
         opb::SuccessPath out;
         return handoff_stub->CreateSuccessPath(Ctx().get(), req, &out).ok();
       },
       [&](int n) { return Count(*pools[3], "SELECT COUNT(*) FROM success_paths WHERE product = ?", tag(n)); }},
  };

  // Two threads per service; write numbers are unique across all of them.
  std::atomic<int> next{0};
  std::mutex mu;
  std::vector<std::pair<size_t, int>> acknowledged, refused;
  absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (size_t w = 0; w < writers.size(); ++w) {
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, w] {
        while (absl::Now() - start < kLoad) {
          int n = next++;
          bool ok = writers[w].write(n);
          std::lock_guard<std::mutex> lock(mu);
          (ok ? acknowledged : refused).push_back({w, n});
        }
      });
    }
  }
  std::this_thread::sleep_for(absl::ToChronoNanoseconds(kKillAt));
  TestMariaDb::Shared().Kill();
  absl::Time killed = absl::Now();
  std::vector<double> down;
  for (auto* s : services) down.push_back(SecondsUntil(*s, Serving::NOT_SERVING, absl::Seconds(10), killed));
  std::this_thread::sleep_for(absl::ToChronoNanoseconds(kDownFor));
  TestMariaDb::Shared().Restart();  // returns once the database accepts connections
  absl::Time back = absl::Now();
  std::vector<double> up;
  for (auto* s : services) up.push_back(SecondsUntil(*s, Serving::SERVING, absl::Seconds(10), back));
  for (auto& t : threads) t.join();

  for (size_t i = 0; i < services.size(); ++i) {
    SCOPED_TRACE(writers[i].name);
    std::printf("%s: NOT_SERVING %.2f s after the kill, SERVING %.2f s after the restart\n", writers[i].name, down[i],
                up[i]);
    EXPECT_GE(down[i], 0);
    EXPECT_GE(up[i], 0);
    EXPECT_LE(up[i], 5);
  }
  std::vector<int> acked_by(writers.size()), refused_by(writers.size());
  for (const auto& [w, n] : acknowledged) {
    ++acked_by[w];
    EXPECT_EQ(writers[w].count(n), 1) << writers[w].name << " acknowledged write " << n;
  }
  for (const auto& [w, n] : refused) {
    ++refused_by[w];
    EXPECT_LE(writers[w].count(n), 1) << writers[w].name << " refused write " << n << " twice written";
  }
  for (size_t w = 0; w < writers.size(); ++w) {
    std::printf("%s: %d writes acknowledged, %d refused\n", writers[w].name, acked_by[w], refused_by[w]);
    EXPECT_GT(acked_by[w], 10) << writers[w].name;  // the load really ran, before and after the outage
    EXPECT_GT(refused_by[w], 0) << writers[w].name;  // and really met the outage
  }
}

}  // namespace
}  // namespace flywheel
