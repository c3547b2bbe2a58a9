// Fault 4: two replicas of every service on one database each, clients spreading their calls
// over both, and concurrent read-modify-write updates of the same accounts and stakeholders.
// A stale etag is ABORTED (the writer re-reads and tries again), no acknowledged update is
// lost, and two replicas running the exception report at the same time open every exception
// once. Bounded: 8 threads, 60 updates each, two concurrent report runs per replica.
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/testing/call_helpers.h"
#include "common/testing/service_process.h"
#include "common/testing/test_mariadb.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"
#include "flywheel/handoff/v1/handoff.grpc.pb.h"
#include "flywheel/stakeholders/v1/stakeholders.grpc.pb.h"
#include "gtest/gtest.h"

namespace flywheel {
namespace {

namespace apb = flywheel::accounts::v1;
namespace spb = flywheel::stakeholders::v1;
namespace opb = flywheel::handoff::v1;
using testing::ServiceProcess;
using testing::TestMariaDb;

constexpr int kThreads = 8;
constexpr int kUpdatesPerThread = 60;
constexpr int kHotAccounts = 3;

// Two replicas of one service on one database.
struct Replicas {
  Replicas(const char* binary, std::vector<std::string> flags) {
    DatabaseConfig db = TestMariaDb::Shared().NewDatabaseConfig();
    a = std::make_unique<ServiceProcess>(binary, db, flags);
    b = std::make_unique<ServiceProcess>(binary, db, flags);
  }
  // A target naming both, for a round_robin channel (what a headless Service resolves to).
  std::string target() const { return absl::StrCat("ipv4:", a->address(), ",", b->address()); }
  std::shared_ptr<grpc::Channel> channel(int i) const { return (i % 2 ? b : a)->channel(); }
  std::unique_ptr<ServiceProcess> a, b;
};

TEST(Replicas, StaleWritesAreAbortedAndNothingIsLostOrDuplicated) {
  Replicas accounts(FLYWHEEL_ACCOUNTS_BINARY, {});
  std::string accounts_addr = absl::StrCat("--accounts_addr=", accounts.target());
  Replicas health(FLYWHEEL_HEALTH_BINARY, {accounts_addr});
  std::string health_addr = absl::StrCat("--health_addr=", health.target());
  Replicas stakeholders(FLYWHEEL_STAKEHOLDERS_BINARY, {accounts_addr, health_addr});
  Replicas handoff(FLYWHEEL_HANDOFF_BINARY,
                   {accounts_addr, health_addr, absl::StrCat("--stakeholders_addr=", stakeholders.target())});

  // The hot accounts and one stakeholder on each.
  std::vector<std::string> account_ids, stakeholder_ids;
  for (int i = 0; i < kHotAccounts; ++i) {
    apb::CreateAccountRequest req;
    req.mutable_account()->set_name(absl::StrCat("Hot ", i));
    req.mutable_account()->mutable_arr()->set_currency_code("GBP");
    req.mutable_account()->set_licensed_seats(0);
    apb::Account a;
    ASSERT_TRUE(apb::AccountService::NewStub(accounts.channel(i))->CreateAccount(testing::CallContext(30).get(), req, &a).ok());
    account_ids.push_back(a.id());
    spb::CreateStakeholderRequest sreq;
    auto* s = sreq.mutable_stakeholder();
    s->set_account_id(a.id());
    s->set_name("Chris Patel");
    s->set_email(absl::StrCat("cc.manager", i, "@customer.example"));
    s->set_role(spb::ROLE_CHAMPION);
    s->set_engagement(spb::ENGAGEMENT_ENGAGED);
    s->set_title("0");
    spb::Stakeholder out;
    grpc::Status st = spb::StakeholderService::NewStub(stakeholders.channel(i))
                          ->CreateStakeholder(testing::CallContext(30).get(), sreq, &out);
    ASSERT_TRUE(st.ok()) << st.error_message();
    stakeholder_ids.push_back(out.id());
  }

  // Each thread adds 1 to an account's licensed_seats and to a stakeholder's title (a number)
  // by read-modify-write with the etag it read, through alternating replicas.
  std::mutex mu;
  std::map<std::string, int> acknowledged;
  int aborted = 0, other_errors = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      int call = t;
      for (int n = 0; n < kUpdatesPerThread; ++n) {
        const std::string& account_id = account_ids[(t + n) % kHotAccounts];
        const std::string& stakeholder_id = stakeholder_ids[(t + n) % kHotAccounts];
        for (bool done = false; !done;) {  // account
          auto stub = apb::AccountService::NewStub(accounts.channel(call++));
          apb::GetAccountRequest get;
          get.set_id(account_id);
          apb::Account current;
          if (!stub->GetAccount(testing::CallContext(30).get(), get, &current).ok()) continue;
          apb::UpdateAccountRequest update;
          *update.mutable_account() = current;
          update.mutable_account()->set_licensed_seats(current.licensed_seats() + 1);
          update.mutable_update_mask()->add_paths("licensed_seats");
          auto write = apb::AccountService::NewStub(accounts.channel(call++));
          apb::Account out;
          grpc::Status s = write->UpdateAccount(testing::CallContext(30).get(), update, &out);
          std::lock_guard<std::mutex> lock(mu);
          if (s.ok()) {
            ++acknowledged[account_id];
            done = true;
          } else if (s.error_code() == grpc::StatusCode::ABORTED) {
            ++aborted;
          } else {
            ++other_errors;
            ADD_FAILURE() << "account update: " << s.error_code() << " " << s.error_message();
            done = true;
          }
        }
        for (bool done = false; !done;) {  // stakeholder
          auto stub = spb::StakeholderService::NewStub(stakeholders.channel(call++));
          spb::GetStakeholderRequest get;
          get.set_id(stakeholder_id);
          spb::Stakeholder current;
          if (!stub->GetStakeholder(testing::CallContext(30).get(), get, &current).ok()) continue;
          int value = 0;
          EXPECT_TRUE(absl::SimpleAtoi(current.title(), &value));
          spb::UpdateStakeholderRequest update;
          *update.mutable_stakeholder() = current;
          update.mutable_stakeholder()->set_title(absl::StrCat(value + 1));
          update.mutable_update_mask()->add_paths("title");
          auto write = spb::StakeholderService::NewStub(stakeholders.channel(call++));
          spb::Stakeholder out;
          grpc::Status s = write->UpdateStakeholder(testing::CallContext(30).get(), update, &out);
          std::lock_guard<std::mutex> lock(mu);
          if (s.ok()) {
            ++acknowledged[stakeholder_id];
            done = true;
          } else if (s.error_code() == grpc::StatusCode::ABORTED) {
            ++aborted;
          } else {
            ++other_errors;
            ADD_FAILURE() << "stakeholder update: " << s.error_code() << " " << s.error_message();
            done = true;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();

  for (int i = 0; i < kHotAccounts; ++i) {
    apb::GetAccountRequest get;
    get.set_id(account_ids[i]);
    apb::Account account;
    ASSERT_TRUE(apb::AccountService::NewStub(accounts.channel(i))->GetAccount(testing::CallContext(30).get(), get, &account).ok());
    EXPECT_EQ(account.licensed_seats(), acknowledged[account_ids[i]]) << "an acknowledged account update was lost";
    spb::GetStakeholderRequest sget;
    sget.set_id(stakeholder_ids[i]);
    spb::Stakeholder stakeholder;
    ASSERT_TRUE(spb::StakeholderService::NewStub(stakeholders.channel(i))
                    ->GetStakeholder(testing::CallContext(30).get(), sget, &stakeholder)
                    .ok());
    EXPECT_EQ(stakeholder.title(), absl::StrCat(acknowledged[stakeholder_ids[i]])) << "a stakeholder update was lost";
  }
  std::printf("%d updates acknowledged, %d stale writes aborted\n", 2 * kThreads * kUpdatesPerThread, aborted);
  EXPECT_GT(aborted, 0);  // the replicas really raced
  EXPECT_EQ(other_errors, 0);

  // Both handoff replicas run the same report at the same time, twice.
  opb::RunExceptionReportRequest report;
  *report.mutable_as_of() = testing::Day(2026, 5, 26);
  std::vector<std::thread> runs;
  std::atomic<int> failed_runs{0};
  for (int r = 0; r < 4; ++r) {
    runs.emplace_back([&, r] {
      opb::ReportRun out;
      grpc::Status s = opb::HandoffService::NewStub(handoff.channel(r))
                           ->RunExceptionReport(testing::CallContext(120).get(), report, &out);
      if (!s.ok()) {
        ++failed_runs;
        ADD_FAILURE() << "report run: " << s.error_message();
      }
    });
  }
  for (auto& t : runs) t.join();
  EXPECT_EQ(failed_runs, 0);
  opb::ListExceptionsRequest list;
  list.set_page_size(1000);
  opb::ListExceptionsResponse exceptions;
  ASSERT_TRUE(opb::HandoffService::NewStub(handoff.channel(0))
                  ->ListExceptions(testing::CallContext(60).get(), list, &exceptions)
                  .ok());
  std::set<std::string> keys;
  for (const auto& e : exceptions.exceptions()) {
    EXPECT_TRUE(keys.insert(absl::StrCat(e.account_id(), "|", e.rule(), "|", e.subject())).second)
        << "exception opened twice: " << e.account_id() << " rule " << e.rule() << " " << e.subject();
  }
  // The hot accounts have a CHAMPION but no OWNER: at least one exception each.
  EXPECT_GE(keys.size(), static_cast<size_t>(kHotAccounts));
}

}  // namespace
}  // namespace flywheel
