#include "common/server/side_by_side.h"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace flywheel {
namespace {

struct Piece {
  std::function<absl::Status()> run;
  std::atomic<bool> started{false};  // taken by the caller or by a worker
  bool done = false;                 // guarded by Pieces::mu
  absl::Status status;               // guarded by Pieces::mu
};

// Shared with the offered tasks, which may outlive the call (a worker that gets to a piece the
// caller already ran finds it started and returns).
struct Pieces {
  explicit Pieces(size_t n) : items(n) {}
  std::vector<Piece> items;
  std::mutex mu;
  std::condition_variable finished;

  // Runs piece i unless someone already started it.
  void TryRun(size_t i) {
    Piece& p = items[i];
    if (p.started.exchange(true)) return;
    absl::Status status = p.run();
    std::lock_guard<std::mutex> lock(mu);
    p.status = std::move(status);
    p.done = true;
    finished.notify_all();
  }
};

}  // namespace

absl::Status RunSideBySide(WorkerPool& workers, std::vector<std::function<absl::Status()>> pieces) {
  auto shared = std::make_shared<Pieces>(pieces.size());
  for (size_t i = 0; i < pieces.size(); ++i) shared->items[i].run = std::move(pieces[i]);
  // A refused offer (queue full, draining) is no loss: the caller runs that piece below.
  for (size_t i = 1; i < shared->items.size(); ++i) workers.Submit([shared, i] { shared->TryRun(i); });
  for (size_t i = 0; i < shared->items.size(); ++i) shared->TryRun(i);
  std::unique_lock<std::mutex> lock(shared->mu);
  absl::Status first_failure;
  for (Piece& p : shared->items) {
    shared->finished.wait(lock, [&] { return p.done; });
    // Moved out, not copied: a worker may drop the last reference to `shared` after this call
    // returns, and the status must not be shared with it.
    absl::Status status = std::move(p.status);
    if (first_failure.ok()) first_failure = std::move(status);
  }
  return first_failure;
}

db::RunPieces SideBySideOn(WorkerPool& workers) {
  return [&workers](std::vector<std::function<absl::Status()>> pieces) {
    return RunSideBySide(workers, std::move(pieces));
  };
}

}  // namespace flywheel
