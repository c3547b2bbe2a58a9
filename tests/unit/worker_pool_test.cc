// WorkerPool: every task runs once whoever submits it, a full queue refuses, Stop runs what
// is queued and refuses the rest. Also built under ThreadSanitizer (label "tsan").
#include "common/server/worker_pool.h"

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/unit/blocked_worker.h"

namespace flywheel {
namespace {

TEST(WorkerPoolTest, RunsEveryTaskOnceFromManySubmitters) {
  constexpr int kPerSubmitter = 5000;
  std::vector<std::atomic<int>> runs(4 * kPerSubmitter);
  std::atomic<int> refused{0};
  {
    WorkerPool pool(4, 1000);
    std::vector<std::thread> submitters;
    for (int s = 0; s < 4; ++s) {
      submitters.emplace_back([&, s] {
        for (int i = s * kPerSubmitter; i < (s + 1) * kPerSubmitter; ++i) {
          while (!pool.Submit([&runs, i] { ++runs[i]; })) {
            ++refused;  // full: try again
            std::this_thread::yield();
          }
        }
      });
    }
    for (auto& t : submitters) t.join();
  }  // the destructor runs what is queued
  for (size_t i = 0; i < runs.size(); ++i) ASSERT_EQ(runs[i].load(), 1) << "task " << i;
}

TEST(WorkerPoolTest, AFullQueueRefuses) {
  WorkerPool pool(1, 3);
  std::promise<void> release = BlockTheWorker(pool);  // the one worker is busy
  std::atomic<int> ran{0};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(pool.Submit([&] { ++ran; }));
  EXPECT_FALSE(pool.Submit([&] { ++ran; }));
  release.set_value();
  pool.Stop();
  EXPECT_EQ(ran.load(), 3);
}

TEST(WorkerPoolTest, StopRunsWhatIsQueuedAndRefusesMore) {
  WorkerPool pool(2, 100);
  std::atomic<int> ran{0};
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(pool.Submit([&] { ++ran; }));
  pool.Stop();
  EXPECT_EQ(ran.load(), 50);
  EXPECT_FALSE(pool.Submit([&] { ++ran; }));
  pool.Stop();  // twice is fine
  EXPECT_EQ(ran.load(), 50);
}

}  // namespace
}  // namespace flywheel
