// The live flow under faults: signals written just before health, handoff or MariaDB is killed
// with -9 are still rescored and still open their exceptions once the process is back (marks
// and stream positions are in the database, taken in the write's own transaction), and two
// health replicas rescore each mark once.
#include <cppconn/resultset.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/db/connection_pool.h"
#include "common/db/sql_params.h"
#include "common/testing/call_helpers.h"
#include "common/testing/free_port.h"
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
namespace xpb = flywheel::handoff::v1;
using testing::ServiceProcess;
using testing::TestMariaDb;

constexpr int kAccounts = 120;
constexpr int kPerFault = 30;  // detractors written just before each kill
const absl::Duration kRecoveryLimit = absl::Seconds(90);

int64_t Count(db::ConnectionPool& pool, const std::string& sql) {
  int64_t n = -1;
  absl::Status s = db::RunOnConnection(pool, [&](db::Connection& c) {
    db::ForEachRow(c, sql, {}, [&](sql::ResultSet& rs) { n = rs.getInt64(1); });
    return absl::OkStatus();
  });
  return s.ok() ? n : -1;
}

// Polls `done` until it holds or `limit` passes; whether it held.
bool Eventually(const std::function<bool()>& done, absl::Duration limit = kRecoveryLimit) {
  for (absl::Time end = absl::Now() + limit; absl::Now() < end; absl::SleepFor(absl::Milliseconds(200))) {
    if (done()) return true;
  }
  return done();
}

std::vector<std::string> CreateAccounts(const ServiceProcess& accounts, int n) {
  auto stub = apb::AccountService::NewStub(accounts.channel());
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) {
    apb::CreateAccountRequest req;
    req.mutable_account()->set_name(absl::StrCat("Live fault customer ", i));
    req.mutable_account()->set_licensed_seats(100);
    req.mutable_account()->mutable_arr()->set_currency_code("GBP");
    req.mutable_account()->set_csm_owner("casey@vendor.example");
    apb::Account out;
    EXPECT_TRUE(stub->CreateAccount(testing::CallContext(30).get(), req, &out).ok());
    ids.push_back(out.id());
  }
  return ids;
}

flywheel::type::v1::Date Today() {
  absl::CivilDay d = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  return testing::Day(static_cast<int>(d.year()), d.month(), d.day());
}

// One RecordUsage of a reading for each of `ids` (one transaction marks them all).
void RecordUsage(const ServiceProcess& health, const std::vector<std::string>& ids, double value) {
  hpb::RecordUsageRequest req;
  for (const auto& id : ids) {
    auto* r = req.add_readings();
    r->set_account_id(id);
    *r->mutable_day() = Today();
    r->set_metric("active_users_28d");
    r->set_value(value);
    r->set_source("fault");
  }
  hpb::RecordUsageResponse out;
  ASSERT_TRUE(hpb::HealthService::NewStub(health.channel())->RecordUsage(testing::CallContext(60).get(), req, &out).ok());
}

// NPS 2 from a respondent of each of `ids`; the accounts whose response was acknowledged.
std::vector<std::string> RecordDetractors(const ServiceProcess& health, const std::vector<std::string>& ids,
                                          const std::string& tag) {
  auto stub = hpb::HealthService::NewStub(health.channel());
  std::vector<std::string> acknowledged;
  for (const auto& id : ids) {
    hpb::RecordSurveyResponseRequest req;
    auto* r = req.mutable_response();
    r->set_account_id(id);
    r->set_response_id(absl::StrCat(tag, "-", id));
    r->set_kind(hpb::SURVEY_KIND_NPS);
    r->set_score(2);
    r->set_respondent(absl::StrCat(tag, "@customer.example"));
    r->mutable_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    hpb::SurveyResponse out;
    if (stub->RecordSurveyResponse(testing::CallContext(10).get(), req, &out).ok()) acknowledged.push_back(id);
  }
  return acknowledged;
}

// How many of `ids` have an active DETRACTOR exception.
int WithDetractor(const ServiceProcess& handoff, const std::vector<std::string>& ids) {
  auto stub = xpb::HandoffService::NewStub(handoff.channel());
  int n = 0;
  for (const auto& id : ids) {
    xpb::ListExceptionsRequest req;
    req.set_account_id(id);
    req.set_rule(xpb::RULE_KIND_DETRACTOR);
    req.set_active_only(true);
    xpb::ListExceptionsResponse out;
    if (stub->ListExceptions(testing::CallContext(10).get(), req, &out).ok() && out.exceptions_size() == 1) ++n;
  }
  return n;
}

std::vector<std::string> Slice(const std::vector<std::string>& ids, int first, int n) {
  return {ids.begin() + first, ids.begin() + first + n};
}

TEST(LiveFaults, SignalsWrittenBeforeAKillAreScoredAndOpenTheirExceptionsAfterRecovery) {
  DatabaseConfig accounts_db = TestMariaDb::Shared().NewDatabaseConfig();
  DatabaseConfig health_db = TestMariaDb::Shared().NewDatabaseConfig();
  DatabaseConfig stakeholders_db = TestMariaDb::Shared().NewDatabaseConfig();
  DatabaseConfig handoff_db = TestMariaDb::Shared().NewDatabaseConfig();
  ServiceProcess accounts(FLYWHEEL_ACCOUNTS_BINARY, accounts_db);
  const std::string accounts_flag = absl::StrCat("--accounts_addr=", accounts.address());
  // Health and handoff come back on the ports their followers and clients were given.
  const std::vector<std::string> health_flags = {accounts_flag,
                                                 absl::StrCat("--listen=127.0.0.1:", testing::FreeLoopbackPort())};
  auto health = std::make_unique<ServiceProcess>(FLYWHEEL_HEALTH_BINARY, health_db, health_flags);
  const std::string health_flag = absl::StrCat("--health_addr=", health->address());
  ServiceProcess stakeholders(FLYWHEEL_STAKEHOLDERS_BINARY, stakeholders_db, {accounts_flag, health_flag});
  const std::vector<std::string> handoff_flags = {accounts_flag, health_flag,
                                                  absl::StrCat("--stakeholders_addr=", stakeholders.address()),
                                                  absl::StrCat("--listen=127.0.0.1:", testing::FreeLoopbackPort())};
  auto handoff = std::make_unique<ServiceProcess>(FLYWHEEL_HANDOFF_BINARY, handoff_db, handoff_flags);
  db::ConnectionPool health_pool(health_db);
  db::ConnectionPool handoff_pool(handoff_db);
  // What the databases hold, for a failure's message.
  auto state = [&] {
    return absl::StrCat("marks ", Count(health_pool, "SELECT COUNT(*) FROM rescore_marks"), ", live changes ",
                        Count(health_pool, "SELECT COUNT(*) FROM health_changes WHERE cause = 1"), ", last change ",
                        Count(health_pool, "SELECT COALESCE(MAX(sequence), 0) FROM health_changes"),
                        ", exceptions ", Count(handoff_pool, "SELECT COUNT(*) FROM exceptions"), ", exception events ",
                        Count(handoff_pool, "SELECT COUNT(*) FROM exception_events"), ", handoff positions ",
                        Count(handoff_pool, "SELECT COUNT(*) FROM stream_cursors"));
  };
  std::vector<std::string> ids = CreateAccounts(accounts, kAccounts);
  const std::string today = db::FormatDay(absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()));
  const std::string scored_today = absl::StrCat("SELECT COUNT(*) FROM health_latest WHERE as_of = '", today, "'");

  // kill -9 of health right after the writes: the marks are in its database.
  RecordUsage(*health, ids, 40);
  std::vector<std::string> first = RecordDetractors(*health, Slice(ids, 0, kPerFault), "before-health-kill");
  ASSERT_EQ(static_cast<int>(first.size()), kPerFault);
  health->Kill();
  health = std::make_unique<ServiceProcess>(FLYWHEEL_HEALTH_BINARY, health_db, health_flags);
  EXPECT_TRUE(Eventually([&] { return Count(health_pool, scored_today) == kAccounts; }))
      << Count(health_pool, scored_today) << " of " << kAccounts << " accounts scored today after the kill; " << state();
  EXPECT_TRUE(Eventually([&] { return WithDetractor(*handoff, first) == kPerFault; }))
      << WithDetractor(*handoff, first) << " of " << kPerFault << " detractors have their exception; " << state();

  // kill -9 of handoff: health's changes wait in health's log, handoff resumes from its position.
  std::vector<std::string> second = RecordDetractors(*health, Slice(ids, kPerFault, kPerFault), "before-handoff-kill");
  ASSERT_EQ(static_cast<int>(second.size()), kPerFault);
  handoff->Kill();
  handoff = std::make_unique<ServiceProcess>(FLYWHEEL_HANDOFF_BINARY, handoff_db, handoff_flags);
  EXPECT_TRUE(Eventually([&] { return WithDetractor(*handoff, second) == kPerFault; }))
      << WithDetractor(*handoff, second) << " of " << kPerFault << " detractors have their exception; " << state();

  // kill -9 of MariaDB: what was acknowledged before it is rescored and evaluated after it.
  std::vector<std::string> third = RecordDetractors(*health, Slice(ids, 2 * kPerFault, kPerFault), "before-db-kill");
  TestMariaDb::Shared().Kill();
  TestMariaDb::Shared().Restart();
  EXPECT_TRUE(Eventually([&] { return WithDetractor(*handoff, third) == static_cast<int>(third.size()); }))
      << WithDetractor(*handoff, third) << " of " << third.size() << " acknowledged detractors have their exception; " << state();
  EXPECT_GT(third.size(), 0u);
  EXPECT_TRUE(Eventually([&] { return Count(health_pool, "SELECT COUNT(*) FROM rescore_marks") == 0; }));
  // Nothing of before was lost on the way.
  EXPECT_EQ(WithDetractor(*handoff, first), kPerFault);
  EXPECT_EQ(WithDetractor(*handoff, second), kPerFault);
}

TEST(LiveFaults, TwoHealthReplicasRescoreEachMarkOnce) {
  DatabaseConfig health_db = TestMariaDb::Shared().NewDatabaseConfig();
  ServiceProcess accounts(FLYWHEEL_ACCOUNTS_BINARY, TestMariaDb::Shared().NewDatabaseConfig());
  const std::string accounts_flag = absl::StrCat("--accounts_addr=", accounts.address());
  ServiceProcess a(FLYWHEEL_HEALTH_BINARY, health_db, {accounts_flag});
  ServiceProcess b(FLYWHEEL_HEALTH_BINARY, health_db, {accounts_flag});
  db::ConnectionPool pool(health_db);
  std::vector<std::string> ids = CreateAccounts(accounts, kAccounts);
  // Both replicas follow the accounts' changes (each marks the new accounts): let that settle.
  auto no_marks = [&] { return Count(pool, "SELECT COUNT(*) FROM rescore_marks") == 0; };
  ASSERT_TRUE(Eventually([&] { return Count(pool, "SELECT COUNT(*) FROM health_latest") == kAccounts && no_marks(); }));
  int64_t before = Count(pool, "SELECT COALESCE(MAX(sequence), 0) FROM health_changes");
  // One write marks every account once; half the readings through each replica.
  RecordUsage(a, Slice(ids, 0, kAccounts / 2), 50);
  RecordUsage(b, Slice(ids, kAccounts / 2, kAccounts / 2), 50);
  ASSERT_TRUE(Eventually(no_marks));
  const std::string after = absl::StrCat(" FROM health_changes WHERE cause = 1 AND sequence > ", before);
  EXPECT_EQ(Count(pool, absl::StrCat("SELECT COUNT(*)", after)), kAccounts) << "a mark was rescored twice or not at all";
  EXPECT_EQ(Count(pool, absl::StrCat("SELECT COUNT(DISTINCT account_id)", after)), kAccounts);
}

}  // namespace
}  // namespace flywheel
