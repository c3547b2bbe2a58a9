// The health service's use cases: recording signals, scorecards and their assignment,
// overrides, an account's score and value tracking, rescoring the portfolio on a few threads,
// the portfolio summary and the exception report's inputs. Domain types only, the accounts
// service behind AccountsPeer; no gRPC and no SQL. grpc/health_service.cc decodes a request,
// calls one of these and encodes the answer. Field violations are named as the API names them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "common/clock/clock.h"
#include "common/db/write_context.h"
#include "common/status/errors.h"
#include "services/health/app/scoring_engine.h"
#include "services/health/domain/signals.h"
#include "services/health/storage/health_repository.h"

namespace flywheel::health {

// What the use cases need of the accounts service.
class AccountsPeer {
 public:
  virtual ~AccountsPeer() = default;
  // The live account's facts; NOT_FOUND when it does not exist or is deleted.
  virtual absl::StatusOr<AccountFacts> Facts(const std::string& account_id) = 0;
  // The live accounts' facts, in order; NOT_FOUND naming one that is not live.
  virtual absl::StatusOr<std::vector<AccountFacts>> AllFacts(const std::vector<std::string>& ids) = 0;
  // OK when every account of `ids` is live.
  virtual absl::Status RequireAllLive(const std::vector<std::string>& ids) = 0;
  // Calls `visit` for every live account; stops at the first error.
  virtual absl::Status ForEach(const std::function<void(const AccountFacts&)>& visit) = 0;
  // Drops what is remembered of `ids` (they changed): the next read asks the accounts service.
  virtual void Forget(const std::vector<std::string>& ids) = 0;
};

inline constexpr int kMaxReadingsPerRequest = 10000;
inline constexpr int kMaxTop = 100;
inline constexpr int kMaxReportAccounts = 1000;
inline constexpr int kMaxSeriesDays = 730;
inline constexpr int kMaxSeriesNames = 20;
inline constexpr int kDefaultDetractorDays = 30;

// A signal as decoded, with what could not be decoded in it (named within the signal).
template <typename T>
struct Draft {
  T value;
  FieldViolations problems;
};

// An override as asked for: `author` is what the caller wrote in the author field (kept as
// whom it acted for when on_behalf_of is empty); the stored author is the verified principal.
struct OverrideRequest {
  std::string account_id;
  double value = 0;
  std::string reason;
  std::string author;
  std::string on_behalf_of;
  std::optional<absl::Time> expire_time;
  FieldViolations problems;
};

struct RescoreRun {
  int64_t accounts_scored = 0;
  int64_t band_changes = 0;
  double load_seconds = 0, score_seconds = 0, store_seconds = 0, total_seconds = 0;
};

// The portfolio at a glance: accounts and ARR by band and by quadrant, ARR at risk (RED), value
// targets, projections and gaps (per currency), and the largest value gaps and health drops.
struct PortfolioSummary {
  using Totals = std::map<std::string, int64_t>;  // currency → minor units
  int64_t accounts = 0;
  std::map<Band, std::pair<int64_t, Totals>> bands;
  std::map<Quadrant, std::pair<int64_t, Totals>> quadrants;
  Totals arr_at_risk, value_target, value_projected, value_gap;
  std::vector<StoredScore> top_value_gaps, top_health_drops;
};

// What the exception report asks for a batch of accounts.
struct ReportInputsRequest {
  std::vector<std::string> account_ids;
  std::optional<absl::CivilDay> as_of;
  int detractor_days = 0;  // 0: kDefaultDetractorDays
  struct Series {
    std::string account_id;
    std::optional<absl::CivilDay> start;
    std::vector<std::string> names;
  };
  std::vector<Series> series;
  FieldViolations problems;  // of decoding, named as the request names them
};

struct ReportInputs {
  ScoredAccount scored;
  std::vector<SurveyResponse> detractors;  // detractor responses of the last detractor_days
  std::optional<absl::CivilDay> series_start;
  std::vector<std::pair<std::string, std::vector<double>>> series;  // name → daily values
};

class HealthUseCases {
 public:
  HealthUseCases(HealthRepository& repository, AccountsPeer& accounts, const Clock& clock, DetailEncoder detail)
      : repository_(repository), accounts_(accounts), clock_(clock), engine_(repository, clock, std::move(detail)) {}

  absl::CivilDay Today() const;

  // Checks every reading (named "readings[first_index + i]."), then that each account is live;
  // writes them all or nothing. The number accepted.
  absl::StatusOr<int64_t> RecordUsage(std::vector<Draft<UsageReading>> readings, int64_t first_index);
  absl::StatusOr<SurveyResponse> RecordSurvey(Draft<SurveyResponse> response);
  absl::StatusOr<ValueRecord> RecordValue(Draft<ValueRecord> record);

  absl::StatusOr<Created<Scorecard>> CreateScorecard(Draft<Scorecard> draft, const std::string& request_id,
                                                     const WriteContext& write, const RecordResponse<Scorecard>& record);
  absl::StatusOr<Scorecard> UpdateScorecard(const std::string& id, const Scorecard& patch,
                                            const std::vector<std::string>& paths, const std::string& etag,
                                            const WriteContext& write);
  // Assigns `scorecard_id` (the default when empty) to a live account; the id assigned.
  absl::StatusOr<std::string> AssignScorecard(const std::string& account_id, const std::string& scorecard_id,
                                              const WriteContext& write);

  // The account's score as of `day`, computed from its signals now.
  absl::StatusOr<ScoredAccount> Score(const std::string& account_id, absl::CivilDay day);

  absl::StatusOr<Override> SetOverride(OverrideRequest request, const WriteContext& write);
  absl::Status ClearOverride(const std::string& account_id, const WriteContext& write);

  struct Tracking {
    AccountFacts facts;
    std::optional<ValueTracking> value;
  };
  absl::StatusOr<Tracking> ValueTrackingOf(const std::string& account_id, absl::CivilDay day);

  // Scores and stores the shard's accounts (all when shard_count ≤ 1) as of `day`.
  absl::StatusOr<RescoreRun> Rescore(absl::CivilDay day, int shard_count, int shard_index);

  // Live health: claims up to `limit` marked accounts, scores them as of today and stores the
  // scores (and band or quadrant changes) as a rescore does; an account deleted since it was
  // marked is dropped; an override that has expired marks its account first. The number of
  // accounts scored.
  absl::StatusOr<int64_t> RescoreMarked(int limit);

  // The accounts service stored `changes` (its change stream, up to `token`): the accounts whose
  // change health reads (ChangeReadByHealth) are marked for rescoring, with the stream
  // position, in one transaction.
  struct AccountChangeSeen {
    std::string account_id;
    std::string action;
    std::vector<std::string> changed_fields;
  };
  absl::Status AccountsChanged(const std::vector<AccountChangeSeen>& changes, const std::string& token);
  static constexpr char kAccountsStream[] = "accounts";

  // The stored scores of a live account on days [start, end].
  absl::StatusOr<std::vector<StoredScore>> History(const std::string& account_id, absl::CivilDay start,
                                                   absl::CivilDay end);
  absl::StatusOr<PortfolioSummary> Summary(const std::string& csm_owner, int top);
  absl::StatusOr<std::vector<ReportInputs>> ReportInputsFor(ReportInputsRequest request);

 private:
  HealthRepository& repository_;
  AccountsPeer& accounts_;
  const Clock& clock_;
  ScoringEngine engine_;
};

// A csm_owner filter longer than any account's csm_owner can only be a mistake.
void CheckCsmFilter(const std::string& csm_owner, FieldViolations& v);

}  // namespace flywheel::health
