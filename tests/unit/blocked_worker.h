// A test aid for the worker-pool tests: occupies one worker of a pool until released, so a test
// can tell what happens when every worker is busy.
#pragma once

#include <future>

#include "common/server/worker_pool.h"
#include "gtest/gtest.h"

namespace flywheel {

// Occupies one worker of `pool` (returns once it is running) until the returned promise is set.
// The task holds its own copy of the future, so it may outlive the test's locals.
inline std::promise<void> BlockTheWorker(WorkerPool& pool) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  bool queued = pool.Submit([released, &started] {
    started.set_value();
    released.wait();
  });
  EXPECT_TRUE(queued) << "the pool refused the blocking task";
  if (queued) started.get_future().wait();
  return release;
}

}  // namespace flywheel
