#include "common/db/request_log.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <openssl/sha.h>

#include <memory>
#include <sstream>

#include "absl/strings/escaping.h"
#include "common/status/errors.h"

namespace flywheel::db {

const char kRequestLogDdl[] =
    "CREATE TABLE IF NOT EXISTS request_log ("
    " request_id VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,"
    " method VARCHAR(100) NOT NULL,"
    " fingerprint CHAR(64) NOT NULL,"
    " response LONGBLOB NOT NULL,"
    " create_time_us BIGINT NOT NULL)";

std::string RequestFingerprint(absl::string_view canonical_request) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(canonical_request.data()), canonical_request.size(), digest);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), sizeof digest));
}

void InsertRequestLog(Connection& conn, const std::string& request_id, const std::string& method,
                      const StoredResponse& stored, int64_t now_unix_micros) {
  auto& stmt = conn.Prepare(
      "INSERT INTO request_log (request_id, method, fingerprint, response, create_time_us) VALUES (?, ?, ?, ?, ?)");
  stmt.setString(1, request_id);
  stmt.setString(2, method);
  stmt.setString(3, stored.fingerprint);
  std::istringstream blob(stored.response);
  stmt.setBlob(4, &blob);
  stmt.setInt64(5, now_unix_micros);
  stmt.executeUpdate();
}

std::optional<StoredResponse> FindRequestLog(Connection& conn, const std::string& request_id) {
  auto& stmt = conn.Prepare("SELECT fingerprint, response FROM request_log WHERE request_id = ?");
  stmt.setString(1, request_id);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) return std::nullopt;
  return StoredResponse{rs->getString(1), rs->getString(2)};
}

absl::StatusOr<CreateResult> CreateIdempotently(ConnectionPool& pool, const std::optional<IdempotencyRecord>& idempotency,
                                                const std::string& method, absl::Time now,
                                                const std::function<absl::Status(Connection&)>& insert) {
  bool seen_before = false;
  absl::Status status = RunInTransaction(pool, [&](Connection& conn) -> absl::Status {
    if (idempotency) {
      try {
        InsertRequestLog(conn, idempotency->request_id, method, {idempotency->fingerprint, idempotency->response},
                         absl::ToUnixMicros(now));
      } catch (const sql::SQLException& e) {
        if (SqlErrorToStatus(e).code() != absl::StatusCode::kAlreadyExists) throw;
        seen_before = true;  // the first request committed (or is committing) this id
        return absl::AlreadyExistsError("request id seen before");
      }
    }
    return insert(conn);
  });
  if (!seen_before) {
    if (!status.ok()) return status;
    return CreateResult{};
  }
  std::optional<StoredResponse> stored;
  absl::Status read = RunOnConnection(pool, [&](Connection& conn) {
    stored = FindRequestLog(conn, idempotency->request_id);
    return absl::OkStatus();
  });
  if (!read.ok()) return read;
  if (!stored) return absl::AbortedError("request id in use by a call that did not finish; retry");
  if (stored->fingerprint != idempotency->fingerprint) {
    return InvalidFieldError("request_id", "was already used for a different request");
  }
  return CreateResult{true, stored->response};
}

}  // namespace flywheel::db
