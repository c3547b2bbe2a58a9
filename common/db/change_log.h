// Reading a change log (a table whose AUTO_INCREMENT `sequence` orders the changes a resumable
// Watch stream sends) without skipping a change. Writers take sequence numbers when they insert
// but commit in any order, so a reader can see 7 and 9 while 8 is still uncommitted; a reader
// that moved its resume point past 9 would never send 8. So a reader stops before the first
// gap and waits for it to fill, unless the change after the gap is older than `grace`: a
// transaction holding a number that long has rolled back (InnoDB does not reuse the number).
// The cost of a real rollback is one `grace` of delay for the changes after it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/db/connection_pool.h"

namespace flywheel::db {

inline constexpr absl::Duration kChangeLogGrace = absl::Seconds(30);

struct ChangeStamp {
  int64_t sequence = 0;
  absl::Time time;  // when the writer inserted it
};

// How many of `stamps` (read in sequence order after `after`) can be delivered now.
inline size_t DeliverableChanges(int64_t after, const std::vector<ChangeStamp>& stamps, absl::Time now,
                                 absl::Duration grace = kChangeLogGrace) {
  int64_t expected = after + 1;
  for (size_t i = 0; i < stamps.size(); ++i) {
    if (stamps[i].sequence != expected && now - stamps[i].time < grace) return i;
    expected = stamps[i].sequence + 1;
  }
  return stamps.size();
}

// Cuts `rows` (read in sequence order after `after`; each with `sequence` and `time`) to those
// that can be delivered now.
template <typename Row>
void KeepDeliverable(int64_t after, std::vector<Row>& rows, absl::Time now) {
  std::vector<ChangeStamp> stamps;
  stamps.reserve(rows.size());
  for (const Row& r : rows) stamps.push_back({r.sequence, r.time});
  rows.resize(DeliverableChanges(after, stamps, now));
}

// The last sequence of change log `table` (0 when empty): where a watch "from now on" starts.
absl::StatusOr<int64_t> LastSequence(ConnectionPool& pool, const std::string& table);

}  // namespace flywheel::db
