// HealthRepository: storage of signals, scorecards, overrides, scores and score changes.
// Every method returns a status; SQL errors stay inside the implementation.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/db/stream_cursor.h"
#include "common/db/write_context.h"
#include "services/health/domain/inputs.h"
#include "services/health/domain/scorecard.h"
#include "services/health/domain/scoring.h"

namespace flywheel::health {

// A stored score as lists, history and the summary read it; `detail` is the explanation
// exactly as served (opaque here).
struct StoredScore {
  std::string account_id;
  absl::CivilDay as_of;
  std::optional<double> overall;
  Band band = Band::kUnknown;
  Quadrant quadrant = Quadrant::kUnknown;
  Trend trend = Trend::kUnknown;
  double trend_delta = 0;
  ValueLevel value_level = ValueLevel::kNone;
  std::string account_name;
  std::string csm_owner;
  std::optional<Money> arr;
  std::optional<Money> value_target;     // with projected and gap in the same currency
  int64_t value_projected_minor = 0;
  int64_t value_gap_minor = 0;
  std::string detail;
  absl::Time compute_time;
};

// Why a score was stored: a rescore of the portfolio (scheduled or asked for), or live
// rescoring because one of the account's inputs changed.
enum class ScoreCause { kRescore = 0, kSignal = 1 };

struct HealthChangeRecord {
  int64_t sequence = 0;
  ScoreCause cause = ScoreCause::kRescore;
  std::string account_id;
  absl::CivilDay as_of;
  Band previous_band = Band::kUnknown;
  Band band = Band::kUnknown;
  Quadrant previous_quadrant = Quadrant::kUnknown;
  Quadrant quadrant = Quadrant::kUnknown;
  std::optional<double> overall;
  std::string csm_owner;
  absl::Time time;
};

struct LatestFilter {
  std::optional<Band> band;
  std::optional<Quadrant> quadrant;
  std::optional<Trend> trend;
  std::optional<ValueLevel> value_level;
  std::string csm_owner;
  std::string after_account_id;  // keyset cursor
  int limit = 50;
};

enum class SignalFilter { kAll, kUsage, kSurvey, kValue };

class HealthRepository {
 public:
  virtual ~HealthRepository() = default;

  // Inserts or replaces readings keyed by (account, metric, day, source); returns how many. Of
  // two readings with one key, the later in `readings` is kept. A large set may be written as
  // several transactions: a failure can leave part of it written (re-writing it is safe).
  virtual absl::StatusOr<int64_t> RecordUsage(const std::vector<UsageReading>& readings) = 0;
  // Stores the response unless (account, response_id) exists; returns the stored one.
  virtual absl::StatusOr<SurveyResponse> RecordSurvey(const SurveyResponse& response) = 0;
  virtual absl::StatusOr<ValueRecord> RecordValue(const ValueRecord& record) = 0;
  // Signals of one account in [start, end] by day; `metric` narrows usage.
  virtual absl::StatusOr<SignalWindow> ListSignals(const std::string& account_id, SignalFilter kind,
                                                   const std::string& metric, absl::CivilDay start,
                                                   absl::CivilDay end) = 0;
  // What scoring `account_ids` as of `as_of` needs, in four queries: the presence readings
  // of the last 7 days (the largest per day), each use case with an event in the last 28
  // days (as one reading), surveys of the last 90 days, value records of the last 366.
  virtual absl::StatusOr<std::map<std::string, SignalWindow>> LoadScoringSignals(
      const std::vector<std::string>& account_ids, absl::CivilDay as_of) = 0;

  // The readings of `metrics` and (when `surveys`) the survey responses of `account_ids`
  // from `first` to `end`: what daily series (domain/series.h) read.
  virtual absl::StatusOr<std::map<std::string, SignalWindow>> LoadSeriesSignals(
      const std::vector<std::string>& account_ids, const std::vector<std::string>& metrics, bool surveys,
      absl::CivilDay first, absl::CivilDay end) = 0;

  // Scorecards. The default one exists from the first migration on (see EnsureDefaultScorecard).
  virtual absl::Status EnsureDefaultScorecard(const Scorecard& scorecard) = 0;
  virtual absl::StatusOr<Scorecard> GetScorecard(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<Scorecard>> ListScorecards() = 0;
  // The writes below each leave an audit entry (db/audit.h) in their transaction.
  // With `idempotency`, a replay of its request id returns the first response (see
  // db::CreateIdempotently).
  virtual absl::StatusOr<CreateResult> CreateScorecard(const Scorecard& scorecard, const WriteContext& context,
                                                       const std::optional<IdempotencyRecord>& idempotency) = 0;
  // Read-modify-write; the version is bumped when `mutate` succeeds (update time: the context's now).
  virtual absl::StatusOr<Scorecard> UpdateScorecard(const std::string& id,
                                                    const std::function<absl::Status(Scorecard&)>& mutate,
                                                    const WriteContext& context) = 0;
  virtual absl::Status AssignScorecard(const std::string& account_id, const std::string& scorecard_id,
                                       const WriteContext& context) = 0;
  // account id → scorecard id, for those assigned one.
  virtual absl::StatusOr<std::map<std::string, std::string>> Assignments(const std::vector<std::string>& account_ids) = 0;

  virtual absl::Status SetOverride(const std::string& account_id, const Override& override,
                                   const WriteContext& context) = 0;
  virtual absl::StatusOr<bool> ClearOverride(const std::string& account_id, const WriteContext& context) = 0;
  virtual absl::StatusOr<std::map<std::string, Override>> Overrides(const std::vector<std::string>& account_ids) = 0;

  // Stores the day's scores (replacing a re-run's), moves each account's latest score
  // forward and records a change when band or quadrant differ from the previous latest; for
  // ScoreCause::kSignal, a change for every account whose latest moved (live watchers and the
  // handoff service re-evaluate those). Returns the number of band or quadrant changes.
  virtual absl::StatusOr<int64_t> StoreScores(const std::vector<StoredScore>& scores,
                                              ScoreCause cause = ScoreCause::kRescore) = 0;
  // The scores stored for `day` of those of `account_ids` that have one, with their detail.
  virtual absl::StatusOr<std::vector<StoredScore>> GetScores(const std::vector<std::string>& account_ids,
                                                             absl::CivilDay day) = 0;
  // Overall scores stored for `day`, for the trend.
  virtual absl::StatusOr<std::map<std::string, std::optional<double>>> OverallOn(
      const std::vector<std::string>& account_ids, absl::CivilDay day) = 0;
  virtual absl::StatusOr<std::vector<StoredScore>> ListLatest(const LatestFilter& filter) = 0;
  virtual absl::StatusOr<std::vector<StoredScore>> History(const std::string& account_id, absl::CivilDay start,
                                                           absl::CivilDay end) = 0;
  // Up to `limit` changes after `sequence`, oldest first, stopping before one that may still be
  // followed by an earlier uncommitted change (db::DeliverableChanges, at `now`).
  virtual absl::StatusOr<std::vector<HealthChangeRecord>> ChangesAfter(int64_t sequence, int limit, absl::Time now) = 0;
  virtual absl::StatusOr<int64_t> LastChangeSequence() = 0;

  // Live health. Every write above that changes an input of a score (usage, surveys, value
  // records, overrides, an assignment, a new version of an assigned scorecard) marks the
  // account in its transaction; MarkAccounts marks others (inputs changed elsewhere: the
  // accounts' own fields), saving `position` in a followed stream in the same transaction.
  virtual absl::Status MarkAccounts(const std::vector<std::string>& account_ids,
                                    const std::optional<db::StreamPosition>& position = std::nullopt) = 0;
  // Marks the accounts whose override expired at or before `now`, each expiry once.
  virtual absl::Status MarkExpiredOverrides(absl::Time now) = 0;
  // The stored position in followed stream `stream` (db::LoadStreamCursor).
  virtual absl::StatusOr<std::string> StreamCursor(const std::string& stream) = 0;
  // Gives `rescore` up to `limit` marked accounts, oldest mark first, that no other claimer
  // holds (their marks stay locked meanwhile); the marks are removed when it returns OK and kept
  // when it fails or the process dies. OK with nothing claimed calls `rescore` with none.
  virtual absl::Status ClaimMarks(int limit,
                                  const std::function<absl::Status(const std::vector<std::string>&)>& rescore) = 0;
};

}  // namespace flywheel::health
