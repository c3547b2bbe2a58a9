// Writing many independent records (bulk upserts): records are grouped into transactions of
// `batch_size`; inside a transaction each record runs under a savepoint, so a record that
// fails is undone alone and reported, while the others of its batch commit. With
// TransactionEnd::kRollback (dry runs) every outcome is computed and nothing is kept.
#pragma once

#include <cppconn/exception.h>

#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "common/db/connection_pool.h"

namespace flywheel::db {

template <typename Result>
absl::StatusOr<std::vector<absl::StatusOr<Result>>> RunRecordBatches(
    ConnectionPool& pool, size_t count, size_t batch_size, TransactionEnd end,
    const std::function<absl::StatusOr<Result>(Connection&, size_t index)>& record) {
  std::vector<absl::StatusOr<Result>> results;
  results.reserve(count);
  for (size_t start = 0; start < count; start += batch_size) {
    size_t stop = std::min(count, start + batch_size);
    std::vector<absl::StatusOr<Result>> batch;
    absl::Status status = RunInTransaction(
        pool,
        [&](Connection& conn) -> absl::Status {
          batch.clear();  // a retried transaction starts its batch again
          for (size_t i = start; i < stop; ++i) {
            conn.Execute("SAVEPOINT record");
            absl::StatusOr<Result> r;
            try {
              r = record(conn, i);
            } catch (const sql::SQLException& e) {
              absl::Status s = SqlErrorToStatus(e);
              // Lost connections and deadlocks concern the whole batch: let it be retried.
              if (s.code() == absl::StatusCode::kUnavailable || s.code() == absl::StatusCode::kAborted) throw;
              r = s;
            }
            if (!r.ok()) conn.Execute("ROLLBACK TO SAVEPOINT record");
            batch.push_back(std::move(r));
          }
          return absl::OkStatus();
        },
        end);
    if (!status.ok()) return status;
    for (auto& r : batch) results.push_back(std::move(r));
  }
  return results;
}

}  // namespace flywheel::db
