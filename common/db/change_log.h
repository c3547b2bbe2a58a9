// Reading a change log (a table whose AUTO_INCREMENT `sequence` orders the changes a resumable
// Watch stream sends) without skipping a change. Writers take sequence numbers when they insert
// but commit in any order, so a reader can see 7 and 9 while 8 is still uncommitted; a reader
// that moved its resume point past 9 would never send 8. So a reader stops before the first
// gap and waits for it to fill, unless the change after the gap is older than `grace`: a
// transaction holding a number that long has rolled back (InnoDB does not reuse the number).
// The cost of a real rollback is one `grace` of delay for the changes after it.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/time/time.h"

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

}  // namespace flywheel::db
