// Where a service is in a stream it follows (a StreamFollower over another service's Watch
// stream): the resume token of the last change applied, kept in the follower's own
// `stream_cursors` table and saved in the same transaction as the change's effect, so that a
// restart resumes right after what was applied. The table's shape is in the migrations of the
// services that follow a stream:
//   stream_cursors (stream PRIMARY KEY, resume_token, update_time_us)
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/db/connection.h"
#include "common/db/connection_pool.h"

namespace flywheel::db {

// A followed stream and the token that resumes after the change being applied.
struct StreamPosition {
  std::string stream;
  std::string token;
};

// The stored token of `stream`; "" when nothing was applied yet.
absl::StatusOr<std::string> LoadStreamCursor(ConnectionPool& pool, const std::string& stream);

// Saves `token` for `stream` in `conn`'s transaction. Throws sql::SQLException.
void SaveStreamCursor(Connection& conn, const std::string& stream, const std::string& token);

}  // namespace flywheel::db
