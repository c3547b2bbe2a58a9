// RunSideBySide: pieces run in parallel when workers are free, on the caller when they are not
// (never waiting on a task nobody runs), each exactly once, with the first failure in piece
// order. Also built under ThreadSanitizer (label "tsan").
#include "common/server/side_by_side.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/unit/blocked_worker.h"

namespace flywheel {
namespace {

TEST(SideBySideTest, PiecesRunAtTheSameTimeWhenAWorkerIsFree) {
  WorkerPool pool(2, 100);
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;
  std::vector<std::thread::id> threads(2);
  // Each piece waits (bounded) until both have started: only true if they overlap.
  auto piece = [&](int i) {
    return [&, i]() -> absl::Status {
      std::unique_lock<std::mutex> lock(mu);
      threads[i] = std::this_thread::get_id();
      ++started;
      cv.notify_all();
      if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return started == 2; })) {
        return absl::DeadlineExceededError("the other piece never ran alongside");
      }
      return absl::OkStatus();
    };
  };
  EXPECT_TRUE(RunSideBySide(pool, {piece(0), piece(1)}).ok());
  EXPECT_EQ(threads[0], std::this_thread::get_id());  // the caller runs the first piece
  EXPECT_NE(threads[1], std::this_thread::get_id());
}

TEST(SideBySideTest, EveryWorkerBusyMeansTheCallerRunsEveryPiece) {
  WorkerPool pool(1, 100);
  std::promise<void> release = BlockTheWorker(pool);
  std::vector<std::thread::id> threads(3);
  std::vector<std::function<absl::Status()>> pieces;
  for (int i = 0; i < 3; ++i) {
    pieces.push_back([&threads, i] {
      threads[i] = std::this_thread::get_id();
      return absl::OkStatus();
    });
  }
  EXPECT_TRUE(RunSideBySide(pool, std::move(pieces)).ok());  // returns with the one worker still blocked
  for (const auto& id : threads) EXPECT_EQ(id, std::this_thread::get_id());
  release.set_value();
}

TEST(SideBySideTest, ACallFromTheOnlyWorkerCompletes) {
  WorkerPool pool(1, 100);
  std::promise<absl::Status> result;
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.Submit([&] {
    result.set_value(RunSideBySide(pool, {[&] { ++ran; return absl::OkStatus(); },
                                          [&] { ++ran; return absl::OkStatus(); }}));
  }));
  auto done = result.get_future();
  ASSERT_EQ(done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(done.get().ok());
  pool.Stop();
  EXPECT_EQ(ran.load(), 2);  // the offered task found its piece taken and did not run it again
}

TEST(SideBySideTest, RefusedOffersRunOnTheCaller) {
  WorkerPool pool(1, 100);
  pool.Stop();  // refuses every offer
  std::atomic<int> ran{0};
  EXPECT_TRUE(RunSideBySide(pool, {[&] { ++ran; return absl::OkStatus(); },
                                   [&] { ++ran; return absl::OkStatus(); }}).ok());
  EXPECT_EQ(ran.load(), 2);
}

TEST(SideBySideTest, TheFirstFailureInPieceOrderAfterEveryPieceRan) {
  WorkerPool pool(2, 100);
  std::atomic<int> ran{0};
  absl::Status status = RunSideBySide(pool, {[&] { ++ran; return absl::OkStatus(); },
                                             [&] { ++ran; return absl::InternalError("second"); },
                                             [&] { ++ran; return absl::UnavailableError("third"); }});
  EXPECT_EQ(status, absl::InternalError("second"));
  EXPECT_EQ(ran.load(), 3);
}

constexpr int kCalls = 400;
constexpr int kPieces = 3;  // a call

TEST(SideBySideTest, ManyCallsFromManyWorkersRunEachPieceOnce) {
  std::vector<std::atomic<int>> runs(kCalls * kPieces);
  std::atomic<int> failed{0};
  {
    WorkerPool pool(4, 10000);
    for (int c = 0; c < kCalls; ++c) {
      ASSERT_TRUE(pool.Submit([&, c] {
        std::vector<std::function<absl::Status()>> pieces;
        for (int p = 0; p < kPieces; ++p) {
          pieces.push_back([&runs, c, p] {
            ++runs[static_cast<size_t>(c * kPieces + p)];
            return absl::OkStatus();
          });
        }
        if (!RunSideBySide(pool, std::move(pieces)).ok()) ++failed;
      }));
    }
  }  // the destructor runs what is queued, then joins
  EXPECT_EQ(failed.load(), 0);
  for (size_t i = 0; i < runs.size(); ++i) ASSERT_EQ(runs[i].load(), 1) << "piece " << i;
}

}  // namespace
}  // namespace flywheel
