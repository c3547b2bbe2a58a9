// The handoff service's audit trail: every write to a path, handoff, rule or exception adds
// one entry (who, when, what) to audit_log in the transaction of the write.
#pragma once

#include <string>
#include <vector>

#include "common/db/connection.h"
#include "common/db/write_context.h"

namespace flywheel::handoff {

struct AuditRecord {
  std::string resource_id;
  int64_t sequence = 0;  // the resource's version after the write
  std::string account_id;
  std::string action;
  std::vector<std::string> changed_fields;
};

// Throws sql::SQLException.
void WriteAudit(db::Connection& conn, const AuditRecord& record, const WriteContext& context);

}  // namespace flywheel::handoff
