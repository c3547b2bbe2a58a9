// The write side of a server stream fed by a thread of our own (a report run, a change
// poller): messages go out one write at a time in the order pushed; Push waits while
// `capacity` messages are queued, so a slow client slows the producer instead of filling
// memory; Close finishes the call once every queued message is written. After a failed write
// (the client went away) or a cancel, Push returns false at once and what is queued is dropped.
//
// The reactor forwards OnWriteDone to WriteDone and OnCancel to Cancel; `start_write` and
// `finish` are its StartWrite and Finish. Written apart from gRPC so that its locking can be
// tested (and run under ThreadSanitizer) with a stand-in transport.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <utility>

#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace flywheel {

template <typename Message>
class StreamWriter {
 public:
  StreamWriter(size_t capacity, std::function<void(const Message*)> start_write,
               std::function<void(const grpc::Status&)> finish)
      : capacity_(capacity < 1 ? 1 : capacity), start_write_(std::move(start_write)), finish_(std::move(finish)) {}

  // Queues `message` (waiting for room); false when the stream is broken or closed.
  bool Push(Message message) {
    std::unique_lock<std::mutex> lock(mu_);
    room_.wait(lock, [&] { return broken_ || queue_.size() < capacity_; });
    if (broken_ || closed_) return false;
    queue_.push_back(std::move(message));
    if (queue_.size() == 1) start_write_(&queue_.front());
    return true;
  }

  // Ends the call with `status` after the queued messages (at once when the stream is
  // broken). Only the first Close counts.
  void Close(grpc::Status status) {
    std::unique_lock<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    final_ = std::move(status);
    FinishIfDrained(lock);
  }

  void WriteDone(bool ok) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!queue_.empty()) queue_.pop_front();
    if (!ok) {
      broken_ = true;
      queue_.clear();
    }
    room_.notify_all();
    if (!queue_.empty()) {
      start_write_(&queue_.front());
    } else {
      FinishIfDrained(lock);
    }
  }

  void Cancel() {
    std::unique_lock<std::mutex> lock(mu_);
    broken_ = true;
    while (queue_.size() > 1) queue_.pop_back();  // the front may be in flight: its WriteDone comes
    room_.notify_all();
    FinishIfDrained(lock);
  }

  // Waits up to `timeout` for the stream to break; true when it has.
  bool WaitBroken(absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return room_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] { return broken_; });
  }

 private:
  // Finishes the call once it is closed and nothing is in flight. `finish` runs unlocked and
  // last: the reactor (and this writer) may be deleted as soon as the call is finished.
  void FinishIfDrained(std::unique_lock<std::mutex>& lock) {
    if (!closed_ || !queue_.empty() || finished_) return;
    finished_ = true;
    grpc::Status status = final_;
    std::function<void(const grpc::Status&)> finish = finish_;
    lock.unlock();
    finish(status);
  }

  const size_t capacity_;
  std::function<void(const Message*)> start_write_;
  std::function<void(const grpc::Status&)> finish_;
  std::mutex mu_;
  std::condition_variable room_;
  std::deque<Message> queue_;  // the front is being written
  bool broken_ = false, closed_ = false, finished_ = false;
  grpc::Status final_;
};

}  // namespace flywheel
