// HealthRepository on MariaDB (tables of migrations/0001_create_health.sql).
#pragma once

#include <utility>

#include "common/db/connection_pool.h"
#include "common/db/run_pieces.h"
#include "services/health/storage/health_repository.h"

namespace flywheel::health {

class MysqlHealthRepository : public HealthRepository {
 public:
  // RecordUsage writes a large set of readings as pieces through `run_pieces`
  // (common/db/run_pieces.h). `mark_inputs`: writes of score inputs mark their accounts for
  // live rescoring (off when nothing drains the marks: scores then move only by rescores).
  explicit MysqlHealthRepository(db::ConnectionPool& pool, db::RunPieces run_pieces = db::RunInOrder,
                                 bool mark_inputs = true)
      : pool_(pool), run_pieces_(std::move(run_pieces)), mark_inputs_(mark_inputs) {}

  absl::StatusOr<int64_t> RecordUsage(const std::vector<UsageReading>& readings) override;
  absl::StatusOr<SurveyResponse> RecordSurvey(const SurveyResponse& response) override;
  absl::StatusOr<ValueRecord> RecordValue(const ValueRecord& record) override;
  absl::StatusOr<SignalWindow> ListSignals(const std::string& account_id, SignalFilter kind, const std::string& metric,
                                           absl::CivilDay start, absl::CivilDay end) override;
  absl::StatusOr<std::map<std::string, SignalWindow>> LoadScoringSignals(const std::vector<std::string>& account_ids,
                                                                         absl::CivilDay as_of) override;
  absl::StatusOr<std::map<std::string, SignalWindow>> LoadSeriesSignals(const std::vector<std::string>& account_ids,
                                                                       const std::vector<std::string>& metrics,
                                                                       bool surveys, absl::CivilDay first,
                                                                       absl::CivilDay end) override;
  absl::Status EnsureDefaultScorecard(const Scorecard& scorecard) override;
  absl::StatusOr<Scorecard> GetScorecard(const std::string& id) override;
  absl::StatusOr<std::vector<Scorecard>> ListScorecards() override;
  absl::StatusOr<CreateResult> CreateScorecard(const Scorecard& scorecard, const WriteContext& context,
                                               const std::optional<IdempotencyRecord>& idempotency) override;
  absl::StatusOr<Scorecard> UpdateScorecard(const std::string& id, const std::function<absl::Status(Scorecard&)>& mutate,
                                            const WriteContext& context) override;
  absl::Status AssignScorecard(const std::string& account_id, const std::string& scorecard_id,
                               const WriteContext& context) override;
  absl::StatusOr<std::map<std::string, std::string>> Assignments(const std::vector<std::string>& account_ids) override;
  absl::Status SetOverride(const std::string& account_id, const Override& override, const WriteContext& context) override;
  absl::StatusOr<bool> ClearOverride(const std::string& account_id, const WriteContext& context) override;
  absl::StatusOr<std::map<std::string, Override>> Overrides(const std::vector<std::string>& account_ids) override;
  absl::StatusOr<int64_t> StoreScores(const std::vector<StoredScore>& scores,
                                      ScoreCause cause = ScoreCause::kRescore) override;
  absl::StatusOr<std::vector<StoredScore>> GetScores(const std::vector<std::string>& account_ids,
                                                     absl::CivilDay day) override;
  absl::StatusOr<std::map<std::string, std::optional<double>>> OverallOn(const std::vector<std::string>& account_ids,
                                                                         absl::CivilDay day) override;
  absl::StatusOr<std::vector<StoredScore>> ListLatest(const LatestFilter& filter) override;
  absl::StatusOr<std::vector<StoredScore>> History(const std::string& account_id, absl::CivilDay start,
                                                   absl::CivilDay end) override;
  absl::StatusOr<std::vector<HealthChangeRecord>> ChangesAfter(int64_t sequence, int limit, absl::Time now) override;
  absl::StatusOr<int64_t> LastChangeSequence() override;
  absl::Status MarkAccounts(const std::vector<std::string>& account_ids,
                            const std::optional<db::StreamPosition>& position = std::nullopt) override;
  absl::StatusOr<std::string> StreamCursor(const std::string& stream) override;
  absl::Status MarkExpiredOverrides(absl::Time now) override;
  absl::Status ClaimMarks(int limit,
                          const std::function<absl::Status(const std::vector<std::string>&)>& rescore) override;

 private:
  db::ConnectionPool& pool_;
  db::RunPieces run_pieces_;
  bool mark_inputs_;
};

}  // namespace flywheel::health
