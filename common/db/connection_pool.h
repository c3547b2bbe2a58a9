// A bounded pool of database connections: each worker holds at most one at a time,
// idle connections are validated before reuse, and broken ones are replaced, so the
// service recovers by itself after the database returns.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/server_config.h"
#include "common/db/connection.h"
#include "common/db/sql_params.h"
#include "common/status/errors.h"

namespace flywheel::db {

class ConnectionPool {
 public:
  // Connections are opened lazily: creating a pool never needs the database to be up.
  explicit ConnectionPool(DatabaseConfig config);
  ~ConnectionPool();

  // A connection on loan; returned to the pool (or dropped, if broken) when destroyed.
  class Lease {
   public:
    Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(std::move(other.conn_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    ConnectionPool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // Waits up to `wait` for a free slot. UNAVAILABLE when the database cannot be reached
  // or every connection stays busy.
  absl::StatusOr<Lease> Acquire(absl::Duration wait = absl::Seconds(5));

  const DatabaseConfig& config() const { return config_; }
  int in_use() const;

 private:
  void Release(std::unique_ptr<Connection> conn);

  const DatabaseConfig config_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::deque<std::unique_ptr<Connection>> idle_;
  int open_ = 0;    // connections that exist (idle or leased)
  int leased_ = 0;
};

// Runs `body` in one transaction on a pooled connection: BEGIN, body, COMMIT. The
// transaction is retried (a few times, with a short back-off) when the database reports a
// deadlock or lock timeout; any other error rolls back. Connector exceptions thrown by
// `body` are mapped with SqlErrorToStatus. A write is acknowledged only after COMMIT.
// With kRollback the transaction is rolled back even when `body` succeeds (dry runs).
enum class TransactionEnd { kCommit, kRollback };
absl::Status RunInTransaction(ConnectionPool& pool, const std::function<absl::Status(Connection&)>& body,
                              TransactionEnd end = TransactionEnd::kCommit);

// RunInTransaction for a body that produces a value: the value once committed, else the error.
template <typename T>
absl::StatusOr<T> TransactionValue(ConnectionPool& pool, const std::function<absl::StatusOr<T>(Connection&)>& body) {
  std::optional<T> value;
  absl::Status status = RunInTransaction(pool, [&](Connection& conn) -> absl::Status {
    absl::StatusOr<T> v = body(conn);
    if (!v.ok()) return v.status();
    value = *std::move(v);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return *std::move(value);
}

// Runs `body` on a pooled connection without an explicit transaction (single reads).
absl::Status RunOnConnection(ConnectionPool& pool, const std::function<absl::Status(Connection&)>& body);

// The rows of one query, each read by `read`, on a pooled connection.
template <typename T>
absl::StatusOr<std::vector<T>> QueryRows(ConnectionPool& pool, const std::string& sql,
                                         const std::vector<SqlParam>& params,
                                         const std::function<T(sql::ResultSet&)>& read) {
  std::vector<T> out;
  absl::Status status = RunOnConnection(pool, [&](Connection& conn) {
    ForEachRow(conn, sql, params, [&](sql::ResultSet& rs) { out.push_back(read(rs)); });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

// The one row of a query by id: NOT_FOUND (`resource_type`, `id`) when there is none.
template <typename T>
absl::StatusOr<T> QueryOne(ConnectionPool& pool, const std::string& sql, const std::string& id,
                           const std::function<T(sql::ResultSet&)>& read, absl::string_view resource_type) {
  auto rows = QueryRows<T>(pool, sql, {id}, read);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return NotFoundError(resource_type, id);
  return std::move(rows->front());
}

}  // namespace flywheel::db
