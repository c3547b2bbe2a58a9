// StakeholderRepository on MariaDB (tables of migrations/0001_create_stakeholders.sql).
#pragma once

#include "common/db/connection_pool.h"
#include "services/stakeholders/storage/stakeholder_repository.h"

namespace flywheel::stakeholders {

class MysqlStakeholderRepository : public StakeholderRepository {
 public:
  explicit MysqlStakeholderRepository(db::ConnectionPool& pool) : pool_(pool) {}

  absl::StatusOr<CreateResult> Create(const Stakeholder& s, const WriteContext& context,
                                      const std::optional<IdempotencyRecord>& idempotency) override;
  absl::StatusOr<Stakeholder> Get(const std::string& id) override;
  absl::StatusOr<std::vector<Stakeholder>> List(const StakeholderQuery& query) override;
  absl::StatusOr<std::map<std::string, std::vector<Stakeholder>>> LiveByAccount(
      const std::vector<std::string>& account_ids) override;
  absl::StatusOr<Stakeholder> Update(const std::string& id, const std::function<absl::Status(Stakeholder&)>& mutate,
                                     absl::string_view action, const WriteContext& context) override;
  absl::StatusOr<UpsertResult> Upsert(const UpsertInput& input, const WriteContext& context) override;
  absl::StatusOr<std::vector<absl::StatusOr<UpsertResult>>> BulkUpsert(const std::vector<UpsertInput>& inputs,
                                                                       bool dry_run,
                                                                       const WriteContext& context) override;
  absl::Status CreateActivity(const RaciActivity& activity, const WriteContext& context) override;
  absl::StatusOr<RaciActivity> GetActivity(const std::string& id) override;
  absl::Status SetAssignments(const RaciActivity& activity, const std::vector<RaciAssignment>& assignments,
                              const WriteContext& context) override;
  absl::StatusOr<std::vector<RaciRow>> Matrix(const std::string& account_id) override;
  absl::StatusOr<CreateResult> CreateInitiative(const ChangeInitiative& initiative, const WriteContext& context,
                                                const std::optional<IdempotencyRecord>& idempotency) override;
  absl::StatusOr<ChangeInitiative> GetInitiative(const std::string& id) override;
  absl::StatusOr<std::vector<ChangeInitiative>> ListInitiatives(const std::string& account_id) override;
  absl::StatusOr<ChangeInitiative> UpdateInitiative(const std::string& id,
                                                    const std::function<absl::Status(ChangeInitiative&)>& mutate,
                                                    const WriteContext& context) override;

 private:
  db::ConnectionPool& pool_;
};

}  // namespace flywheel::stakeholders
