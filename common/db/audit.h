// The audit trail a service keeps of its writes (DESIGN §4: every write leaves an entry, who,
// when, what, in the same transaction), in its `audit_log` table, and the read of it by
// resource or by account. Every service but accounts keeps it this way (accounts keeps
// account_audit, read by ListAccountHistory); the table's shape is in each service's migrations:
//   audit_log (account_id, entry_id AUTO_INCREMENT, resource_id, time_us, principal, action,
//              changed_fields, request_id), PRIMARY KEY (account_id, entry_id),
//              UNIQUE KEY (entry_id), KEY (resource_id, entry_id)
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/db/connection.h"
#include "common/db/connection_pool.h"
#include "common/db/write_context.h"

namespace flywheel::db {

// What one write did to one resource.
struct AuditRecord {
  std::string resource_id;  // "stk_…", "hnd_…", a scorecard id, a rule name
  std::string account_id;   // "" for a resource of no account (a path, a rule, a scorecard)
  std::string action;       // CREATE, UPDATE, DELETE, SET_OVERRIDE, …
  std::vector<std::string> changed_fields;
};

// Adds the entry in `conn`'s transaction. Throws sql::SQLException.
void WriteAudit(Connection& conn, const AuditRecord& record, const WriteContext& context);

// Entries of a resource, of an account, or (both given) of the resource within the account,
// oldest first, with entry ids (AuditEntry::sequence) above `after`, at most `limit`.
struct AuditQuery {
  std::string resource_id;
  std::string account_id;
  int64_t after = 0;
  int limit = 50;
};
struct AuditRow {
  AuditEntry entry;
  std::string resource_id;
  std::string account_id;
};
absl::StatusOr<std::vector<AuditRow>> ListAudit(ConnectionPool& pool, const AuditQuery& query);

}  // namespace flywheel::db
