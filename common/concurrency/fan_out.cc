#include "common/concurrency/fan_out.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace flywheel {

absl::Status FanOut(size_t count, size_t chunk, int threads,
                    const std::function<absl::Status(size_t begin, size_t end)>& work) {
  chunk = std::max<size_t>(chunk, 1);
  std::atomic<size_t> next{0};
  std::mutex mu;
  absl::Status failure;
  auto claim = [&] {
    for (size_t begin; (begin = next.fetch_add(chunk)) < count;) {
      absl::Status s = work(begin, std::min(count, begin + chunk));
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (failure.ok()) failure = std::move(s);
        next = count;  // the others stop claiming
        return;
      }
    }
  };
  size_t chunks = (count + chunk - 1) / chunk;
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < std::min<size_t>(std::max(threads, 1), chunks); ++t) helpers.emplace_back(claim);
  claim();
  for (auto& t : helpers) t.join();
  return failure;
}

}  // namespace flywheel
