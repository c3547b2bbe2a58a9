// Small helpers for building prepared statements with variable parameter lists and for
// the column types every repository shares (calendar days).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace sql {
class PreparedStatement;
class ResultSet;
}  // namespace sql

namespace flywheel::db {

class Connection;

// A parameter value; std::monostate binds SQL NULL.
using SqlParam = std::variant<std::string, int64_t, double, std::monostate>;
inline const SqlParam kSqlNull = std::monostate{};

// "?, ?, ?" with `n` placeholders.
std::string Placeholders(size_t n);
// Binds `params` in order to parameters `first`, `first` + 1, ….
void BindAll(sql::PreparedStatement& statement, const std::vector<SqlParam>& params, int first = 1);

// Runs `sql_head` + " (…), (…)" + `sql_tail` over `rows` (each `width` parameters) in
// statements of at most `rows_per_statement` rows: multi-row writes with a bounded number of
// distinct (cached) statements. Throws sql::SQLException.
void InsertRows(Connection& conn, const std::string& sql_head, const std::string& sql_tail, size_t width,
                const std::vector<std::vector<SqlParam>>& rows, size_t rows_per_statement = 200);

// Calls `run` with " IN (?, …)" placeholders and their values for `values` taken in chunks of
// exactly `chunk`, the last padded by repeating its final value (harmless in an IN list), so
// every chunk reuses one cached statement. Nothing is called for no values.
void ForEachInChunk(const std::vector<SqlParam>& values, size_t chunk,
                    const std::function<void(const std::string& in, const std::vector<SqlParam>& params)>& run);

// The chunk for reading `n` rows by id with ForEachInChunk: up to kSmallIdChunk ids (point reads
// coalesced under load) pad to kSmallIdChunk, more to 100, so reads by id prepare two IN-list
// shapes in all.
inline constexpr size_t kSmallIdChunk = 16;
size_t IdChunkFor(size_t n);

// Results with more rows than this close their statement after reading (see ForEachRow).
inline constexpr size_t kRowsKeptWithStatement = 100;

// Runs the query `sql` with `params` on `conn` and calls `row` for each result row. The
// statement stays cached unless the result had more than kRowsKeptWithStatement rows (the
// connector would keep them all in memory with it). Throws sql::SQLException (callers run
// inside RunInTransaction / RunOnConnection).
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
// The day written 'YYYY-MM-DD' (as MariaDB gives a DATE), or nullopt when it is not one.
std::optional<absl::CivilDay> ParseDay(absl::string_view text);
// The DATE in `column`, or nullopt when NULL.
std::optional<absl::CivilDay> ReadDay(sql::ResultSet& rs, int column);
// A DATE expression in a SELECT list as days since 1970-01-01 ("DATEDIFF(expression,
// '1970-01-01')"), read back with ReadEpochDay: for reads that work in day numbers anyway (the
// usage behind scores). Not cheaper per se: the connector prints a DATE as text, but the
// server's DATEDIFF cost about as much on a page of accounts.
std::string EpochDay(absl::string_view date_expression);
// The day in `column` selected through EpochDay, or nullopt when NULL.
std::optional<absl::CivilDay> ReadEpochDay(sql::ResultSet& rs, int column);

}  // namespace flywheel::db
