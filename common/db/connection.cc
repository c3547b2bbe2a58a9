#include "common/db/connection.h"

#include <cppconn/exception.h>
#include <cppconn/parameter_metadata.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/statement.h>
#include <mysql_connection.h>
#include <mysql_driver.h>

#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/logging/log.h"
#include "common/metrics/metrics.h"

namespace flywheel::db {
namespace {

sql::mysql::MySQL_Driver* Driver() {
  // The driver singleton is not safe to create concurrently.
  static std::once_flag once;
  static sql::mysql::MySQL_Driver* driver = nullptr;
  std::call_once(once, [] { driver = sql::mysql::get_mysql_driver_instance(); });
  return driver;
}

struct ThreadRegistration {
  ThreadRegistration() { Driver()->threadInit(); }
  ~ThreadRegistration() { Driver()->threadEnd(); }
};

// MySQL/MariaDB client and server error numbers.
constexpr int kDuplicateEntry = 1062;
constexpr int kLockWaitTimeout = 1205;
constexpr int kDeadlock = 1213;
constexpr int kServerShutdown = 1053;
constexpr int kTooManyConnections = 1040;
constexpr int kAccessDenied = 1045;
constexpr int kUnknownDatabase = 1049;
constexpr int kConnectionKilled = 1927;
constexpr int kInactivityDisconnect = 4031;

}  // namespace

void EnsureThreadInitialized() { thread_local ThreadRegistration registration; }

bool IsConnectionLost(const sql::SQLException& e) {
  int code = e.getErrorCode();
  if (code >= 2000 && code < 2100) return true;  // client-side errors: gone away, lost, refused
  if (code == kServerShutdown || code == kConnectionKilled || code == kInactivityDisconnect) return true;
  return absl::StartsWith(e.getSQLStateCStr(), "08");
}

absl::Status SqlErrorToStatus(const sql::SQLException& e) {
  // The database's own text (which can quote values, column and key names) goes to the log, not
  // into the status, which may reach a client: the status says only what kind of failure it was.
  int code = e.getErrorCode();
  absl::Status status;
  if (code == kDuplicateEntry) {
    status = absl::AlreadyExistsError("database: the row exists already");
  } else if (code == kDeadlock || code == kLockWaitTimeout) {
    status = absl::AbortedError("database: the transaction met a conflicting one; retry it");
  } else if (IsConnectionLost(e) || code == kTooManyConnections || code == kAccessDenied ||
             code == kUnknownDatabase) {
    status = absl::UnavailableError("database: unavailable");
  } else {
    status = absl::InternalError(absl::StrCat("database: a statement failed (error ", code, ")"));
  }
  // Duplicates and conflicts are expected outcomes the callers handle; the rest is logged.
  if (status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kUnavailable) {
    log::Write(status.code() == absl::StatusCode::kInternal ? log::Level::kError : log::Level::kWarning, e.what(),
               {{"source", "database"}, {"error", absl::StrCat(code)}, {"sqlstate", e.getSQLStateCStr()}});
  }
  metrics::RecordDbError(status.code());
  return status;
}

Connection::Connection(std::unique_ptr<sql::Connection> raw)
    : raw_(std::move(raw)), last_used_(absl::Now()) {}

Connection::~Connection() {
  statements_.clear();
  if (raw_) {
    try {
      raw_->close();
    } catch (const sql::SQLException&) {
    }
  }
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const DatabaseConfig& config,
                                                             bool use_database) {
  EnsureThreadInitialized();
  sql::ConnectOptionsMap options;
  if (config.socket.empty()) {
    options["hostName"] = sql::SQLString(config.host);
    options["port"] = config.port;
  } else {
    options["hostName"] = sql::SQLString("unix://" + config.socket);
  }
  options["userName"] = sql::SQLString(config.user);
  options["password"] = sql::SQLString(config.password);
  if (use_database) options["schema"] = sql::SQLString(config.database);
  options["OPT_CONNECT_TIMEOUT"] = static_cast<int>(absl::ToInt64Seconds(config.connect_timeout));
  options["OPT_READ_TIMEOUT"] = static_cast<int>(absl::ToInt64Seconds(config.io_timeout));
  options["OPT_WRITE_TIMEOUT"] = static_cast<int>(absl::ToInt64Seconds(config.io_timeout));
  options["OPT_RECONNECT"] = false;  // the pool reconnects, so no statement is silently replayed
  options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  try {
    std::unique_ptr<sql::Connection> raw(Driver()->connect(options));
    raw->setAutoCommit(true);
    std::unique_ptr<Connection> conn(new Connection(std::move(raw)));
    conn->Execute("SET SESSION time_zone = '+00:00'");
    conn->Execute("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION'");
    conn->Execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    return conn;
  } catch (const sql::SQLException& e) {
    absl::Status s = SqlErrorToStatus(e);
    return absl::UnavailableError(s.message());
  }
}

sql::PreparedStatement& Connection::Prepare(const std::string& sql_text) {
  auto it = statements_.find(sql_text);
  if (it != statements_.end()) {
    recent_.splice(recent_.begin(), recent_, it->second.use);
  } else {
    std::unique_ptr<sql::PreparedStatement> stmt(raw_->prepareStatement(sql_text));
    size_t parameters = stmt->getParameterMetaData()->getParameterCount();
    while (!recent_.empty() && (statements_.size() >= kStatementCacheSize ||
                                cached_parameters_ + parameters > kStatementCacheParameters)) {
      EvictOldest();
    }
    recent_.push_front(sql_text);
    it = statements_.emplace(sql_text, CachedStatement{std::move(stmt), recent_.begin(), false, parameters}).first;
    cached_parameters_ += parameters;
  }
  it->second.statement->clearParameters();
  it->second.bound = true;
  return *it->second.statement;
}

void Connection::Forget(const std::string& sql_text) {
  auto it = statements_.find(sql_text);
  if (it == statements_.end()) return;
  cached_parameters_ -= it->second.parameters;
  recent_.erase(it->second.use);
  statements_.erase(it);  // closes the statement on the server
}

void Connection::EvictOldest() {
  std::string oldest = recent_.back();  // a copy: Forget erases the list's own
  Forget(oldest);
}

void Connection::ReleaseBoundValues() {
  for (auto& [sql_text, cached] : statements_) {
    if (!cached.bound) continue;
    try {
      cached.statement->clearParameters();
    } catch (const sql::SQLException&) {
      broken_ = true;  // a closed statement: the connection is not to be trusted again
    }
    cached.bound = false;
  }
}

void Connection::Execute(const std::string& sql_text) {
  std::unique_ptr<sql::Statement> stmt(raw_->createStatement());
  stmt->execute(sql_text);
}

bool Connection::Ping() {
  try {
    std::unique_ptr<sql::Statement> stmt(raw_->createStatement());
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery("SELECT 1"));
    return rs->next();
  } catch (const sql::SQLException&) {
    broken_ = true;
    return false;
  }
}

}  // namespace flywheel::db
