// Keeps the order of records when the batches of one bulk write run as transactions side by
// side. Two batches may name the same row through different keys; the later batch's record
// must then be applied after the earlier one's. Each batch, before it locks anything, waits
// until every earlier batch has claimed the rows it will write, and then claims its own. A
// batch that finds a row an earlier batch claimed must roll back and be written again once
// the earlier batches are done. Because every batch claims before any later one looks, the
// conflict is always found by the later of the two.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace flywheel::db {

class BatchClaims {
 public:
  explicit BatchClaims(size_t batches) : claimed_(batches, false) {}

  // Blocks until every batch before `batch` has claimed (or given up: see Release).
  void WaitForEarlier(size_t batch) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [&] {
      for (size_t i = 0; i < batch; ++i) {
        if (!claimed_[i]) return false;
      }
      return true;
    });
  }

  // Records that `batch` writes `rows` and lets later batches go on. False when an earlier
  // batch claimed one of them (the claims are kept either way, so that a batch after this one
  // that names the same row is held back too). A batch may claim again (a retried transaction).
  bool Claim(size_t batch, const std::vector<std::string>& rows) {
    std::lock_guard<std::mutex> lock(mu_);
    bool free = true;
    for (const std::string& row : rows) {
      auto [it, added] = first_claim_.emplace(row, batch);
      if (!added && it->second < batch) free = false;
    }
    claimed_[batch] = true;
    changed_.notify_all();
    return free;
  }

  // Lets later batches go on when `batch` ends without claiming (it failed before its lookup).
  void Release(size_t batch) {
    std::lock_guard<std::mutex> lock(mu_);
    claimed_[batch] = true;
    changed_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<bool> claimed_;                   // guarded by mu_
  std::map<std::string, size_t> first_claim_;  // row → the first batch that claimed it
};

}  // namespace flywheel::db
