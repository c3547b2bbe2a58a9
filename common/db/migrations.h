// Schema migrations: numbered, forward-only SQL files per service ("0001_create_accounts.sql"),
// embedded in the service binary at build time and applied in order at start-up or by the
// `migrate` subcommand. Applied versions are recorded in the table schema_migrations; the
// tables every service shares (request_log) are created first.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/config/server_config.h"

namespace flywheel::db {

struct Migration {
  std::string file_name;  // NNNN_description.sql; NNNN is the version
  std::string sql;        // statements separated by ';' at the end of a line
};

// Creates the database if missing, then applies every migration newer than the recorded
// version, holding a named lock so concurrent replicas apply each one once. Returns the
// number applied. INVALID_ARGUMENT when file names are not numbered in strict order.
absl::StatusOr<int> ApplyMigrations(const DatabaseConfig& config, const std::vector<Migration>& migrations);

// The statements of one migration file, comments and blank lines removed.
std::vector<std::string> SplitSqlStatements(const std::string& sql);

}  // namespace flywheel::db
