// BatchClaims: later batches wait for earlier claims, and the later of two batches naming one
// row is the one refused.
#include "common/db/batch_claims.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "gtest/gtest.h"

namespace flywheel::db {
namespace {

using std::chrono::milliseconds;

TEST(BatchClaimsTest, ABatchWaitsUntilEveryEarlierBatchHasClaimed) {
  BatchClaims claims(3);
  std::atomic<bool> through{false};
  std::thread third([&] {
    claims.WaitForEarlier(2);
    through = true;
  });
  EXPECT_TRUE(claims.Claim(0, {"a"}));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_FALSE(through.load());  // batch 1 has not claimed yet
  claims.Release(1);             // batch 1 gave up before its lookup
  third.join();
  EXPECT_TRUE(through.load());
  claims.WaitForEarlier(0);  // the first batch never waits
}

TEST(BatchClaimsTest, TheLaterOfTwoBatchesNamingOneRowIsRefusedAndHoldsItsRowsBack) {
  BatchClaims claims(4);
  EXPECT_TRUE(claims.Claim(0, {"a", "b"}));
  EXPECT_TRUE(claims.Claim(1, {"c"}));
  EXPECT_FALSE(claims.Claim(2, {"b", "d"}));  // b is batch 0's
  EXPECT_FALSE(claims.Claim(3, {"d"}));       // d was named by the refused batch 2, which goes later
  EXPECT_TRUE(claims.Claim(0, {"a", "b"}));   // a retried transaction claims again
  EXPECT_TRUE(claims.Claim(1, {}));
}

}  // namespace
}  // namespace flywheel::db
