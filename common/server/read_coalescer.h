// Coalesces concurrent point reads by key (GetAccount by id) into batched database reads. A
// read joins a queue; a few drains on the worker pool (two by default) each take what is queued
// (at most max_batch), fetch the distinct keys with one batched read, answer each read, and go
// round again until the queue is empty. Nothing waits for company: an idle service reads a lone
// key at once, as a batch of one; reads that arrive while the drains are fetching share the next
// fetch instead of paying for a statement each. Every answer is read from the database after its
// call arrived, so coalescing changes no consistency guarantee.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/db/sql_params.h"
#include "common/server/worker_pool.h"

namespace flywheel {

// Reads one batch answers at most, by default: the small IN-list shape of reads by id, so a batch
// of coalesced reads by id is one statement.
inline constexpr size_t kCoalescedReadsPerBatch = db::kSmallIdChunk;

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

  // Hands a drain to a worker; false when it is refused. WorkerPool::Submit in a service; tests
  // stand in for it to decide when and how a submission is refused.
  using Submit = std::function<bool(std::function<void()>)>;

  // At most `max_drains` drains at a time, each answering at most `max_batch` reads per fetch.
  ReadCoalescer(WorkerPool& workers, size_t max_batch, Fetch fetch, Missing missing, int max_drains = 2)
      : ReadCoalescer([&workers](std::function<void()> drain) { return workers.Submit(std::move(drain)); },
                      max_batch, std::move(fetch), std::move(missing), max_drains) {}
  ReadCoalescer(Submit submit, size_t max_batch, Fetch fetch, Missing missing, int max_drains = 2)
      : submit_(std::move(submit)), max_batch_(std::max<size_t>(1, max_batch)),
        max_drains_(std::max(1, max_drains)), fetch_(std::move(fetch)), missing_(std::move(missing)) {}

  // Queues a read of `key`; `done` is called exactly once. False (and `done` not called) when
  // the worker pool refuses work (overloaded or stopping): the caller answers UNAVAILABLE.
  // `cancelled`, if given, is asked when the read's batch is taken: a read whose call has gone
  // is answered CANCELLED and left out of the fetch (a batch of only such reads fetches nothing).
  bool Read(std::string key, Done done, std::function<bool()> cancelled = nullptr) {
    uint64_t ticket;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ticket = next_ticket_++;
      pending_.push_back({ticket, std::move(key), std::move(done), std::move(cancelled)});
      if (drains_ >= max_drains_) return true;  // a running drain takes it on its next round
      ++drains_;
    }
    if (submit_([this] { Drain(); })) return true;
    std::deque<Queued> refused;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (--drains_ > 0) return true;  // another drain is still there to serve the queue
      refused.swap(pending_);
    }
    // No drain left: every queued read is refused. The others were told yes, so they are
    // answered here; this one learns from the return value.
    for (auto& r : refused) {
      if (r.ticket != ticket) r.done(OverloadedError());
    }
    return false;
  }

 private:
  struct Queued {
    uint64_t ticket;
    std::string key;
    Done done;
    std::function<bool()> cancelled;  // may be empty
  };

  // Serves the queue a batch at a time until it is empty: reads that arrive during a fetch wait
  // for the next round and share it.
  void Drain() {
    for (;;) {
      std::vector<Queued> batch;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (pending_.empty()) {
          --drains_;
          return;
        }
        size_t n = std::min(pending_.size(), max_batch_);
        batch.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.begin() + n));
        pending_.erase(pending_.begin(), pending_.begin() + n);
      }
      Answer(batch);
    }
  }

  void Answer(std::vector<Queued>& batch) {
    auto gone =
        std::partition(batch.begin(), batch.end(), [](const Queued& r) { return !r.cancelled || !r.cancelled(); });
    for (auto it = gone; it != batch.end(); ++it) it->done(CancelledBeforeRunError());
    batch.erase(gone, batch.end());
    if (batch.empty()) return;
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

  const Submit submit_;
  const size_t max_batch_;
  const int max_drains_;
  const Fetch fetch_;
  const Missing missing_;
  // A std::mutex, not absl::Mutex: Debian's absl is not built with ThreadSanitizer, which then
  // cannot see an absl::Mutex order anything (the tests of this class run under it).
  std::mutex mu_;
  std::deque<Queued> pending_;  // guarded by mu_
  int drains_ = 0;              // drains submitted or running; guarded by mu_
  uint64_t next_ticket_ = 0;    // guarded by mu_
};

}  // namespace flywheel
