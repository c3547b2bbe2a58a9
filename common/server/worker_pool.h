// Worker threads that run blocking request work (database calls) off gRPC's callback
// threads. One database connection per worker: the pool size and the worker count match.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"

namespace flywheel {

// What a call is answered when the workers refuse its work (queue full, or stopping to drain).
absl::Status OverloadedError();
// What a call is answered when it was cancelled while its work waited for a worker.
absl::Status CancelledBeforeRunError();

class WorkerPool {
 public:
  WorkerPool(int threads, size_t max_queued);
  ~WorkerPool();  // runs what is queued, then joins

  // False when the queue is full or the pool is stopping (the caller answers UNAVAILABLE).
  bool Submit(std::function<void()> task);
  void Stop();

 private:
  void Loop();
  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace flywheel
