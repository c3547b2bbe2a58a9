#include "common/db/audit.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/db/sql_params.h"

namespace flywheel::db {

void WriteAudit(Connection& conn, const AuditRecord& r, const WriteContext& context) {
  auto& stmt = conn.Prepare(
      "INSERT INTO audit_log (account_id, resource_id, time_us, principal, action, changed_fields, request_id)"
      " VALUES (?, ?, ?, ?, ?, ?, ?)");
  BindAll(stmt, {r.account_id, r.resource_id, absl::ToUnixMicros(context.now), context.principal, r.action,
                 absl::StrJoin(r.changed_fields, ","), context.request_id});
  stmt.executeUpdate();
}

absl::StatusOr<std::vector<AuditRow>> ListAudit(ConnectionPool& pool, const AuditQuery& q) {
  std::string where = "entry_id > ?";
  std::vector<SqlParam> params;
  if (!q.account_id.empty()) {
    where = "account_id = ? AND " + where;
    params.push_back(q.account_id);
  }
  if (!q.resource_id.empty()) {
    where = "resource_id = ? AND " + where;
    params.insert(params.begin(), q.resource_id);
  }
  params.push_back(q.after);
  params.push_back(int64_t{q.limit});
  return QueryRows<AuditRow>(
      pool,
      "SELECT entry_id, time_us, principal, action, changed_fields, request_id, resource_id, account_id"
      " FROM audit_log WHERE " + where + " ORDER BY entry_id LIMIT ?",
      params, [](sql::ResultSet& rs) {
        AuditRow row;
        row.entry.sequence = rs.getInt64(1);
        row.entry.time = absl::FromUnixMicros(rs.getInt64(2));
        row.entry.principal = rs.getString(3);
        row.entry.action = rs.getString(4);
        std::string changed = rs.getString(5);
        if (!changed.empty()) row.entry.changed_fields = absl::StrSplit(changed, ',');
        row.entry.request_id = rs.getString(6);
        row.resource_id = rs.getString(7);
        row.account_id = rs.getString(8);
        return row;
      });
}

}  // namespace flywheel::db
