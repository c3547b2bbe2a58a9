#include "services/handoff/storage/audit.h"

#include <cppconn/prepared_statement.h>

#include "absl/strings/str_join.h"
#include "common/db/sql_params.h"

namespace flywheel::handoff {

void WriteAudit(db::Connection& conn, const AuditRecord& r, const WriteContext& context) {
  auto& stmt = conn.Prepare(
      "INSERT INTO audit_log (resource_id, sequence, account_id, time_us, principal, action, changed_fields,"
      " request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  db::BindAll(stmt, {r.resource_id, r.sequence, r.account_id, absl::ToUnixMicros(context.now), context.principal,
                     r.action, absl::StrJoin(r.changed_fields, ","), context.request_id});
  stmt.executeUpdate();
}

}  // namespace flywheel::handoff
