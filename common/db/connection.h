// One MariaDB connection over MySQL Connector/C++ 1.1, with a per-connection cache of
// prepared statements (SQL is only ever run through prepared statements), bounded: the least
// recently used statements are closed beyond kStatementCacheSize statements or
// kStatementCacheParameters parameters in all (the connector keeps ~80 bytes of bind
// structures per parameter for as long as a statement lives), so statements built for
// varying row counts cannot pile up in client memory or against the server's limit; and the
// values bound to a statement (the connector keeps a copy of each until the next execution) are
// let go when the connection goes back to its pool, so idle cached statements hold no data.
// A statement also keeps its last result set in client memory until it runs again; ForEachRow
// closes a statement whose result was large (Forget), so that memory is bounded too. Connector
// exceptions are turned into absl::Status by SqlErrorToStatus; nothing above the storage
// layer sees sql::SQLException.
#pragma once

#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/server_config.h"

namespace sql {
class Connection;
class PreparedStatement;
class SQLException;
}  // namespace sql

namespace flywheel::db {

class Connection {
 public:
  // Connects; with `use_database` false the connection has no default schema (used to
  // create the database). UNAVAILABLE when the server cannot be reached.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const DatabaseConfig& config,
                                                          bool use_database = true);
  ~Connection();

  static constexpr size_t kStatementCacheSize = 64;
  static constexpr size_t kStatementCacheParameters = 16384;

  // The cached prepared statement for `sql_text`, parameters cleared. Throws sql::SQLException.
  sql::PreparedStatement& Prepare(const std::string& sql_text);
  // Frees the values bound to every statement used since the last call (a multi-row insert
  // holds a copy of all of its rows until then). The pool calls it when a lease ends.
  void ReleaseBoundValues();
  // Closes the cached statement for `sql_text`, if any, with everything it holds (its last
  // result set among them).
  void Forget(const std::string& sql_text);
  // Runs a statement without parameters (DDL, transaction control). Throws sql::SQLException.
  void Execute(const std::string& sql_text);

  // True when the server answers a round trip.
  bool Ping();
  // Parameters of all cached statements (at most kStatementCacheParameters beyond the newest).
  size_t cached_parameters() const { return cached_parameters_; }
  bool broken() const { return broken_; }
  void MarkBroken() { broken_ = true; }
  absl::Time last_used() const { return last_used_; }
  void Touch() { last_used_ = absl::Now(); }

 private:
  explicit Connection(std::unique_ptr<sql::Connection> raw);
  std::unique_ptr<sql::Connection> raw_;
  struct CachedStatement {
    std::unique_ptr<sql::PreparedStatement> statement;
    std::list<std::string>::iterator use;  // position in recent_
    bool bound = false;                    // values bound since the last ReleaseBoundValues
    size_t parameters = 0;
  };
  // Closes the least recently used statement.
  void EvictOldest();
  std::unordered_map<std::string, CachedStatement> statements_;
  std::list<std::string> recent_;  // SQL texts, most recently used first
  size_t cached_parameters_ = 0;   // of all cached statements
  bool broken_ = false;
  absl::Time last_used_;
};

// Maps a connector error to the most specific status: duplicate key → ALREADY_EXISTS,
// deadlock or lock timeout → ABORTED, lost or refused connection → UNAVAILABLE, else INTERNAL.
absl::Status SqlErrorToStatus(const sql::SQLException& e);

// True for the statuses SqlErrorToStatus gives when the connection itself is unusable.
bool IsConnectionLost(const sql::SQLException& e);

// Call once in every thread before it uses a connection (the connector needs per-thread set-up).
void EnsureThreadInitialized();

}  // namespace flywheel::db
