#include "common/db/sql_params.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "common/db/connection.h"

namespace flywheel::db {

std::string Placeholders(size_t n) {
  std::string out;
  out.reserve(n * 3);
  for (size_t i = 0; i < n; ++i) out.append(i == 0 ? "?" : ", ?");
  return out;
}

void BindAll(sql::PreparedStatement& statement, const std::vector<SqlParam>& params) {
  for (size_t i = 0; i < params.size(); ++i) {
    int index = static_cast<int>(i + 1);
    if (const auto* s = std::get_if<std::string>(&params[i])) {
      statement.setString(index, *s);
    } else if (const auto* n = std::get_if<int64_t>(&params[i])) {
      statement.setInt64(index, *n);
    } else {
      statement.setDouble(index, std::get<double>(params[i]));
    }
  }
}

void ForEachRow(Connection& conn, const std::string& sql, const std::vector<SqlParam>& params,
                const std::function<void(sql::ResultSet&)>& row) {
  auto& stmt = conn.Prepare(sql);
  BindAll(stmt, params);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  while (rs->next()) row(*rs);
}

std::string FormatDay(absl::CivilDay day) { return absl::FormatCivilTime(day); }

std::optional<absl::CivilDay> ReadDay(sql::ResultSet& rs, int column) {
  if (rs.isNull(column)) return std::nullopt;
  absl::CivilDay day;
  if (!absl::ParseCivilTime(std::string(rs.getString(column)), &day)) return std::nullopt;
  return day;
}

}  // namespace flywheel::db
