// A db::RunPieces for storage tests: runs each piece on a thread of its own, the first one
// 300 ms late, so that later pieces overtake it unless something holds them back; counts its
// calls (a test can tell that a write went through it at all).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "common/db/run_pieces.h"

namespace flywheel::testing {

inline db::RunPieces OvertakingPieces(std::atomic<int>& calls) {
  return [&calls](std::vector<std::function<absl::Status()>> pieces) {
    ++calls;
    std::vector<absl::Status> statuses(pieces.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < pieces.size(); ++i) {
      threads.emplace_back([&, i] {
        if (i == 0) std::this_thread::sleep_for(std::chrono::milliseconds(300));
        statuses[i] = pieces[i]();
      });
    }
    for (auto& t : threads) t.join();
    for (auto& s : statuses) {
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  };
}

}  // namespace flywheel::testing
