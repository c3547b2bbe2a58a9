#include "common/concurrency/polling_worker.h"

#include "common/logging/log.h"

namespace flywheel {

PollingWorker::PollingWorker(std::string name, std::function<absl::StatusOr<bool>()> step, Options options)
    : name_(std::move(name)), step_(std::move(step)), options_(options), thread_([this] { Run(); }) {}

PollingWorker::~PollingWorker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool PollingWorker::Wait(absl::Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, absl::ToChronoNanoseconds(d), [this] { return stopping_; });
  return !stopping_;
}

void PollingWorker::Run() {
  for (absl::Duration wait = absl::ZeroDuration(); Wait(wait);) {
    absl::StatusOr<bool> worked = step_();
    if (!worked.ok()) {
      log::Warning("background step failed; it runs again", {{"worker", name_}, {"error", worked.status().ToString()}});
      wait = options_.failure_wait;
    } else {
      wait = *worked ? absl::ZeroDuration() : options_.idle_poll;
    }
  }
}

}  // namespace flywheel
