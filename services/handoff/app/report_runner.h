// The exception report of one shard as of one day: lists the shard's accounts, fetches what
// the rules read from the other services (ReportSources) in batches (a few batches in flight
// at once, each on its own thread), builds each account's snapshot, evaluates the enabled rules
// and applies the findings a batch per transaction. Also computes one account's progress
// along its success path from the same daily signal series.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "services/handoff/app/report_sources.h"
#include "services/handoff/storage/exception_repository.h"
#include "services/handoff/storage/handoff_repository.h"

namespace flywheel::handoff {

struct ReportRequest {
  absl::CivilDay as_of;
  int shard_index = 0;
  int shard_count = 1;
  bool dry_run = false;
};

class ReportRunner {
 public:
  ReportRunner(HandoffRepository& handoffs, ExceptionRepository& exceptions, ReportSources& sources,
               const Clock& clock)
      : handoffs_(handoffs), exceptions_(exceptions), sources_(sources), clock_(clock) {}

  // Runs the report; `found` (when set, called from several threads one at a time) receives
  // every exception opened or updated (on a dry run: as it would be, without ids for new ones).
  // Counted in the process metrics (runs by result, accounts scanned, exceptions opened,
  // updated and resolved).
  absl::StatusOr<ReportRun> Run(const ReportRequest& request,
                                const std::function<void(const StoredException&)>& found = nullptr);

  // Evaluates the rules of `account_ids` only, as of `as_of`, and applies the findings as a
  // run would (live exceptions: the same rule code, for the accounts whose health changed); not
  // recorded as a run.
  absl::StatusOr<ApplyCounts> RunFor(const std::vector<std::string>& account_ids, absl::CivilDay as_of);

  // Each milestone's progress for `account_id` on `path` started on `start`, as of `as_of`.
  absl::StatusOr<std::vector<MilestoneProgress>> Progress(const std::string& account_id, const SuccessPath& path,
                                                          absl::CivilDay start, absl::CivilDay as_of);

 private:
  absl::StatusOr<ReportRun> Execute(const ReportRequest& request,
                                    const std::function<void(const StoredException&)>& found);
  // The enabled rules and every success path.
  absl::Status LoadRules(std::vector<RuleConfig>& enabled, std::map<std::string, SuccessPath>& paths);
  struct BatchResult {
    int64_t findings = 0;
    int64_t skipped = 0;  // accounts deleted while the run went on
    ApplyCounts counts;
    double fetch_seconds = 0, evaluate_seconds = 0, write_seconds = 0;
  };
  // What a batch reads from the other services and its own tables.
  struct BatchInputs {
    std::map<std::string, PathAssignment> assignments;
    std::vector<HealthInputs> health;  // in the batch's order
    std::vector<RolePerson> people;
    std::map<std::string, std::vector<Handoff>> stalled;
  };
  absl::StatusOr<BatchInputs> FetchBatch(const std::vector<const ShardAccount*>& accounts, const ReportRequest& request,
                                         const std::map<std::string, SuccessPath>& paths);
  // Evaluates the rules for `accounts` and applies the findings, resolving the exceptions of
  // `vanished` accounts.
  absl::StatusOr<BatchResult> Evaluated(const std::vector<const ShardAccount*>& accounts,
                                        const std::vector<const ShardAccount*>& vanished, BatchInputs fetched,
                                        const ReportRequest& request, const std::vector<RuleConfig>& rules,
                                        const std::map<std::string, SuccessPath>& paths,
                                        const std::function<void(const StoredException&)>& found, absl::Time fetch_start);
  absl::StatusOr<BatchResult> RunBatch(const std::vector<const ShardAccount*>& accounts,
                                       const ReportRequest& request, const std::vector<RuleConfig>& rules,
                                       const std::map<std::string, SuccessPath>& paths,
                                       const std::function<void(const StoredException&)>& found);

  HandoffRepository& handoffs_;
  ExceptionRepository& exceptions_;
  ReportSources& sources_;
  const Clock& clock_;
};

}  // namespace flywheel::handoff
