// Coalesces concurrent point reads by key (GetAccount by id) into batched database reads. A
// read joins a queue; a drain submitted to the worker pool takes every read queued by the time a
// worker runs it (at most max_batch), fetches their distinct keys with one batched read, and
// answers each. Nothing waits for company: an idle service drains a lone read at once, as a
// batch of one; under load, reads arriving while the workers are busy share one statement
// instead of paying for one each. Every answer is read from the database after its call
// arrived, so coalescing changes no consistency guarantee.
#pragma once

#include <algorithm>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/server/worker_pool.h"

namespace flywheel {

// Reads one batch answers at most, by default: db::IdChunkFor's small IN-list shape, so a batch
// of coalesced reads by id is one statement.
inline constexpr size_t kCoalescedReadsPerBatch = 16;

template <typename Value>
class ReadCoalescer {
 public:
  // The values found for `keys` (distinct), by key; a key without a value is answered by Missing.
  using Fetch = std::function<absl::StatusOr<absl::flat_hash_map<std::string, Value>>(const std::vector<std::string>& keys)>;
  // The answer for a key the fetch did not find: NOT_FOUND naming it, or a value standing for
  // "none" where that is an answer.
  using Missing = std::function<absl::StatusOr<Value>(const std::string& key)>;
  // Receives one read's answer, on a worker thread.
  using Done = std::function<void(absl::StatusOr<Value>)>;

  ReadCoalescer(WorkerPool& workers, size_t max_batch, Fetch fetch, Missing missing)
      : workers_(workers), max_batch_(std::max<size_t>(1, max_batch)), fetch_(std::move(fetch)),
        missing_(std::move(missing)) {}

  // Queues a read of `key`; `done` is called exactly once. False (and `done` not called) when
  // the worker pool refuses work (overloaded or stopping): the caller answers UNAVAILABLE.
  bool Read(std::string key, Done done) {
    {
      absl::MutexLock lock(&mu_);
      if (drain_queued_) {
        pending_.push_back({std::move(key), std::move(done)});
        return true;
      }
      drain_queued_ = true;
      pending_.push_back({std::move(key), std::move(done)});
    }
    if (workers_.Submit([this] { Drain(); })) return true;
    // Refused. While the drain was thought queued, other reads queued behind it: they were told
    // yes, so they are answered here. This read came first (nothing is pending while no drain is
    // queued) and learns from the return value.
    std::vector<Queued> refused = TakeAll();
    Refuse(refused.begin() + 1, refused.end());
    return false;
  }

 private:
  struct Queued {
    std::string key;
    Done done;
  };

  void Drain() {
    std::vector<Queued> batch;
    bool more = false;
    {
      absl::MutexLock lock(&mu_);
      size_t n = std::min(pending_.size(), max_batch_);
      batch.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.begin() + n));
      pending_.erase(pending_.begin(), pending_.begin() + n);
      // Reads left over (more than one batch) get a drain of their own; new reads queue one.
      more = !pending_.empty();
      drain_queued_ = more;
    }
    if (more && !workers_.Submit([this] { Drain(); })) {
      std::vector<Queued> refused = TakeAll();
      Refuse(refused.begin(), refused.end());
    }
    std::vector<std::string> keys;
    keys.reserve(batch.size());
    for (const auto& r : batch) keys.push_back(r.key);
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    absl::StatusOr<absl::flat_hash_map<std::string, Value>> found = fetch_(keys);
    for (auto& r : batch) {
      if (!found.ok()) {
        r.done(found.status());
        continue;
      }
      auto it = found->find(r.key);
      if (it == found->end()) {
        r.done(missing_(r.key));
      } else {
        r.done(it->second);
      }
    }
  }

  std::vector<Queued> TakeAll() {
    std::vector<Queued> all;
    absl::MutexLock lock(&mu_);
    all.swap(pending_);
    drain_queued_ = false;
    return all;
  }

  template <typename It>
  static void Refuse(It begin, It end) {
    for (It r = begin; r != end; ++r) r->done(OverloadedError());
  }

  WorkerPool& workers_;
  const size_t max_batch_;
  const Fetch fetch_;
  const Missing missing_;
  absl::Mutex mu_;
  std::vector<Queued> pending_ ABSL_GUARDED_BY(mu_);
  bool drain_queued_ ABSL_GUARDED_BY(mu_) = false;  // a Drain is submitted and has not taken its batch
};

}  // namespace flywheel
