#include "common/concurrency/fan_out.h"

#include <atomic>
#include <mutex>
#include <set>
#include <vector>

#include "gtest/gtest.h"

namespace flywheel {
namespace {

TEST(FanOut, EveryItemIsWorkedOnOnceInChunks) {
  std::mutex mu;
  std::vector<std::pair<size_t, size_t>> chunks;
  std::vector<std::atomic<int>> seen(1003);
  absl::Status s = FanOut(seen.size(), 100, 4, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) ++seen[i];
    std::lock_guard<std::mutex> lock(mu);
    chunks.emplace_back(begin, end);
    return absl::OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s;
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i].load(), 1) << i;
  EXPECT_EQ(chunks.size(), 11u);
  std::set<size_t> ends;
  for (const auto& [b, e] : chunks) ends.insert(e);
  EXPECT_EQ(*ends.rbegin(), 1003u);
}

TEST(FanOut, TheFirstFailureStopsTheClaimingAndIsReturned) {
  std::atomic<int> started{0};
  absl::Status s = FanOut(10000, 10, 1, [&](size_t begin, size_t) {
    ++started;
    return begin == 30 ? absl::UnavailableError("database down") : absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "database down");
  EXPECT_EQ(started.load(), 4);  // one thread: chunks 0, 10, 20, 30, then nothing more
}

TEST(FanOut, NothingToDoIsOk) {
  int calls = 0;
  EXPECT_TRUE(FanOut(0, 10, 4, [&](size_t, size_t) {
                ++calls;
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace flywheel
