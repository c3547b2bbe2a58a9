// The accounts service's use cases: each operation's rules and orchestration (creates, updates,
// deletes, upserts, the tree, history) over the AccountRepository, in domain types. No gRPC and
// no SQL: grpc/account_service.cc decodes a request, calls one of these and encodes the answer.
// Field violations are named as the API request names them ("account.parent_id").
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/db/write_context.h"
#include "common/status/errors.h"
#include "services/accounts/domain/hierarchy.h"
#include "services/accounts/storage/account_repository.h"

namespace flywheel::accounts {

inline constexpr size_t kMaxBatchGet = 1000;

// A create or an upsert's record as decoded: the account and what could not be decoded in it
// (violations named within the account: "arr.currency_code").
struct AccountDraft {
  Account account;
  FieldViolations problems;
};

class AccountUseCases {
 public:
  explicit AccountUseCases(AccountRepository& repository) : repository_(repository) {}

  // Checks the draft (required; every bad field in one answer, a bad parent among them), then
  // creates it with a new id; a replayed request id answers the first response (see Created).
  absl::StatusOr<Created<Account>> Create(std::optional<AccountDraft> draft, const std::string& request_id, const WriteContext& write,
                                          const RecordResponse<Account>& record);

  // The accounts `ids` in their order; NOT_FOUND naming every missing id.
  absl::StatusOr<std::vector<Account>> BatchGet(const std::vector<std::string>& ids);

  // One page of accounts: `query.limit` rows after `query.after`.
  absl::StatusOr<std::vector<Account>> List(const AccountQuery& query);

  // Writes the fields `paths` names from `patch` (its other fields' problems are ignored) to the
  // live account `id` whose etag is `etag` (any when empty), and checks the result.
  absl::StatusOr<Account> Update(const std::string& id, AccountDraft patch, const std::vector<std::string>& paths,
                                 const std::string& etag, const WriteContext& write);
  absl::StatusOr<Account> Delete(const std::string& id, const std::string& etag, const WriteContext& write);
  absl::StatusOr<Account> Undelete(const std::string& id, const WriteContext& write);

  // The live tree under `root_id`, with rolled-up ARR and seats.
  absl::StatusOr<std::vector<TreeNode>> Tree(const std::string& root_id);

  // A CRM's record of an account: `source` and `external_id` name it, `paths` the fields it
  // writes (every one but external_ids when empty, to which it only adds its own key).
  // Violations are named from `prefix`.
  struct UpsertRecord {
    std::string source;
    std::string external_id;
    std::optional<AccountDraft> draft;  // nullopt: the record has no account
    std::vector<std::string> paths;
  };
  static UpsertInput CheckUpsert(UpsertRecord record, const std::string& prefix, FieldViolations& v);
  absl::StatusOr<UpsertResult> Upsert(const UpsertInput& input, const WriteContext& write);
  absl::StatusOr<std::vector<absl::StatusOr<UpsertResult>>> BulkUpsert(const std::vector<UpsertInput>& inputs,
                                                                       bool dry_run, const WriteContext& write);

  // The audit entries of account `account_id` (NOT_FOUND when it never existed) after `after`.
  absl::StatusOr<std::vector<AuditEntry>> History(const std::string& account_id, int64_t after, int limit);

  // The change log WatchAccountChanges streams: writes after `after` (see ChangesAfter), its end.
  absl::StatusOr<std::vector<AccountChange>> Changes(int64_t after, int limit, absl::Time now) {
    return repository_.ChangesAfter(after, limit, now);
  }
  absl::StatusOr<int64_t> LastChange() { return repository_.LastChangeSequence(); }

 private:
  AccountRepository& repository_;
};

// `status` with the account's own fields ("parent_id") named as the request holds them
// ("account.parent_id"); other fields are kept.
absl::Status InAccount(absl::Status status);

}  // namespace flywheel::accounts
