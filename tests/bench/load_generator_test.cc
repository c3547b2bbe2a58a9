// The load generator judges every RPC target of the benchmark, so its own counting is tested:
// against the real echo floor, closed loop and paced, and against calls it must count as
// failures (a method the server lacks, a server that is not there, a method it does not know).
#include "tests/bench/load_generator.h"

#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "common/testing/free_port.h"
#include "common/testing/service_process.h"

namespace flywheel::bench {
namespace {

// One echo server for the suite.
class LoadGeneratorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { echo_ = new testing::ServiceProcess(FLYWHEEL_ECHO_BINARY, testing::NoDatabase()); }
  static void TearDownTestSuite() {
    delete echo_;
    echo_ = nullptr;
  }
  static testing::ServiceProcess& Echo() { return *echo_; }

 private:
  static testing::ServiceProcess* echo_;
};
testing::ServiceProcess* LoadGeneratorTest::echo_ = nullptr;

LoadOptions Options(const std::string& target, const std::string& method) {
  LoadOptions o;
  o.target = target;
  o.method = method;
  o.ids = {"a", "b", "c"};
  o.concurrency = 8;
  o.channels = 2;
  o.warmup_seconds = 0.3;
  o.duration_seconds = 1;
  return o;
}

TEST_F(LoadGeneratorTest, ClosedLoopCountsAnsweredCallsAndOrdersPercentiles) {
  LoadOptions o = Options(Echo().address(), "Echo");
  o.cpu_of = {{"generator", 0}, {"echo", Echo().pid()}};
  LoadResult r = RunLoad(o);
  ASSERT_EQ(r.error, "");
  ASSERT_GT(r.ok, 100);
  EXPECT_EQ(r.codes, (std::map<std::string, int64_t>{{"OK", r.ok}}));  // echo answers every id right
  EXPECT_DOUBLE_EQ(r.qps, static_cast<double>(r.ok) / o.duration_seconds);
  EXPECT_GT(r.p50_ms, 0);
  EXPECT_LE(r.p50_ms, r.p90_ms);
  EXPECT_LE(r.p90_ms, r.p99_ms);
  EXPECT_LE(r.p99_ms, r.max_ms);
  // Both processes worked for the answered calls, and neither used more than every core for the
  // whole window (half as much again for the sampling's slack): more would mean CPU time taken
  // outside the window or divided by the wrong count.
  const double most_us = 1.5 * std::thread::hardware_concurrency() * o.duration_seconds * 1e6 / r.ok;
  ASSERT_EQ(r.cpu_us_per_call.size(), 2u);
  for (const auto& [name, us] : r.cpu_us_per_call) {
    EXPECT_GT(us, 0) << name;
    EXPECT_LT(us, most_us) << name;
  }
  const std::string json = r.Json(o);
  EXPECT_NE(json.find(absl::StrCat("\"codes\":{\"OK\":", r.ok, "}")), std::string::npos) << json;
}

TEST_F(LoadGeneratorTest, PacedLoadStartsTheScheduledCallsOfTheWindow) {
  LoadOptions o = Options(Echo().address(), "Echo");
  o.rate = 200;
  LoadResult r = RunLoad(o);
  ASSERT_EQ(r.error, "");
  // 200 calls are scheduled in the measured second, never more; the last few are left out only
  // if they finish after the window closes (echo answers in well under the 5 ms between calls;
  // 100 ms of slack for a busy machine).
  EXPECT_LE(r.ok, 200);
  EXPECT_GE(r.ok, 180);
  EXPECT_EQ(r.codes.size(), 1u);
}

TEST_F(LoadGeneratorTest, CallsTheServerCannotAnswerAreCountedByTheirCode) {
  // The echo server has no AccountService: every call is UNIMPLEMENTED, none is OK.
  LoadResult r = RunLoad(Options(Echo().address(), "GetAccount"));
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.ok, 0);
  EXPECT_EQ(r.qps, 0);
  ASSERT_EQ(r.codes.size(), 1u);
  EXPECT_EQ(r.codes.begin()->first, "UNIMPLEMENTED");
  EXPECT_GT(r.codes.begin()->second, 100);
}

TEST_F(LoadGeneratorTest, AnAbsentServerIsCountedUnavailableAndTheLoadStillEnds) {
  LoadOptions o = Options(absl::StrCat("127.0.0.1:", testing::FreeLoopbackPort()), "Echo");
  o.rate = 100;
  LoadResult r = RunLoad(o);
  EXPECT_EQ(r.ok, 0);
  ASSERT_EQ(r.codes.count("UNAVAILABLE"), 1u) << r.Summary();
  EXPECT_GE(r.codes.at("UNAVAILABLE"), 90);
}

TEST_F(LoadGeneratorTest, AnUnknownMethodIsAnErrorNotAnEmptyLoad) {
  LoadResult r = RunLoad(Options(Echo().address(), "GetEverything"));
  EXPECT_EQ(r.error, "unknown method GetEverything");
  EXPECT_TRUE(r.codes.empty());
}

}  // namespace
}  // namespace flywheel::bench
