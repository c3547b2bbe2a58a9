#include "common/db/migrations.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/db/connection.h"
#include "common/db/request_log.h"
#include "common/logging/log.h"
#include "common/status/errors.h"

namespace flywheel::db {
namespace {

absl::StatusOr<int> VersionOf(const Migration& m) {
  int version = 0;
  absl::string_view name = m.file_name;
  size_t underscore = name.find('_');
  if (underscore == absl::string_view::npos || !absl::SimpleAtoi(name.substr(0, underscore), &version) ||
      version <= 0) {
    return InvalidFieldError(m.file_name, "migration files must be named NNNN_description.sql");
  }
  return version;
}

std::string QuoteIdentifier(const std::string& name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out.push_back('`');
    out.push_back(c);
  }
  out.push_back('`');
  return out;
}

}  // namespace

std::vector<std::string> SplitSqlStatements(const std::string& sql) {
  std::vector<std::string> statements;
  std::string current;
  for (absl::string_view line : absl::StrSplit(sql, '\n')) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty() || absl::StartsWith(trimmed, "--")) continue;
    absl::StrAppend(&current, line, "\n");
    if (absl::EndsWith(trimmed, ";")) {
      current = std::string(absl::StripAsciiWhitespace(current));
      current.pop_back();
      statements.push_back(std::move(current));
      current.clear();
    }
  }
  if (!absl::StripAsciiWhitespace(current).empty()) {
    statements.push_back(std::string(absl::StripAsciiWhitespace(current)));
  }
  return statements;
}

absl::StatusOr<int> ApplyMigrations(const DatabaseConfig& config, const std::vector<Migration>& migrations) {
  int previous = 0;
  for (const auto& m : migrations) {
    auto version = VersionOf(m);
    if (!version.ok()) return version.status();
    if (*version <= previous) return InvalidFieldError(m.file_name, "versions must increase strictly");
    previous = *version;
  }

  auto server = Connection::Open(config, /*use_database=*/false);
  if (!server.ok()) return server.status();
  try {
    (*server)->Execute(absl::StrCat("CREATE DATABASE IF NOT EXISTS ", QuoteIdentifier(config.database),
                                    " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"));
  } catch (const sql::SQLException& e) {
    return SqlErrorToStatus(e);
  }
  server->reset();

  auto opened = Connection::Open(config);
  if (!opened.ok()) return opened.status();
  Connection& conn = **opened;
  int applied = 0;
  try {
    auto& lock = conn.Prepare("SELECT GET_LOCK(?, 60)");
    lock.setString(1, absl::StrCat("flywheel_migrations_", config.database));
    std::unique_ptr<sql::ResultSet> locked(lock.executeQuery());
    if (!locked->next() || locked->getInt(1) != 1) {
      return absl::UnavailableError("migrations: another process holds the migration lock");
    }
    conn.Execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INT NOT NULL PRIMARY KEY, file_name VARCHAR(255) NOT NULL,"
        " applied_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))");
    conn.Execute(kRequestLogDdl);
    std::unique_ptr<sql::ResultSet> current(
        conn.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").executeQuery());
    current->next();
    int current_version = current->getInt(1);
    for (const auto& m : migrations) {
      int version = *VersionOf(m);
      if (version <= current_version) continue;
      for (const auto& statement : SplitSqlStatements(m.sql)) conn.Execute(statement);
      auto& record = conn.Prepare("INSERT INTO schema_migrations (version, file_name) VALUES (?, ?)");
      record.setInt(1, version);
      record.setString(2, m.file_name);
      record.executeUpdate();
      log::Info("migration applied", {{"database", config.database}, {"file", m.file_name}});
      ++applied;
    }
    conn.Execute("DO RELEASE_LOCK(CONCAT('flywheel_migrations_', DATABASE()))");
  } catch (const sql::SQLException& e) {
    return SqlErrorToStatus(e);
  }
  return applied;
}

}  // namespace flywheel::db
