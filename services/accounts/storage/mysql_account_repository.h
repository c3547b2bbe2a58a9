// AccountRepository on MariaDB (tables of migrations/0001_create_accounts.sql).
#pragma once

#include <functional>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/db/connection_pool.h"
#include "common/db/run_pieces.h"
#include "services/accounts/storage/account_repository.h"

namespace flywheel::accounts {

class MysqlAccountRepository : public AccountRepository {
 public:
  // BulkUpsert writes a message's batches as pieces through `run_pieces` (common/db/run_pieces.h).
  explicit MysqlAccountRepository(db::ConnectionPool& pool, db::RunPieces run_pieces = db::RunInOrder)
      : pool_(pool), run_pieces_(std::move(run_pieces)) {}

  absl::StatusOr<CreateResult> Create(const Account& account, const WriteContext& context,
                                      const std::optional<IdempotencyRecord>& idempotency) override;
  absl::StatusOr<Account> Get(const std::string& id) override;
  absl::StatusOr<std::vector<Account>> BatchGet(const std::vector<std::string>& ids) override;
  absl::StatusOr<std::vector<Account>> List(const AccountQuery& query) override;
  absl::StatusOr<Account> Update(const std::string& id, const std::function<absl::Status(Account&)>& mutate,
                                 absl::string_view action, const WriteContext& context) override;
  absl::StatusOr<UpsertResult> Upsert(const UpsertInput& input, const WriteContext& context) override;
  absl::StatusOr<std::vector<absl::StatusOr<UpsertResult>>> BulkUpsert(const std::vector<UpsertInput>& inputs,
                                                                       bool dry_run,
                                                                       const WriteContext& context) override;
  absl::StatusOr<std::vector<Account>> GetSubtree(const std::string& root_id) override;
  absl::Status CheckParentOf(const Account& account) override;
  absl::StatusOr<std::vector<AuditEntry>> ListHistory(const std::string& account_id, int64_t after_sequence,
                                                      int limit) override;
  absl::StatusOr<std::vector<AccountChange>> ChangesAfter(int64_t after, int limit, absl::Time now) override;
  absl::StatusOr<int64_t> LastChangeSequence() override;

 private:
  db::ConnectionPool& pool_;
  db::RunPieces run_pieces_;
};

}  // namespace flywheel::accounts
