#include "common/db/change_log.h"

#include <cppconn/resultset.h>

#include "absl/strings/str_cat.h"
#include "common/db/sql_params.h"

namespace flywheel::db {

absl::StatusOr<int64_t> LastSequence(ConnectionPool& pool, const std::string& table) {
  int64_t last = 0;
  absl::Status status = RunOnConnection(pool, [&](Connection& conn) {
    ForEachRow(conn, absl::StrCat("SELECT COALESCE(MAX(sequence), 0) FROM ", table), {},
               [&](sql::ResultSet& rs) { last = rs.getInt64(1); });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return last;
}

}  // namespace flywheel::db
