// ExceptionRepository: storage of exceptions and report runs. Applying a run's plan for an
// account is one transaction; the database allows one active exception per (account, rule,
// subject), so concurrent runs of one shard cannot duplicate an exception.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
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
  ApplyCounts counts;
  double seconds = 0;
};

class ExceptionRepository {
 public:
  virtual ~ExceptionRepository() = default;

  // Open, acknowledged, snoozed and dismissed exceptions of each account (what Reconcile reads).
  virtual absl::StatusOr<std::map<std::string, std::vector<ExistingException>>> Existing(
      const std::vector<std::string>& account_ids) = 0;

  // Applies `findings` for one account as of `as_of`: reconciles them with the stored
  // exceptions inside one transaction (so a concurrent run sees the result) and writes the
  // plan; an open that meets a concurrent run's identical open becomes an update.
  virtual absl::StatusOr<ApplyCounts> Apply(const std::string& account_id, const std::vector<Finding>& findings,
                                            absl::CivilDay as_of) = 0;

  virtual absl::Status RecordRun(const ReportRun& run) = 0;
};

}  // namespace flywheel::handoff
