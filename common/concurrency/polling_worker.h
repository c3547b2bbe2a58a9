// A background thread that repeats one step for as long as its owner lives: the live rescorer
// (draining rescore marks) and the webhook dispatcher (queueing events, trying deliveries). The
// step answers whether it found work: then it runs again at once; when it found none the thread
// waits `idle_poll`; after a failure (logged) it waits `failure_wait`. Destruction stops the
// thread after the step in progress.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace flywheel {

class PollingWorker {
 public:
  struct Options {
    absl::Duration idle_poll = absl::Milliseconds(200);
    absl::Duration failure_wait = absl::Seconds(1);
  };
  PollingWorker(std::string name, std::function<absl::StatusOr<bool>()> step, Options options);
  ~PollingWorker();

 private:
  void Run();
  bool Wait(absl::Duration d);  // false once stopping

  std::string name_;
  std::function<absl::StatusOr<bool>()> step_;
  Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace flywheel
