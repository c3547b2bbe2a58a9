// Small helpers for building prepared statements with variable parameter lists and for
// the column types every repository shares (calendar days).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/time/civil_time.h"

namespace sql {
class PreparedStatement;
class ResultSet;
}  // namespace sql

namespace flywheel::db {

class Connection;

using SqlParam = std::variant<std::string, int64_t, double>;

// "?, ?, ?" with `n` placeholders.
std::string Placeholders(size_t n);
// Binds `params` to parameters 1…n in order.
void BindAll(sql::PreparedStatement& statement, const std::vector<SqlParam>& params);

// Runs the query `sql` with `params` on `conn` and calls `row` for each result row. Throws
// sql::SQLException (callers run inside RunInTransaction / RunOnConnection).
void ForEachRow(Connection& conn, const std::string& sql, const std::vector<SqlParam>& params,
                const std::function<void(sql::ResultSet&)>& row);

// The conditions of a WHERE clause built from optional filters: each Add appends
// " AND <condition>" and its parameters.
struct WhereClause {
  std::string sql = "1 = 1";
  std::vector<SqlParam> params;
  void Add(const std::string& condition, std::vector<SqlParam> condition_params = {}) {
    sql += " AND " + condition;
    params.insert(params.end(), condition_params.begin(), condition_params.end());
  }
};

// 'YYYY-MM-DD', the text form MariaDB takes and gives for DATE columns.
std::string FormatDay(absl::CivilDay day);
// The DATE in `column`, or nullopt when NULL.
std::optional<absl::CivilDay> ReadDay(sql::ResultSet& rs, int column);

}  // namespace flywheel::db
