// Live health's worker: a thread that keeps draining the rescore marks (HealthUseCases::
// RescoreMarked) a batch at a time, polling briefly when none are left and backing off after a
// failure (the marks stay and are claimed again). Several replicas may run one each.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/time/time.h"
#include "services/health/app/health_use_cases.h"

namespace flywheel::health {

class LiveRescorer {
 public:
  struct Options {
    int batch = 200;                                   // accounts claimed at a time
    absl::Duration idle_poll = absl::Milliseconds(200);  // wait when nothing is marked
    absl::Duration failure_wait = absl::Seconds(1);      // wait after a failed batch
  };
  LiveRescorer(HealthUseCases& use_cases, Options options);
  ~LiveRescorer();  // stops the thread, letting a batch in progress finish

 private:
  void Run();
  // Waits up to `d`; false once stopping.
  bool Wait(absl::Duration d);

  HealthUseCases& use_cases_;
  Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace flywheel::health
