#include "common/db/connection_pool.h"

#include <cppconn/exception.h>

#include <thread>

#include "absl/strings/str_cat.h"

namespace flywheel::db {
namespace {
constexpr absl::Duration kValidateAfterIdle = absl::Milliseconds(500);
constexpr int kTransactionAttempts = 5;
}  // namespace

ConnectionPool::ConnectionPool(DatabaseConfig config) : config_(std::move(config)) {}

ConnectionPool::~ConnectionPool() = default;

ConnectionPool::Lease::~Lease() {
  if (conn_) pool_->Release(std::move(conn_));
}

int ConnectionPool::in_use() const {
  std::lock_guard<std::mutex> lock(mu_);
  return leased_;
}

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire(absl::Duration wait) {
  EnsureThreadInitialized();
  std::unique_ptr<Connection> conn;
  {
    std::unique_lock<std::mutex> lock(mu_);
    bool ready = freed_.wait_for(lock, absl::ToChronoNanoseconds(wait), [&] {
      return !idle_.empty() || open_ < config_.pool_size;
    });
    if (!ready) return absl::UnavailableError("database: every pooled connection is busy");
    ++leased_;
    if (!idle_.empty()) {
      conn = std::move(idle_.front());
      idle_.pop_front();
    } else {
      ++open_;  // reserve the slot; the connection is opened outside the lock
    }
  }
  if (conn && absl::Now() - conn->last_used() > kValidateAfterIdle && !conn->Ping()) {
    conn.reset();  // stale after a database restart: replace it
  }
  if (!conn) {
    auto opened = Connection::Open(config_);
    if (!opened.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      --open_;
      --leased_;
      freed_.notify_one();
      return opened.status();
    }
    conn = std::move(*opened);
  }
  return Lease(this, std::move(conn));
}

void ConnectionPool::Release(std::unique_ptr<Connection> conn) {
  if (!conn->broken()) conn->ReleaseBoundValues();
  std::lock_guard<std::mutex> lock(mu_);
  --leased_;
  if (conn->broken()) {
    --open_;
  } else {
    conn->Touch();
    idle_.push_front(std::move(conn));  // most recently used first: fewer stale connections
  }
  freed_.notify_one();
}

namespace {
// Runs `body`, mapping connector exceptions; `*retryable` is set when the database
// asked for the transaction to be retried (deadlock or lock timeout).
absl::Status RunGuarded(Connection& conn, const std::function<absl::Status(Connection&)>& body,
                        bool* retryable = nullptr) {
  try {
    return body(conn);
  } catch (const sql::SQLException& e) {
    if (IsConnectionLost(e)) conn.MarkBroken();
    absl::Status status = SqlErrorToStatus(e);
    if (retryable) *retryable = status.code() == absl::StatusCode::kAborted;
    return status;
  }
}

void RollbackQuietly(Connection& conn) {
  try {
    conn.Execute("ROLLBACK");
  } catch (const sql::SQLException&) {
    conn.MarkBroken();
  }
}
}  // namespace

absl::Status RunOnConnection(ConnectionPool& pool, const std::function<absl::Status(Connection&)>& body) {
  auto lease = pool.Acquire();
  if (!lease.ok()) return lease.status();
  return RunGuarded(**lease, body);
}

absl::Status RunInTransaction(ConnectionPool& pool, const std::function<absl::Status(Connection&)>& body,
                              TransactionEnd end) {
  absl::Status status;
  for (int attempt = 1; attempt <= kTransactionAttempts; ++attempt) {
    auto lease = pool.Acquire();
    if (!lease.ok()) return lease.status();
    Connection& conn = **lease;
    bool retryable = false;
    status = RunGuarded(
        conn,
        [&](Connection& c) {
          c.Execute("START TRANSACTION");
          absl::Status s = body(c);
          if (!s.ok()) return s;
          c.Execute(end == TransactionEnd::kCommit ? "COMMIT" : "ROLLBACK");
          return absl::OkStatus();
        },
        &retryable);
    if (status.ok()) return status;
    if (!conn.broken()) RollbackQuietly(conn);
    if (!retryable) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt * attempt));
  }
  return status;
}

}  // namespace flywheel::db
