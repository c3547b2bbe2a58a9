// HandoffRepository: storage of success paths and their assignment to accounts, handoffs and
// the tunable exception rules. Every write leaves an audit entry in its transaction; rules
// that span rows (five active paths per product, a path in use cannot be deleted) are
// checked inside the transaction that would break them.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/db/write_context.h"
#include "services/handoff/domain/exceptions.h"
#include "services/handoff/domain/handoff.h"
#include "services/handoff/domain/success_path.h"

namespace flywheel::handoff {

struct PathAssignment {
  std::string account_id;
  std::string path_id;
  std::optional<absl::CivilDay> start_day;
  absl::Time assign_time;
};

struct PathQuery {
  std::string product;
  bool active_only = false;
  std::string after_product, after_name, after_id;  // keyset cursor
  int limit = 50;
};

struct HandoffQuery {
  std::optional<HandoffState> state;
  std::optional<Team> team;              // from or to
  std::string owner;                     // sending or receiving
  std::string account_id;
  std::optional<absl::Time> overdue_at;  // submitted with the SLA due before this time
  std::optional<std::pair<int64_t, std::string>> before;  // keyset cursor (create time µs, id), newest first
  int limit = 50;
};

struct StoredRule {
  RuleConfig config;
  int64_t version = 0;  // 0 while the rule has its default settings
};

class HandoffRepository {
 public:
  virtual ~HandoffRepository() = default;

  // Success paths. Create fails with FAILED_PRECONDITION when the product already has five
  // active paths; a replayed request id returns the first response.
  virtual absl::StatusOr<CreateResult> CreatePath(const SuccessPath& path, const WriteContext& context,
                                                  const std::optional<IdempotencyRecord>& idempotency) = 0;
  virtual absl::StatusOr<SuccessPath> GetPath(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<SuccessPath>> ListPaths(const PathQuery& query) = 0;
  // Read-modify-write under the row lock; the five-active limit is checked when `mutate`
  // activates the path. The version is bumped.
  virtual absl::StatusOr<SuccessPath> UpdatePath(const std::string& id,
                                                 const std::function<absl::Status(SuccessPath&)>& mutate,
                                                 const std::vector<std::string>& changed, const WriteContext& context) = 0;
  // FAILED_PRECONDITION while an account is assigned the path; `check` sees it first (etag).
  virtual absl::Status DeletePath(const std::string& id, const std::function<absl::Status(const SuccessPath&)>& check,
                                  const WriteContext& context) = 0;

  // Assigns an active path (replacing an earlier assignment); `start_day` starts its clock.
  virtual absl::StatusOr<PathAssignment> AssignPath(const std::string& account_id, const std::string& path_id,
                                                    std::optional<absl::CivilDay> start_day,
                                                    const WriteContext& context) = 0;
  virtual absl::StatusOr<std::map<std::string, PathAssignment>> Assignments(const std::vector<std::string>& account_ids) = 0;

  // Handoffs.
  virtual absl::StatusOr<CreateResult> CreateHandoff(const Handoff& handoff, const WriteContext& context,
                                                     const std::optional<IdempotencyRecord>& idempotency) = 0;
  virtual absl::StatusOr<Handoff> GetHandoff(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<Handoff>> ListHandoffs(const HandoffQuery& query) = 0;
  // Read-modify-write under the row lock, with `action` in the audit trail. When
  // `start_path_on` is given, the account's path clock starts that day (unless it has
  // started) in the same transaction.
  virtual absl::StatusOr<Handoff> UpdateHandoff(const std::string& id, const std::string& action,
                                                const std::function<absl::Status(Handoff&)>& mutate,
                                                const std::vector<std::string>& changed, const WriteContext& context,
                                                std::optional<absl::CivilDay> start_path_on = std::nullopt) = 0;
  // Submitted handoffs of `account_ids` whose SLA was due before `at`.
  virtual absl::StatusOr<std::map<std::string, std::vector<Handoff>>> StalledHandoffs(
      const std::vector<std::string>& account_ids, absl::Time at) = 0;

  // Exception rules: every rule of DefaultRules, with stored settings where changed.
  virtual absl::StatusOr<std::vector<StoredRule>> ListRules() = 0;
  virtual absl::StatusOr<StoredRule> UpdateRule(Rule rule, const std::function<absl::Status(StoredRule&)>& mutate,
                                                const std::vector<std::string>& changed,
                                                const WriteContext& context) = 0;
};

}  // namespace flywheel::handoff
