// AccountRepository: the storage interface of the Account aggregate. Every method returns a
// status; implementations keep their own errors (SQL exceptions) inside. Each write runs in
// one transaction together with its audit entry.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/db/write_context.h"
#include "services/accounts/domain/account.h"

namespace flywheel::accounts {

using ::flywheel::AuditEntry;
using ::flywheel::WriteContext;

enum class ListOrder { kName, kUpdateTime, kId };

struct AccountQuery {
  std::optional<LifecycleStage> stage;
  std::string segment;
  std::string csm_owner;
  std::string parent_id;
  std::string label_key;
  std::optional<std::string> label_value;
  std::optional<absl::Time> updated_since;
  ListOrder order = ListOrder::kName;
  bool show_deleted = false;
  // Keyset cursor: the sort key and id of the last row already returned.
  std::optional<std::pair<std::string, std::string>> after;
  int limit = 50;
};

// The cursor value of `account` for `order` (what AccountQuery::after holds).
std::pair<std::string, std::string> CursorOf(const Account& account, ListOrder order);

using ::flywheel::CreateResult;
using ::flywheel::IdempotencyRecord;
using ::flywheel::UpsertOutcome;

struct UpsertInput {
  std::string source;
  std::string external_id;
  Account fields;                  // content to write (already validated)
  std::vector<std::string> paths;  // on update, only these fields; empty means every field
};

// One stored write of an account, as WatchAccountChanges sends it.
struct AccountChange {
  int64_t sequence = 0;  // the change log's order
  std::string account_id;
  int64_t version = 0;   // the account's version after the write
  std::string action;    // CREATE, UPDATE, DELETE, UNDELETE, UPSERT
  std::vector<std::string> changed_fields;
  absl::Time time;
};

struct UpsertResult {
  UpsertOutcome outcome = UpsertOutcome::kUnchanged;
  Account account;
};

class AccountRepository {
 public:
  virtual ~AccountRepository() = default;

  // Inserts `account` (id, version 1 and times already set). With `idempotency`, a request
  // id seen before returns the stored response instead (INVALID_ARGUMENT on field
  // request_id when the earlier request differed). ALREADY_EXISTS when an external id
  // belongs to another account; INVALID_ARGUMENT when the parent is not acceptable.
  virtual absl::StatusOr<CreateResult> Create(const Account& account, const WriteContext& context,
                                              const std::optional<IdempotencyRecord>& idempotency) = 0;

  // The account, deleted or not; NOT_FOUND when it never existed.
  virtual absl::StatusOr<Account> Get(const std::string& id) = 0;

  // The accounts that exist among `ids`, in no particular order.
  virtual absl::StatusOr<std::vector<Account>> BatchGet(const std::vector<std::string>& ids) = 0;

  virtual absl::StatusOr<std::vector<Account>> List(const AccountQuery& query) = 0;

  // Read-modify-write of one account in one transaction: `mutate` receives the current
  // account and changes it (or returns an error, which aborts). When something changed, the
  // version is bumped, update_time set, the parent re-checked and an audit entry written
  // with `action`; when nothing changed, nothing is written.
  virtual absl::StatusOr<Account> Update(const std::string& id,
                                         const std::function<absl::Status(Account&)>& mutate,
                                         absl::string_view action, const WriteContext& context) = 0;

  // Creates or updates the account that `source` knows as `external_id`.
  virtual absl::StatusOr<UpsertResult> Upsert(const UpsertInput& input, const WriteContext& context) = 0;

  // Upserts `inputs` in transactions of up to 500 records; one record's failure does not undo
  // the others, and records that name the same account are applied in their order. When the
  // database fails, some transactions may have committed (re-sending is safe). With `dry_run`
  // every outcome is computed and every transaction rolled back.
  virtual absl::StatusOr<std::vector<absl::StatusOr<UpsertResult>>> BulkUpsert(
      const std::vector<UpsertInput>& inputs, bool dry_run, const WriteContext& context) = 0;

  // The live account `root_id` and all its live descendants (children and labels not
  // loaded). NOT_FOUND when the root does not exist or is deleted.
  virtual absl::StatusOr<std::vector<Account>> GetSubtree(const std::string& root_id) = 0;

  // OK when `account` may hang under its parent_id (see CheckParent in hierarchy.h), read
  // outside any transaction: for naming a bad parent beside the request's other bad fields.
  // The write checks again in its transaction.
  virtual absl::Status CheckParentOf(const Account& account) = 0;

  // Audit entries with sequence > `after_sequence`, oldest first, at most `limit`.
  virtual absl::StatusOr<std::vector<AuditEntry>> ListHistory(const std::string& account_id,
                                                              int64_t after_sequence, int limit) = 0;

  // Up to `limit` changes after `after`, oldest first, stopping before a change that may still
  // be followed by an earlier uncommitted one (db::DeliverableChanges, at `now`).
  virtual absl::StatusOr<std::vector<AccountChange>> ChangesAfter(int64_t after, int limit, absl::Time now) = 0;
  // The last change's sequence (0 when none).
  virtual absl::StatusOr<int64_t> LastChangeSequence() = 0;
};

}  // namespace flywheel::accounts
