// ReadCoalescer: reads queued while the workers are busy share one fetch (capped at the batch
// size), a lone read is fetched at once, every read is answered exactly once with its own key's
// value, a missing key or a failed fetch is answered as such, a read whose call went while it was
// queued is answered CANCELLED without a fetch, a refusing pool refuses (unless a drain already
// queued will serve the read), and reads told yes are answered when every drain is refused.
// Also built under ThreadSanitizer (label "tsan").
#include "common/server/read_coalescer.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <future>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/unit/blocked_worker.h"

namespace flywheel {
namespace {

// A fetch that finds every key except those starting with "missing", as "value of KEY", and
// records the keys of each call.
// (std::mutex throughout: Debian's absl::Mutex is invisible to ThreadSanitizer.)
struct RecordingFetch {
  std::mutex mu;
  std::vector<std::vector<std::string>> calls;
  absl::Status fail = absl::OkStatus();

  ReadCoalescer<std::string>::Fetch AsFetch() {
    return [this](const std::vector<std::string>& keys) -> absl::StatusOr<absl::flat_hash_map<std::string, std::string>> {
      std::lock_guard<std::mutex> lock(mu);
      calls.push_back(keys);
      if (!fail.ok()) return fail;
      absl::flat_hash_map<std::string, std::string> found;
      for (const auto& k : keys) {
        if (k.rfind("missing", 0) != 0) found[k] = "value of " + k;
      }
      return found;
    };
  }
};

absl::StatusOr<std::string> NotFound(const std::string& key) { return absl::NotFoundError(key); }

// Answers, by the index of the read, and a count that tells when all have arrived.
struct Answers {
  explicit Answers(size_t n) : results(n) {}
  std::mutex mu;
  std::condition_variable changed;
  std::vector<std::vector<absl::StatusOr<std::string>>> results;
  size_t answered = 0;
  ReadCoalescer<std::string>::Done For(size_t i) {
    return [this, i](absl::StatusOr<std::string> value) {
      std::lock_guard<std::mutex> lock(mu);
      results[i].push_back(std::move(value));
      ++answered;
      changed.notify_all();
    };
  }
  void AwaitAll() {
    std::unique_lock<std::mutex> lock(mu);
    changed.wait(lock, [&] { return answered == results.size(); });
  }
  size_t Answered() {
    std::lock_guard<std::mutex> lock(mu);
    return answered;
  }
};

TEST(ReadCoalescerTest, ReadsQueuedWhileTheWorkerIsBusyShareOneFetch) {
  WorkerPool pool(1, 100);
  RecordingFetch fetch;
  ReadCoalescer<std::string> reads(pool, 16, fetch.AsFetch(), NotFound);
  const std::vector<std::string> keys = {"k3", "k1", "missing-9", "k2", "k1", "k4", "k5", "k6", "k7", "k8"};
  Answers answers(keys.size());
  std::promise<void> release = BlockTheWorker(pool);
  for (size_t i = 0; i < keys.size(); ++i) ASSERT_TRUE(reads.Read(keys[i], answers.For(i)));
  release.set_value();
  answers.AwaitAll();
  ASSERT_EQ(fetch.calls.size(), 1u);
  EXPECT_EQ(fetch.calls[0], (std::vector<std::string>{"k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "missing-9"}));
  for (size_t i = 0; i < keys.size(); ++i) {
    ASSERT_EQ(answers.results[i].size(), 1u) << keys[i];
    const absl::StatusOr<std::string>& answer = answers.results[i][0];
    if (keys[i] == "missing-9") {
      EXPECT_EQ(answer.status().code(), absl::StatusCode::kNotFound);
      EXPECT_EQ(answer.status().message(), "missing-9");
    } else {
      ASSERT_TRUE(answer.ok()) << answer.status();
      EXPECT_EQ(*answer, "value of " + keys[i]);
    }
  }
}

TEST(ReadCoalescerTest, BatchesAreCappedAndALoneReadIsFetchedAtOnce) {
  WorkerPool pool(1, 100);
  RecordingFetch fetch;
  ReadCoalescer<std::string> reads(pool, 4, fetch.AsFetch(), NotFound);
  Answers answers(10);
  std::promise<void> release = BlockTheWorker(pool);
  for (size_t i = 0; i < 10; ++i) ASSERT_TRUE(reads.Read("k" + std::to_string(i), answers.For(i)));
  release.set_value();
  answers.AwaitAll();
  std::vector<size_t> sizes;
  for (const auto& call : fetch.calls) sizes.push_back(call.size());
  EXPECT_EQ(sizes, (std::vector<size_t>{4, 4, 2}));

  Answers lone(1);
  ASSERT_TRUE(reads.Read("alone", lone.For(0)));
  lone.AwaitAll();
  ASSERT_EQ(fetch.calls.size(), 4u);
  EXPECT_EQ(fetch.calls.back(), std::vector<std::string>{"alone"});
  EXPECT_EQ(*lone.results[0][0], "value of alone");
}

TEST(ReadCoalescerTest, AtMostTwoDrainsFetchAtOnceAndTheRestShareTheirNextRound) {
  WorkerPool pool(4, 100);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::mutex mu;
  std::condition_variable changed;
  int active = 0, most_active = 0;
  std::vector<size_t> batch_sizes;
  ReadCoalescer<std::string> reads(
      pool, 16,
      [&](const std::vector<std::string>& keys) -> absl::StatusOr<absl::flat_hash_map<std::string, std::string>> {
        {
          std::lock_guard<std::mutex> lock(mu);
          most_active = std::max(most_active, ++active);
          batch_sizes.push_back(keys.size());
          changed.notify_all();
        }
        released.wait();
        std::lock_guard<std::mutex> lock(mu);
        --active;
        absl::flat_hash_map<std::string, std::string> found;
        for (const auto& k : keys) found[k] = k;
        return found;
      },
      NotFound);
  Answers answers(12);
  auto await_active = [&](int n) {
    std::unique_lock<std::mutex> lock(mu);
    changed.wait(lock, [&] { return active == n; });
  };
  ASSERT_TRUE(reads.Read("k0", answers.For(0)));
  await_active(1);  // the first drain is fetching k0
  ASSERT_TRUE(reads.Read("k1", answers.For(1)));
  await_active(2);  // a second drain is fetching k1
  for (size_t i = 2; i < 12; ++i) ASSERT_TRUE(reads.Read("k" + std::to_string(i), answers.For(i)));
  release.set_value();
  answers.AwaitAll();
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(most_active, 2);
  size_t total = 0;
  for (size_t n : batch_sizes) total += n;
  EXPECT_EQ(total, 12u);
  std::sort(batch_sizes.begin(), batch_sizes.end());
  EXPECT_EQ(batch_sizes, (std::vector<size_t>{1, 1, 10}));  // the ten queued meanwhile shared one round
}

TEST(ReadCoalescerTest, AFailedFetchAnswersEveryReadOfItsBatch) {
  WorkerPool pool(1, 100);
  RecordingFetch fetch;
  fetch.fail = absl::UnavailableError("database down");
  ReadCoalescer<std::string> reads(pool, 16, fetch.AsFetch(), NotFound);
  Answers answers(3);
  std::promise<void> release = BlockTheWorker(pool);
  for (size_t i = 0; i < 3; ++i) ASSERT_TRUE(reads.Read("k" + std::to_string(i), answers.For(i)));
  release.set_value();
  answers.AwaitAll();
  for (const auto& r : answers.results) EXPECT_EQ(r.at(0).status().code(), absl::StatusCode::kUnavailable);
}

TEST(ReadCoalescerTest, ARefusingPoolRefusesTheRead) {
  WorkerPool pool(1, 1);  // one running task and one queued fill it
  RecordingFetch fetch;
  ReadCoalescer<std::string> reads(pool, 16, fetch.AsFetch(), NotFound);
  std::promise<void> release = BlockTheWorker(pool);
  ASSERT_TRUE(pool.Submit([] {}));  // the queue is now full
  Answers answers(1);
  EXPECT_FALSE(reads.Read("k", answers.For(0)));
  release.set_value();
  pool.Stop();
  EXPECT_EQ(answers.Answered(), 0u);  // a refused read is answered by its caller
  EXPECT_TRUE(fetch.calls.empty());
  EXPECT_FALSE(reads.Read("after-stop", answers.For(0)));
}

TEST(ReadCoalescerTest, AReadWhoseDrainIsRefusedIsServedByTheDrainAlreadyQueued) {
  WorkerPool pool(1, 1);
  RecordingFetch fetch;
  ReadCoalescer<std::string> reads(pool, 16, fetch.AsFetch(), NotFound);  // two drains allowed
  std::promise<void> release = BlockTheWorker(pool);
  Answers answers(2);
  ASSERT_TRUE(reads.Read("first", answers.For(0)));   // its drain fills the pool's queue
  ASSERT_TRUE(reads.Read("second", answers.For(1)));  // a second drain is refused: the first serves it
  release.set_value();
  answers.AwaitAll();
  ASSERT_EQ(fetch.calls.size(), 1u);
  EXPECT_EQ(fetch.calls[0], (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(*answers.results[0][0], "value of first");
  EXPECT_EQ(*answers.results[1][0], "value of second");
}

// Submissions that block until the test lets each go, and are then refused.
struct RefusingLater {
  std::mutex mu;
  std::condition_variable changed;
  int entered = 0;   // submissions waiting
  int let_go = 0;    // submissions allowed to return (refused)

  ReadCoalescer<std::string>::Submit AsSubmit() {
    return [this](std::function<void()>) {
      std::unique_lock<std::mutex> lock(mu);
      int mine = ++entered;
      changed.notify_all();
      changed.wait(lock, [&] { return let_go >= mine; });
      return false;
    };
  }
  void AwaitEntered(int n) {
    std::unique_lock<std::mutex> lock(mu);
    changed.wait(lock, [&] { return entered >= n; });
  }
  void LetGo(int n) {
    std::lock_guard<std::mutex> lock(mu);
    let_go = n;
    changed.notify_all();
  }
};

// Two reads are submitting their drains when a third is queued and told yes (two drains are
// already on their way). Both submissions are then refused: the first read is told yes (the
// other drain may still serve it), the second finds no drain left, answers every queued read
// it was not (UNAVAILABLE) and learns of its own refusal from the return value. No read is left
// without an answer, and none is answered twice.
TEST(ReadCoalescerTest, ReadsToldYesAreAnsweredWhenEveryDrainIsRefused) {
  RefusingLater pool;
  RecordingFetch fetch;
  ReadCoalescer<std::string> reads(pool.AsSubmit(), 16, fetch.AsFetch(), NotFound);
  Answers answers(3);
  std::promise<bool> first_told, second_told;
  std::thread first([&] { first_told.set_value(reads.Read("first", answers.For(0))); });
  pool.AwaitEntered(1);
  std::thread second([&] { second_told.set_value(reads.Read("second", answers.For(1))); });
  pool.AwaitEntered(2);
  EXPECT_TRUE(reads.Read("third", answers.For(2)));  // both drains are on their way
  pool.LetGo(1);
  EXPECT_TRUE(first_told.get_future().get());
  pool.LetGo(2);
  EXPECT_FALSE(second_told.get_future().get());
  first.join();
  second.join();
  EXPECT_TRUE(fetch.calls.empty());
  ASSERT_EQ(answers.results[0].size(), 1u);
  EXPECT_EQ(answers.results[0][0].status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(answers.results[1].empty());  // its caller answers it
  ASSERT_EQ(answers.results[2].size(), 1u);
  EXPECT_EQ(answers.results[2][0].status().code(), absl::StatusCode::kUnavailable);
}

TEST(ReadCoalescerTest, ReadsWhoseCallWentWhileQueuedAreAnsweredCancelledAndNotFetched) {
  WorkerPool pool(1, 100);
  RecordingFetch fetch;
  ReadCoalescer<std::string> reads(pool, 16, fetch.AsFetch(), NotFound);
  std::promise<void> release = BlockTheWorker(pool);
  Answers answers(3);
  auto gone = [] { return true; };
  auto live = [] { return false; };
  ASSERT_TRUE(reads.Read("a", answers.For(0), gone));
  ASSERT_TRUE(reads.Read("b", answers.For(1), live));
  ASSERT_TRUE(reads.Read("c", answers.For(2), gone));
  release.set_value();
  answers.AwaitAll();
  pool.Stop();
  EXPECT_EQ(answers.results[0][0].status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(answers.results[1][0].value(), "value of b");
  EXPECT_EQ(answers.results[2][0].status().code(), absl::StatusCode::kCancelled);
  ASSERT_EQ(fetch.calls.size(), 1u);
  EXPECT_EQ(fetch.calls[0], std::vector<std::string>{"b"});
}

TEST(ReadCoalescerTest, ABatchOfOnlyCancelledReadsFetchesNothing) {
  WorkerPool pool(1, 100);
  RecordingFetch fetch;
  ReadCoalescer<std::string> reads(pool, 16, fetch.AsFetch(), NotFound);
  Answers answers(1);
  ASSERT_TRUE(reads.Read("a", answers.For(0), [] { return true; }));
  answers.AwaitAll();
  pool.Stop();
  EXPECT_EQ(answers.results[0][0].status().code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(fetch.calls.empty());
}

TEST(ReadCoalescerTest, ManyReadersEachGetTheirOwnValueOnce) {
  constexpr int kReaders = 4, kPerReader = 2000;
  WorkerPool pool(4, 100000);
  RecordingFetch fetch;
  ReadCoalescer<std::string> reads(pool, 16, fetch.AsFetch(), NotFound);
  Answers answers(kReaders * kPerReader);
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      for (int i = 0; i < kPerReader; ++i) {
        size_t index = static_cast<size_t>(r * kPerReader + i);
        ASSERT_TRUE(reads.Read("k" + std::to_string(index % 500), answers.For(index)));
      }
    });
  }
  for (auto& t : readers) t.join();
  answers.AwaitAll();
  for (size_t i = 0; i < answers.results.size(); ++i) {
    ASSERT_EQ(answers.results[i].size(), 1u) << i;
    ASSERT_EQ(*answers.results[i][0], "value of k" + std::to_string(i % 500)) << i;
  }
  std::lock_guard<std::mutex> lock(fetch.mu);
  size_t fetched = 0;
  for (const auto& call : fetch.calls) {
    EXPECT_LE(call.size(), 16u);
    fetched += call.size();
  }
  EXPECT_LE(fetch.calls.size(), answers.results.size());
  EXPECT_GE(fetched, 500u);  // every key at least once
}

}  // namespace
}  // namespace flywheel
