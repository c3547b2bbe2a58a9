// Idempotent creates (AIP-155): the first response to a request id is stored in the same
// transaction as the write it acknowledges, so a replay returns it and writes nothing.
// The table request_log is created for every service by ApplyMigrations.
#pragma once

#include "absl/strings/string_view.h"
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/db/connection.h"
#include "common/db/connection_pool.h"
#include "common/db/write_context.h"

namespace flywheel::db {

struct StoredResponse {
  std::string fingerprint;  // of the request that produced it
  std::string response;     // serialized response message
};

// SHA-256 (hex) of a request's canonical bytes, to tell a replay from a reused id.
std::string RequestFingerprint(absl::string_view canonical_request);

// Inserts the record; throws sql::SQLException (duplicate key when the id is taken).
void InsertRequestLog(Connection& conn, const std::string& request_id, const std::string& method,
                      const StoredResponse& stored, int64_t now_unix_micros);

// The stored response for `request_id`, if any. Throws sql::SQLException.
std::optional<StoredResponse> FindRequestLog(Connection& conn, const std::string& request_id);

// Runs `insert` (the write a create acknowledges) in one transaction with the record of
// `idempotency`, when given. A request id seen before returns the stored response
// (replayed) and writes nothing; the same id with another fingerprint is INVALID_ARGUMENT on
// field request_id.
absl::StatusOr<CreateResult> CreateIdempotently(ConnectionPool& pool, const std::optional<IdempotencyRecord>& idempotency,
                                                const std::string& method, absl::Time now,
                                                const std::function<absl::Status(Connection&)>& insert);

// The DDL of request_log, applied by ApplyMigrations before a service's own migrations.
extern const char kRequestLogDdl[];

}  // namespace flywheel::db
