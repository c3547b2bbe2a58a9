// StreamWriter with a stand-in transport that completes writes on its own thread, as gRPC
// does: order, one write in flight, backpressure, failed writes, cancels and the single
// finish. Also built under ThreadSanitizer (label "tsan").
#include "common/server/stream_writer.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace flywheel {
namespace {

// Completes each started write on its own thread: OK, or failed from the `fail_from`th write
// (counting from 1) on; with `hold` set, keeps writes pending until Release().
class Transport {
 public:
  explicit Transport(size_t capacity, int fail_from = -1, bool hold = false)
      : fail_from_(fail_from), hold_(hold),
        writer_(capacity, [this](const std::string* m) { Start(m); },
                [this](const grpc::Status& s) { Finished(s); }),
        thread_([this] { Loop(); }) {}
  ~Transport() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  StreamWriter<std::string>& writer() { return writer_; }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = false;
    cv_.notify_all();
  }
  // Waits until the call is finished; its status.
  grpc::Status WaitFinished() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return finished_.has_value(); });
    return *finished_;
  }
  std::vector<std::string> written() {
    std::lock_guard<std::mutex> lock(mu_);
    return written_;
  }
  int started() {
    std::lock_guard<std::mutex> lock(mu_);
    return started_;
  }
  int finish_calls() const { return finish_calls_; }
  bool overlapped() const { return overlapped_; }

 private:
  void Start(const std::string* m) {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_) overlapped_ = true;
    if (finished_) overlapped_ = true;  // a write after the finish
    pending_ = m;
    ++started_;
    cv_.notify_all();
  }
  void Finished(const grpc::Status& s) {
    ++finish_calls_;
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_) overlapped_ = true;  // finished with a write in flight
    finished_ = s;
    cv_.notify_all();
  }
  void Loop() {
    for (;;) {
      bool ok;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || (pending_ && !hold_); });
        if (stop_) return;
        ok = fail_from_ < 0 || started_ < fail_from_;
        if (ok) written_.push_back(*pending_);
        pending_ = nullptr;
      }
      writer_.WriteDone(ok);
    }
  }

  const int fail_from_;
  bool hold_;
  std::mutex mu_;
  std::condition_variable cv_;
  const std::string* pending_ = nullptr;
  int started_ = 0;
  std::vector<std::string> written_;
  std::optional<grpc::Status> finished_;
  std::atomic<int> finish_calls_{0};
  std::atomic<bool> overlapped_{false};
  bool stop_ = false;
  StreamWriter<std::string> writer_;
  std::thread thread_;
};

TEST(StreamWriterTest, WritesEveryMessageInOrderOneAtATimeThenFinishes) {
  Transport t(8);
  std::vector<std::string> sent;
  for (int i = 0; i < 5000; ++i) {
    sent.push_back(absl::StrCat("message ", i));
    ASSERT_TRUE(t.writer().Push(sent.back()));
  }
  t.writer().Close(grpc::Status::OK);
  EXPECT_TRUE(t.WaitFinished().ok());
  EXPECT_EQ(t.written(), sent);
  EXPECT_EQ(t.finish_calls(), 1);
  EXPECT_FALSE(t.overlapped());
}

TEST(StreamWriterTest, SeveralProducersEachKeepTheirOrder) {
  Transport t(4);
  std::vector<std::thread> producers;
  for (int p = 0; p < 3; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < 1000; ++i) EXPECT_TRUE(t.writer().Push(absl::StrCat(p, ":", i)));
    });
  }
  for (auto& p : producers) p.join();
  t.writer().Close(grpc::Status::OK);
  t.WaitFinished();
  std::vector<int> next(3, 0);
  for (const std::string& m : t.written()) {
    int p = m[0] - '0';
    EXPECT_EQ(m, absl::StrCat(p, ":", next[p]++));
  }
  EXPECT_EQ(next, (std::vector<int>{1000, 1000, 1000}));
  EXPECT_FALSE(t.overlapped());
}

TEST(StreamWriterTest, AFailedWriteStopsTheProducerAndFinishesOnce) {
  Transport t(4, /*fail_from=*/10);
  int accepted = 0;
  for (int i = 0; i < 1000 && t.writer().Push(absl::StrCat(i)); ++i) ++accepted;
  EXPECT_GE(accepted, 10);
  EXPECT_LE(accepted, 10 + 4);  // at most a buffer's worth after the failed write
  t.writer().Close(grpc::Status(grpc::StatusCode::INTERNAL, "never sent"));
  EXPECT_EQ(t.WaitFinished().error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(t.written().size(), 9u);
  EXPECT_EQ(t.started(), 10);  // nothing was started after the failed tenth
  EXPECT_EQ(t.finish_calls(), 1);
  EXPECT_FALSE(t.overlapped());
}

TEST(StreamWriterTest, CancelWakesAProducerWaitingForRoom) {
  Transport t(4, /*fail_from=*/1, /*hold=*/true);
  std::atomic<int> accepted{0};
  std::thread producer([&] {
    while (t.writer().Push("x")) ++accepted;
    t.writer().Close(grpc::Status::OK);
  });
  while (accepted.load() < 4) std::this_thread::yield();
  t.writer().Cancel();
  producer.join();
  EXPECT_EQ(accepted.load(), 4);
  EXPECT_EQ(t.finish_calls(), 0);  // the write in flight must complete first
  t.Release();                     // it does, failed, as gRPC completes it after a cancel
  t.WaitFinished();
  EXPECT_EQ(t.finish_calls(), 1);
  EXPECT_EQ(t.started(), 1);
  EXPECT_FALSE(t.overlapped());
}

TEST(StreamWriterTest, CloseWithNothingQueuedFinishesAtOnceAndOnlyOnce) {
  Transport t(4);
  t.writer().Close(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such run"));
  t.writer().Close(grpc::Status::OK);
  EXPECT_EQ(t.WaitFinished().error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_FALSE(t.writer().Push("late"));
  EXPECT_EQ(t.finish_calls(), 1);
  EXPECT_EQ(t.started(), 0);
}

}  // namespace
}  // namespace flywheel
