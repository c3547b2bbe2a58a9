// ExceptionRepository on MariaDB (tables of migrations/0001_create_exceptions.sql).
#pragma once

#include "common/db/connection_pool.h"
#include "services/handoff/storage/exception_repository.h"

namespace flywheel::handoff {

class MysqlExceptionRepository : public ExceptionRepository {
 public:
  explicit MysqlExceptionRepository(db::ConnectionPool& pool) : pool_(pool) {}

  absl::StatusOr<std::map<std::string, std::vector<ExistingException>>> Existing(
      const std::vector<std::string>& account_ids) override;
  absl::StatusOr<ApplyCounts> Apply(const std::string& account_id, const std::vector<Finding>& findings,
                                    absl::CivilDay as_of) override;
  absl::Status RecordRun(const ReportRun& run) override;

 private:
  db::ConnectionPool& pool_;
};

}  // namespace flywheel::handoff
