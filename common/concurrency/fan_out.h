// The one way work is spread over threads inside a call (a portfolio rescore, an exception
// report): the items are cut into chunks that threads claim in order, and the first failure
// stops the claiming. Request work itself runs on the WorkerPool (common/server).
#pragma once

#include <cstddef>
#include <functional>

#include "absl/status/status.h"

namespace flywheel {

// Runs `work` on every chunk [begin, end) of [0, count), chunks of `chunk` items, on `threads`
// threads (the caller's among them). After a chunk fails no further chunk is started; the
// chunks already running finish. Returns the first failure, or OK.
absl::Status FanOut(size_t count, size_t chunk, int threads,
                    const std::function<absl::Status(size_t begin, size_t end)>& work);

}  // namespace flywheel
