// Fault 2: SIGTERM to a service under load (8 client threads for at most 10 s). Calls already
// in flight complete with OK, the process exits cleanly within its drain deadline (5 s here), and
// no call fails except with UNAVAILABLE once draining has begun, apart from calls gRPC core
// itself cancels at the instant the server stops accepting (counted and bounded; see below).
#include <atomic>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/testing/call_helpers.h"
#include "common/testing/service_process.h"
#include "common/testing/test_mariadb.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"
#include "gtest/gtest.h"

namespace flywheel {
namespace {

namespace apb = flywheel::accounts::v1;
using testing::ServiceProcess;
using testing::TestMariaDb;

constexpr absl::Duration kLoadBeforeSignal = absl::Seconds(3);
constexpr absl::Duration kDrainDeadline = absl::Seconds(5);
// A call started this long before the signal has reached the server (calls take ~1 ms here;
// the margin covers a loaded machine).
constexpr absl::Duration kInFlight = absl::Milliseconds(500);

struct CallOutcome {
  absl::Time start;
  grpc::StatusCode code;
  std::string message;
};

TEST(SigtermDrain, CallsInFlightCompleteAndLaterOnesAreUnavailable) {
  ServiceProcess accounts(FLYWHEEL_ACCOUNTS_BINARY, TestMariaDb::Shared().NewDatabaseConfig(),
                          {absl::StrCat("--drain_deadline_seconds=", absl::ToInt64Seconds(kDrainDeadline))});
  auto stub = apb::AccountService::NewStub(accounts.channel());
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<CallOutcome> outcomes;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; !stop; ++n) {
        auto ctx = testing::CallContext(10);
        absl::Time start = absl::Now();
        grpc::Status status;
        if (n % 2 == 0) {
          apb::CreateAccountRequest req;
          req.mutable_account()->set_name(absl::StrCat("drain-", t, "-", n));
          req.mutable_account()->mutable_arr()->set_currency_code("GBP");
          apb::Account out;
          status = stub->CreateAccount(ctx.get(), req, &out);
        } else {
          apb::ListAccountsRequest req;
          req.set_page_size(200);
          apb::ListAccountsResponse out;
          status = stub->ListAccounts(ctx.get(), req, &out);
        }
        std::lock_guard<std::mutex> lock(mu);
        outcomes.push_back({start, status.error_code(), status.error_message()});
        if (!status.ok() && status.error_code() == grpc::StatusCode::UNAVAILABLE) {
          // The server is gone; one more try a little later shows it stays gone.
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }
    });
  }
  std::this_thread::sleep_for(absl::ToChronoNanoseconds(kLoadBeforeSignal));
  absl::Time signalled = absl::Now();
  int exit_code = accounts.Terminate(kDrainDeadline + absl::Seconds(5));
  absl::Duration took = absl::Now() - signalled;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  stop = true;
  for (auto& t : threads) t.join();

  EXPECT_EQ(exit_code, 0);
  EXPECT_LE(took, kDrainDeadline + absl::Seconds(1));
  int before = 0, after_ok = 0, after_unavailable = 0, after_cancelled_by_grpc = 0;
  for (const auto& o : outcomes) {
    if (o.start < signalled - kInFlight) {
      ++before;
      EXPECT_EQ(o.code, grpc::StatusCode::OK) << "a call in flight failed: " << o.message;
    } else if (o.code == grpc::StatusCode::OK) {
      ++after_ok;
    } else if (o.code == grpc::StatusCode::CANCELLED && o.message == "CANCELLED") {
      // A call that reaches the server in the instant it stops accepting is cancelled by gRPC
      // core itself, before any handler sees it (grpc/grpc#41785, in 1.51 too). Counted apart.
      ++after_cancelled_by_grpc;
    } else {
      ++after_unavailable;
      EXPECT_EQ(o.code, grpc::StatusCode::UNAVAILABLE) << o.message;
    }
  }
  std::printf("exit %d after %.2f s; %d calls before the signal, %d OK, %d UNAVAILABLE and %d cancelled by gRPC "
              "around and after it\n",
              exit_code, absl::ToDoubleSeconds(took), before, after_ok, after_unavailable, after_cancelled_by_grpc);
  EXPECT_LE(after_cancelled_by_grpc, 8);  // at most the calls in transit at that instant (8 threads)
  EXPECT_GT(before, 100);
  EXPECT_GT(after_unavailable, 0);
}

}  // namespace
}  // namespace flywheel
