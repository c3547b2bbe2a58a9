#include "common/db/stream_cursor.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/time/clock.h"
#include "common/db/sql_params.h"

namespace flywheel::db {

absl::StatusOr<std::string> LoadStreamCursor(ConnectionPool& pool, const std::string& stream) {
  std::string token;
  absl::Status status = RunOnConnection(pool, [&](Connection& conn) {
    ForEachRow(conn, "SELECT resume_token FROM stream_cursors WHERE stream = ?", {stream},
               [&](sql::ResultSet& rs) { token = rs.getString(1); });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return token;
}

void SaveStreamCursor(Connection& conn, const std::string& stream, const std::string& token) {
  auto& stmt = conn.Prepare("REPLACE INTO stream_cursors (stream, resume_token, update_time_us) VALUES (?, ?, ?)");
  BindAll(stmt, {stream, token, absl::ToUnixMicros(absl::Now())});
  stmt.executeUpdate();
}

}  // namespace flywheel::db
