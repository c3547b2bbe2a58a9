// ExceptionRepository: storage of exceptions and report runs. Applying a run's findings for a
// batch of accounts is one transaction; the database allows one active exception per
// (account, rule, subject), so concurrent runs of one shard cannot duplicate an exception.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/db/write_context.h"
#include "services/handoff/domain/exceptions.h"

namespace flywheel::handoff {

struct ApplyCounts {
  int64_t opened = 0;
  int64_t updated = 0;
  int64_t resolved = 0;
};

struct ReportRun {
  std::string id;
  absl::CivilDay as_of;
  int shard_index = 0;
  int shard_count = 1;
  bool dry_run = false;
  int64_t accounts_scanned = 0;
  int64_t findings = 0;
  ApplyCounts counts;
  int64_t accounts_skipped = 0;  // deleted while the run went on (their exceptions resolved)
  double fetch_seconds = 0, evaluate_seconds = 0, write_seconds = 0, total_seconds = 0;
  absl::Time finish_time;
};

enum class CloseSource { kNone = 0, kUser = 1, kRule = 2 };

// An exception as stored.
struct StoredException {
  std::string id;
  std::string account_id;
  Finding finding;  // rule, subject, severity, evidence, remedy, due day as last found
  std::string assignee;
  ExceptionStatus status = ExceptionStatus::kOpen;
  absl::CivilDay opened_day, last_seen_day;
  std::optional<absl::CivilDay> snoozed_until;
  std::string status_reason;
  CloseSource close_source = CloseSource::kNone;
  std::optional<absl::CivilDay> close_day;
  int64_t version = 1;
};

// One change of an exception, as WatchExceptions sends it: the exception as it is when read.
struct ExceptionEventRecord {
  int64_t sequence = 0;
  ExceptionEvent event = ExceptionEvent::kOpened;
  absl::Time time;
  StoredException exception;
};

// One account's findings of a run, with who the new exceptions go to.
struct AccountFindings {
  std::string account_id;
  std::string assignee;  // the account's CSM
  std::vector<Finding> findings;
};

struct ExceptionQuery {
  std::optional<ExceptionStatus> status;
  std::optional<Severity> severity;
  std::optional<Rule> rule;
  std::string assignee;
  std::string account_id;
  std::optional<absl::CivilDay> overdue_on;  // open or acknowledged with due_day before this day
  bool active_only = false;                  // open, acknowledged or snoozed
  std::string after_account_id, after_id;    // keyset cursor
  int limit = 50;
};

class ExceptionRepository {
 public:
  virtual ~ExceptionRepository() = default;

  // Open, acknowledged, snoozed and unreleased dismissed exceptions of each account (what
  // Reconcile reads).
  virtual absl::StatusOr<std::map<std::string, std::vector<ExistingException>>> Existing(
      const std::vector<std::string>& account_ids) = 0;

  // Reconciles each account's findings with its stored exceptions as of `as_of` and writes
  // the plans, all in one transaction (so a concurrent run of the same accounts waits and
  // then sees the result); an open that meets a concurrent run's identical open is retried
  // as an update. `touched`, when given, receives every exception opened or updated.
  virtual absl::StatusOr<ApplyCounts> ApplyBatch(const std::vector<AccountFindings>& batch, absl::CivilDay as_of,
                                                 std::vector<StoredException>* touched) = 0;

  virtual absl::Status RecordRun(const ReportRun& run) = 0;

  virtual absl::StatusOr<StoredException> Get(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<StoredException>> List(const ExceptionQuery& query) = 0;
  // Read-modify-write of a user action under the row lock; the version is bumped and an
  // audit entry written with `action` when `mutate` succeeds.
  virtual absl::StatusOr<StoredException> Update(const std::string& id, const std::string& action,
                                                 const std::function<absl::Status(StoredException&)>& mutate,
                                                 const WriteContext& context) = 0;

  // The change log of exceptions (every ApplyBatch and Update writes its events in its
  // transaction): up to `limit` events after `after`, oldest first, stopping before one that may
  // still be followed by an earlier uncommitted event (db::DeliverableChanges, at `now`).
  virtual absl::StatusOr<std::vector<ExceptionEventRecord>> EventsAfter(int64_t after, int limit, absl::Time now) = 0;
  virtual absl::StatusOr<int64_t> LastEventSequence() = 0;
};

}  // namespace flywheel::handoff
