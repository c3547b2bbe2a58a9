#include "services/health/app/live_rescorer.h"

#include <string>

#include "common/logging/log.h"

namespace flywheel::health {

LiveRescorer::LiveRescorer(HealthUseCases& use_cases, Options options)
    : use_cases_(use_cases), options_(options), thread_([this] { Run(); }) {}

LiveRescorer::~LiveRescorer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool LiveRescorer::Wait(absl::Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, absl::ToChronoNanoseconds(d), [this] { return stopping_; });
  return !stopping_;
}

void LiveRescorer::Run() {
  for (absl::Duration wait = absl::ZeroDuration(); Wait(wait);) {
    absl::StatusOr<int64_t> scored = use_cases_.RescoreMarked(options_.batch);
    if (!scored.ok()) {
      log::Warning("live rescore failed; the marks stay", {{"error", std::string(scored.status().message())}});
      wait = options_.failure_wait;
    } else {
      wait = *scored > 0 ? absl::ZeroDuration() : options_.idle_poll;
    }
  }
}

}  // namespace flywheel::health
