// Follows another service's resumable Watch stream for as long as it runs (health follows the
// accounts' changes, handoff follows health's). It opens the stream after the stored resume
// token (from the stream's beginning while nothing was applied: `request` asks for that, so a
// change made while the follower was down or not yet connected is never skipped), and one thread hands what has arrived, as a batch, to `apply`, which must store the
// batch's effect and its last message's resume_token in one transaction: a restart, or another
// replica, then resumes right after the last applied change, and every change is applied at
// least once (so `apply` must be idempotent). A stream that ends or fails, or a batch that
// fails, is reopened from the stored token after a backoff (doubling to `max_backoff`, reset by
// a batch applied). While `max_queued` messages wait, reading pauses, so a slow `apply` slows
// the stream instead of filling memory.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/logging/log.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/client_callback.h"

namespace flywheel {

template <typename Request, typename Message>
class StreamFollower {
 public:
  struct Hooks {
    std::function<absl::StatusOr<std::string>()> stored_token;  // "" when nothing was applied yet
    std::function<Request(const std::string& token)> request;
    // Starts the call: stub->async()->WatchX(context, request, reactor).
    std::function<void(grpc::ClientContext*, const Request*, grpc::ClientReadReactor<Message>*)> start;
    std::function<absl::Status(std::vector<Message>&)> apply;
  };
  struct Options {
    size_t max_batch = 500;
    size_t max_queued = 2000;
    absl::Duration first_backoff = absl::Milliseconds(200);
    absl::Duration max_backoff = absl::Seconds(5);
  };

  StreamFollower(std::string name, Hooks hooks, Options options)
      : name_(std::move(name)), hooks_(std::move(hooks)), options_(options) {
    thread_ = std::thread([this] { Run(); });
  }
  ~StreamFollower() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  // One opened stream. Its callbacks fill the queue; the follower's thread drains it.
  class Session : public grpc::ClientReadReactor<Message> {
   public:
    Session(StreamFollower* follower, Request request) : follower_(follower), request_(std::move(request)) {}

    void Begin() {
      follower_->hooks_.start(&context_, &request_, this);
      this->StartRead(&incoming_);
      this->StartCall();
    }
    void OnReadDone(bool ok) override {
      bool more = false;
      {
        std::lock_guard<std::mutex> lock(follower_->mu_);
        if (ok) {
          queue_.push_back(std::move(incoming_));
          incoming_.Clear();
          more = queue_.size() < follower_->options_.max_queued;
          paused_ = !more;
        }
      }
      follower_->cv_.notify_all();
      if (more) this->StartRead(&incoming_);
    }
    void OnDone(const grpc::Status& status) override {
      {
        std::lock_guard<std::mutex> lock(follower_->mu_);
        done_ = true;
        status_ = status;
      }
      follower_->cv_.notify_all();
    }

    // Called with the lock held: takes up to `max` queued messages; resumes a paused read.
    std::vector<Message> Take(size_t max, bool& resume) {
      std::vector<Message> batch;
      while (!queue_.empty() && batch.size() < max) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      resume = paused_ && !done_;
      if (resume) paused_ = false;
      return batch;
    }

    StreamFollower* follower_;
    Request request_;
    grpc::ClientContext context_;
    Message incoming_;
    std::deque<Message> queue_;
    bool paused_ = false;
    bool done_ = false;
    grpc::Status status_;
  };

  void Run() {
    absl::Duration backoff = options_.first_backoff;
    while (!Stopping()) {
      if (FollowOnce()) backoff = options_.first_backoff;
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, absl::ToChronoNanoseconds(backoff), [&] { return stopping_; });
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
  }

  bool Stopping() {
    std::lock_guard<std::mutex> lock(mu_);
    return stopping_;
  }

  // Opens the stream and applies what arrives until it ends, a batch fails or we stop. True
  // when some batch was applied.
  bool FollowOnce() {
    auto token = hooks_.stored_token();
    if (!token.ok()) {
      log::Warning("following a stream failed", {{"stream", name_}, {"error", token.status().ToString()}});
      return false;
    }
    Session session(this, hooks_.request(*token));
    session.Begin();
    bool applied = false;
    for (;;) {
      std::vector<Message> batch;
      bool resume = false;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || session.done_ || !session.queue_.empty(); });
        if (stopping_) break;
        if (session.queue_.empty()) break;  // the stream ended and everything was applied
        batch = session.Take(options_.max_batch, resume);
      }
      if (resume) session.StartRead(&session.incoming_);
      absl::Status status = hooks_.apply(batch);
      if (!status.ok()) {
        log::Warning("following a stream failed", {{"stream", name_}, {"error", status.ToString()}});
        break;
      }
      applied = true;
    }
    session.context_.TryCancel();
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return session.done_; });
    if (!session.status_.ok() && session.status_.error_code() != grpc::StatusCode::CANCELLED) {
      log::Warning("following a stream failed", {{"stream", name_}, {"error", session.status_.error_message()}});
    }
    return applied;
  }

  std::string name_;
  Hooks hooks_;
  Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace flywheel
