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
  absl::StatusOr<ApplyCounts> ApplyBatch(const std::vector<AccountFindings>& batch, absl::CivilDay as_of,
                                         std::vector<StoredException>* touched) override;
  absl::Status RecordRun(const ReportRun& run) override;
  absl::StatusOr<StoredException> Get(const std::string& id) override;
  absl::StatusOr<std::vector<StoredException>> List(const ExceptionQuery& query) override;
  absl::StatusOr<StoredException> Update(const std::string& id, const std::string& action,
                                         const std::function<absl::Status(StoredException&)>& mutate,
                                         const WriteContext& context) override;
  absl::StatusOr<std::vector<ExceptionEventRecord>> EventsAfter(int64_t after, int limit, absl::Time now) override;
  absl::StatusOr<int64_t> LastEventSequence() override;

 private:
  db::ConnectionPool& pool_;
};

}  // namespace flywheel::handoff
