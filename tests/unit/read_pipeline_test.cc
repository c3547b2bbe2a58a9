// ReadPipeline with a stand-in transport that answers reads on its own thread, as gRPC does,
// and a real worker pool: messages handled in order and one at a time, the next read started
// while a message is handled, errors ending the call with one finish, a read still in flight
// after the finish ignored. Also built under ThreadSanitizer (label "tsan").
#include "common/server/pipelined_read_reactor.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace flywheel {
namespace {

// Feeds `messages` messages ("0", "1", …) and then the end of the stream; the handler fails on
// message `fail_at` (-1: never); message `cut_at` (-1: none) arrives but does not decode. Each handle counts whether the transport was already asked for
// the following read, which only a pipeline that reads ahead does.
class Harness {
 public:
  Harness(int messages, int fail_at = -1, int cut_at = -1)
      : messages_(messages),
        fail_at_(fail_at),
        cut_at_(cut_at),
        pipeline_(pool_, {[this](std::string* into) { StartRead(into); },
                          [this](const std::string& m) { return Handle(m); }, [this] { return Complete(); },
                          [this](const absl::Status& s) { Finish(s); }}),
        transport_([this] { Deliver(); }) {}
  ~Harness() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    transport_.join();
    pool_.Stop();
  }

  ReadPipeline<std::string>& pipeline() { return pipeline_; }

  absl::Status WaitFinished() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return finished_.has_value() && !read_pending_ && !delivering_; });
    return *finished_;
  }

  // After WaitFinished.
  std::vector<std::string> handled() const { return handled_; }
  int finishes() const { return finishes_; }
  int completes() const { return completes_; }
  bool overlapped() const { return overlapped_; }
  int read_ahead() const { return read_ahead_; }

 private:
  void StartRead(std::string* into) {
    std::lock_guard<std::mutex> lock(mu_);
    EXPECT_FALSE(read_pending_) << "two reads in flight";
    read_pending_ = true;
    into_ = into;
    ++reads_started_;
    cv_.notify_all();
  }

  // The transport thread: answers each read with the next message, then with the end (false).
  void Deliver() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return stop_ || read_pending_; });
      if (stop_) return;
      bool ok = sent_ < messages_ && !finished_;
      bool cut = ok && sent_ == cut_at_;
      if (ok && !cut) *into_ = absl::StrCat(sent_++);
      read_pending_ = false;  // done: the pipeline may start the next read from ReadDone
      delivering_ = true;
      lock.unlock();
      if (cut) {
        pipeline_.ReadFailed(absl::InvalidArgumentError(absl::StrCat("message ", cut_at_, " does not decode")));
      } else {
        pipeline_.ReadDone(ok);
      }
      lock.lock();
      delivering_ = false;
      cv_.notify_all();
    }
  }

  absl::Status Handle(const std::string& message) {
    if (busy_.exchange(true)) overlapped_ = true;
    {
      std::lock_guard<std::mutex> lock(mu_);
      int index = static_cast<int>(handled_.size());
      // The read of the next message was started before this one was handed over.
      if (reads_started_ > index + 1) ++read_ahead_;
      handled_.push_back(message);
    }
    busy_ = false;
    if (std::to_string(fail_at_) == message) return absl::InvalidArgumentError(absl::StrCat("bad message ", message));
    return absl::OkStatus();
  }

  absl::Status Complete() {
    ++completes_;
    return absl::OkStatus();
  }

  void Finish(const absl::Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    ++finishes_;
    finished_ = status;
    cv_.notify_all();
  }

  const int messages_;
  const int fail_at_;
  const int cut_at_;
  WorkerPool pool_{2, 100};
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> busy_{false};
  bool overlapped_ = false;
  bool stop_ = false;
  bool read_pending_ = false;
  bool delivering_ = false;
  std::string* into_ = nullptr;
  int reads_started_ = 0;
  int sent_ = 0;
  int read_ahead_ = 0;
  std::vector<std::string> handled_;
  int completes_ = 0;
  int finishes_ = 0;
  std::optional<absl::Status> finished_;
  ReadPipeline<std::string> pipeline_;
  std::thread transport_;
};

std::vector<std::string> Numbers(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(std::to_string(i));
  return out;
}

TEST(ReadPipelineTest, HandlesEveryMessageInOrderWhileReadingAhead) {
  Harness h(200);
  h.pipeline().Start();
  EXPECT_TRUE(h.WaitFinished().ok());
  EXPECT_EQ(h.handled(), Numbers(200));
  EXPECT_FALSE(h.overlapped());
  EXPECT_EQ(h.read_ahead(), 200);  // every message, the last one's read being the end of the stream
  EXPECT_EQ(h.completes(), 1);
  EXPECT_EQ(h.finishes(), 1);
}

TEST(ReadPipelineTest, AnEmptyStreamIsCompleted) {
  Harness h(0);
  h.pipeline().Start();
  EXPECT_TRUE(h.WaitFinished().ok());
  EXPECT_TRUE(h.handled().empty());
  EXPECT_EQ(h.completes(), 1);
  EXPECT_EQ(h.finishes(), 1);
}

TEST(ReadPipelineTest, AnErrorEndsTheCallOnceAndTheReadInFlightIsIgnored) {
  Harness h(50, /*fail_at=*/7);
  h.pipeline().Start();
  absl::Status status = h.WaitFinished();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "bad message 7");
  EXPECT_EQ(h.handled(), Numbers(8));
  EXPECT_EQ(h.completes(), 0);
  EXPECT_EQ(h.finishes(), 1);
}

TEST(ReadPipelineTest, AMessageThatDoesNotDecodeEndsTheStreamAfterTheOnesBeforeIt) {
  Harness h(50, /*fail_at=*/-1, /*cut_at=*/6);
  h.pipeline().Start();
  absl::Status status = h.WaitFinished();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "message 6 does not decode");
  EXPECT_EQ(h.handled(), Numbers(6));  // nothing after it, though the client sent more
  EXPECT_EQ(h.completes(), 1);         // what came before it is completed (flushed, counted)
  EXPECT_EQ(h.finishes(), 1);
}

TEST(ReadPipelineTest, AFirstMessageThatDoesNotDecodeIsAnError) {
  Harness h(3, /*fail_at=*/-1, /*cut_at=*/0);
  h.pipeline().Start();
  EXPECT_EQ(h.WaitFinished().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(h.handled().empty());
  EXPECT_EQ(h.finishes(), 1);
}

TEST(ReadPipelineTest, FinishBeforeStartIgnoresEverythingAfter) {
  Harness h(5);
  h.pipeline().Finish(absl::UnauthenticatedError("no token"));
  EXPECT_EQ(h.WaitFinished().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(h.handled().empty());
  EXPECT_EQ(h.finishes(), 1);
}

}  // namespace
}  // namespace flywheel
