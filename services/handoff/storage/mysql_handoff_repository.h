// HandoffRepository on MariaDB (tables of migrations/0002_paths_handoffs_rules.sql).
#pragma once

#include "common/db/connection_pool.h"
#include "services/handoff/storage/handoff_repository.h"

namespace flywheel::handoff {

class MysqlHandoffRepository : public HandoffRepository {
 public:
  explicit MysqlHandoffRepository(db::ConnectionPool& pool) : pool_(pool) {}

  absl::StatusOr<CreateResult> CreatePath(const SuccessPath& path, const WriteContext& context,
                                          const std::optional<IdempotencyRecord>& idempotency) override;
  absl::StatusOr<SuccessPath> GetPath(const std::string& id) override;
  absl::StatusOr<std::vector<SuccessPath>> ListPaths(const PathQuery& query) override;
  absl::StatusOr<SuccessPath> UpdatePath(const std::string& id, const std::function<absl::Status(SuccessPath&)>& mutate,
                                         const std::vector<std::string>& changed, const WriteContext& context) override;
  absl::Status DeletePath(const std::string& id, const std::function<absl::Status(const SuccessPath&)>& check,
                          const WriteContext& context) override;
  absl::StatusOr<PathAssignment> AssignPath(const std::string& account_id, const std::string& path_id,
                                            std::optional<absl::CivilDay> start_day,
                                            const WriteContext& context) override;
  absl::StatusOr<std::map<std::string, PathAssignment>> Assignments(const std::vector<std::string>& account_ids) override;
  absl::StatusOr<CreateResult> CreateHandoff(const Handoff& handoff, const WriteContext& context,
                                             const std::optional<IdempotencyRecord>& idempotency) override;
  absl::StatusOr<Handoff> GetHandoff(const std::string& id) override;
  absl::StatusOr<std::vector<Handoff>> ListHandoffs(const HandoffQuery& query) override;
  absl::StatusOr<Handoff> UpdateHandoff(const std::string& id, const std::string& action,
                                        const std::function<absl::Status(Handoff&)>& mutate,
                                        const std::vector<std::string>& changed, const WriteContext& context,
                                        std::optional<absl::CivilDay> start_path_on) override;
  absl::StatusOr<std::map<std::string, std::vector<Handoff>>> StalledHandoffs(const std::vector<std::string>& account_ids,
                                                                              absl::Time at) override;
  absl::StatusOr<std::vector<StoredRule>> ListRules() override;
  absl::StatusOr<StoredRule> UpdateRule(Rule rule, const std::function<absl::Status(StoredRule&)>& mutate,
                                        const std::vector<std::string>& changed, const WriteContext& context) override;

 private:
  db::ConnectionPool& pool_;
};

}  // namespace flywheel::handoff
