// StakeholderRepository: storage of stakeholders (with CRM ids and audit trail), RACI
// activities and assignments, and change initiatives. Every write runs in one transaction
// with its audit entry; SQL errors stay inside the implementation.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/db/write_context.h"
#include "services/stakeholders/domain/change.h"
#include "services/stakeholders/domain/raci.h"
#include "services/stakeholders/domain/stakeholder.h"

namespace flywheel::stakeholders {

struct StakeholderQuery {
  std::string account_id;
  std::optional<Role> role;
  std::optional<Engagement> engagement;
  bool show_deleted = false;
  std::optional<std::pair<std::string, std::string>> after;  // (name, id) keyset cursor
  int limit = 50;
};

struct UpsertInput {
  std::string source;
  std::string external_id;
  Stakeholder fields;              // account_id set; content already validated
  std::vector<std::string> paths;  // on update, only these fields
};

struct UpsertResult {
  UpsertOutcome outcome = UpsertOutcome::kUnchanged;
  Stakeholder stakeholder;
};

struct RaciActivity {
  std::string id;
  std::string account_id;
  std::string name;
  std::string description;
};

struct RaciRow {
  RaciActivity activity;
  std::vector<RaciAssignment> assignments;
};

class StakeholderRepository {
 public:
  virtual ~StakeholderRepository() = default;

  // ALREADY_EXISTS when a live stakeholder of the account has the email, or an external id
  // belongs to another stakeholder.
  virtual absl::StatusOr<CreateResult> Create(const Stakeholder& s, const WriteContext& context,
                                              const std::optional<IdempotencyRecord>& idempotency) = 0;
  virtual absl::StatusOr<Stakeholder> Get(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<Stakeholder>> List(const StakeholderQuery& query) = 0;
  // Every live stakeholder of each account of `account_ids`.
  virtual absl::StatusOr<std::map<std::string, std::vector<Stakeholder>>> LiveByAccount(
      const std::vector<std::string>& account_ids) = 0;
  virtual absl::StatusOr<Stakeholder> Update(const std::string& id,
                                             const std::function<absl::Status(Stakeholder&)>& mutate,
                                             absl::string_view action, const WriteContext& context) = 0;
  virtual absl::StatusOr<UpsertResult> Upsert(const UpsertInput& input, const WriteContext& context) = 0;
  virtual absl::StatusOr<std::vector<absl::StatusOr<UpsertResult>>> BulkUpsert(const std::vector<UpsertInput>& inputs,
                                                                               bool dry_run,
                                                                               const WriteContext& context) = 0;

  // Each write below leaves an audit entry (db/audit.h) in its transaction.
  virtual absl::Status CreateActivity(const RaciActivity& activity, const WriteContext& context) = 0;
  virtual absl::StatusOr<RaciActivity> GetActivity(const std::string& id) = 0;
  virtual absl::Status SetAssignments(const RaciActivity& activity, const std::vector<RaciAssignment>& assignments,
                                      const WriteContext& context) = 0;
  virtual absl::StatusOr<std::vector<RaciRow>> Matrix(const std::string& account_id) = 0;

  // With `idempotency`, a replay of its request id returns the first response (see
  // db::CreateIdempotently).
  virtual absl::StatusOr<CreateResult> CreateInitiative(const ChangeInitiative& initiative, const WriteContext& context,
                                                        const std::optional<IdempotencyRecord>& idempotency) = 0;
  virtual absl::StatusOr<ChangeInitiative> GetInitiative(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<ChangeInitiative>> ListInitiatives(const std::string& account_id) = 0;
  // Read-modify-write of the initiative's stage (and update time, the context's now).
  virtual absl::StatusOr<ChangeInitiative> UpdateInitiative(
      const std::string& id, const std::function<absl::Status(ChangeInitiative&)>& mutate,
      const WriteContext& context) = 0;
};

}  // namespace flywheel::stakeholders
