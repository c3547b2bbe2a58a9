#include "common/db/sql_params.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/db/connection.h"

namespace flywheel::db {

std::string Placeholders(size_t n) {
  std::string out;
  out.reserve(n * 3);
  for (size_t i = 0; i < n; ++i) out.append(i == 0 ? "?" : ", ?");
  return out;
}

void BindAll(sql::PreparedStatement& statement, const std::vector<SqlParam>& params, int first) {
  for (size_t i = 0; i < params.size(); ++i) {
    int index = first + static_cast<int>(i);
    if (const auto* s = std::get_if<std::string>(&params[i])) {
      statement.setString(index, *s);
    } else if (const auto* n = std::get_if<int64_t>(&params[i])) {
      statement.setInt64(index, *n);
    } else if (std::holds_alternative<std::monostate>(params[i])) {
      statement.setNull(index, sql::DataType::VARCHAR);
    } else {
      statement.setDouble(index, std::get<double>(params[i]));
    }
  }
}

void InsertRows(Connection& conn, const std::string& sql_head, const std::string& sql_tail, size_t width,
                const std::vector<std::vector<SqlParam>>& rows, size_t rows_per_statement) {
  for (size_t first = 0; first < rows.size(); first += rows_per_statement) {
    size_t n = std::min(rows_per_statement, rows.size() - first);
    std::string sql = sql_head;
    std::vector<SqlParam> params;
    params.reserve(n * width);
    for (size_t i = 0; i < n; ++i) {
      absl::StrAppend(&sql, i ? ", (" : " (", Placeholders(width), ")");
      params.insert(params.end(), rows[first + i].begin(), rows[first + i].end());
    }
    sql += sql_tail;
    auto& stmt = conn.Prepare(sql);
    BindAll(stmt, params);
    stmt.executeUpdate();
  }
}

void ForEachInChunk(const std::vector<SqlParam>& values, size_t chunk,
                    const std::function<void(const std::string& in, const std::vector<SqlParam>& params)>& run) {
  const std::string in = absl::StrCat(" IN (", Placeholders(chunk), ")");
  for (size_t first = 0; first < values.size(); first += chunk) {
    size_t n = std::min(chunk, values.size() - first);
    std::vector<SqlParam> params(values.begin() + first, values.begin() + first + n);
    SqlParam last = params.back();  // copied: resize may move the elements
    params.resize(chunk, last);
    run(in, params);
  }
}

void ForEachRow(Connection& conn, const std::string& sql, const std::vector<SqlParam>& params,
                const std::function<void(sql::ResultSet&)>& row) {
  auto& stmt = conn.Prepare(sql);
  BindAll(stmt, params);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  size_t rows = 0;
  for (; rs->next(); ++rows) row(*rs);
  rs.reset();
  // The connector keeps every row of the last result with the statement until it runs again:
  // a statement that returned many rows is closed rather than left in the cache holding them.
  if (rows > kRowsKeptWithStatement) conn.Forget(sql);
}

std::string FormatDay(absl::CivilDay day) { return absl::FormatCivilTime(day); }

size_t IdChunkFor(size_t n) { return n <= kSmallIdChunk ? kSmallIdChunk : 100; }

std::optional<absl::CivilDay> ParseDay(absl::string_view text) {
  // Read digit by digit: absl::ParseCivilTime goes through a general time parser, which was a
  // visible share of a page of accounts (two dates a row) in the profile.
  auto digits = [&](size_t from, size_t count, int* out) {
    *out = 0;
    for (size_t i = from; i < from + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      *out = *out * 10 + (text[i] - '0');
    }
    return true;
  };
  int year = 0, month = 0, day = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !digits(0, 4, &year) || !digits(5, 2, &month) ||
      !digits(8, 2, &day)) {
    return std::nullopt;
  }
  absl::CivilDay parsed(year, month, day);  // normalises 02-30 to 03-02: only an exact match is a day
  if (parsed.month() != month || parsed.day() != day) return std::nullopt;
  return parsed;
}

std::optional<absl::CivilDay> ReadDay(sql::ResultSet& rs, int column) {
  if (rs.isNull(column)) return std::nullopt;
  return ParseDay(rs.getString(column).asStdString());
}

std::string EpochDay(absl::string_view date_expression) {
  return absl::StrCat("DATEDIFF(", date_expression, ", '1970-01-01')");
}

std::optional<absl::CivilDay> ReadEpochDay(sql::ResultSet& rs, int column) {
  if (rs.isNull(column)) return std::nullopt;
  return absl::CivilDay(1970, 1, 1) + rs.getInt64(column);
}

}  // namespace flywheel::db
