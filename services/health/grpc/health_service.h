// The gRPC adapter of flywheel.health.v1.HealthService: decodes requests, calls the use cases
// (app/health_use_cases.h) on worker threads and encodes their answers; streams usage in and
// health changes out; the accounts client serves the use cases as their AccountsPeer. It also
// runs the live parts: the rescorer of marked accounts and the follower of the accounts' changes.
#pragma once

#include "common/concurrency/polling_worker.h"
#include "common/server/service_context.h"
#include "common/server/stream_follower.h"
#include "flywheel/health/v1/health.grpc.pb.h"
#include "services/accounts/client/accounts_client.h"
#include "services/health/app/health_use_cases.h"
#include "services/health/storage/health_repository.h"

namespace flywheel::health {

// Marked accounts a live rescore claims at a time.
inline constexpr int kLiveRescoreBatch = 200;

class HealthServiceImpl final : public v1::HealthService::WithRawCallbackMethod_StreamUsage<v1::HealthService::CallbackService> {
 public:
  HealthServiceImpl(ServiceContext& context, HealthRepository& repository, accounts::AccountsClient& accounts);

  grpc::ServerUnaryReactor* RecordUsage(grpc::CallbackServerContext*, const v1::RecordUsageRequest*,
                                        v1::RecordUsageResponse*) override;
  grpc::ServerReadReactor<grpc::ByteBuffer>* StreamUsage(grpc::CallbackServerContext* ctx, grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RecordSurveyResponse(grpc::CallbackServerContext*, const v1::RecordSurveyResponseRequest*,
                                                 v1::SurveyResponse*) override;
  grpc::ServerUnaryReactor* RecordValue(grpc::CallbackServerContext*, const v1::RecordValueRequest*,
                                        v1::ValueRecord*) override;
  grpc::ServerUnaryReactor* ListSignals(grpc::CallbackServerContext*, const v1::ListSignalsRequest*,
                                        v1::ListSignalsResponse*) override;
  grpc::ServerUnaryReactor* CreateScorecard(grpc::CallbackServerContext*, const v1::CreateScorecardRequest*,
                                            v1::Scorecard*) override;
  grpc::ServerUnaryReactor* GetScorecard(grpc::CallbackServerContext*, const v1::GetScorecardRequest*,
                                         v1::Scorecard*) override;
  grpc::ServerUnaryReactor* ListScorecards(grpc::CallbackServerContext*, const v1::ListScorecardsRequest*,
                                           v1::ListScorecardsResponse*) override;
  grpc::ServerUnaryReactor* UpdateScorecard(grpc::CallbackServerContext*, const v1::UpdateScorecardRequest*,
                                            v1::Scorecard*) override;
  grpc::ServerUnaryReactor* AssignScorecard(grpc::CallbackServerContext*, const v1::AssignScorecardRequest*,
                                            v1::AssignScorecardResponse*) override;
  grpc::ServerUnaryReactor* GetHealth(grpc::CallbackServerContext*, const v1::GetHealthRequest*,
                                      v1::AccountHealth*) override;
  grpc::ServerUnaryReactor* SetOverride(grpc::CallbackServerContext*, const v1::SetOverrideRequest*,
                                        v1::Override*) override;
  grpc::ServerUnaryReactor* ClearOverride(grpc::CallbackServerContext*, const v1::ClearOverrideRequest*,
                                          v1::ClearOverrideResponse*) override;
  grpc::ServerUnaryReactor* GetValueTracking(grpc::CallbackServerContext*, const v1::GetValueTrackingRequest*,
                                             v1::ValueTracking*) override;
  grpc::ServerUnaryReactor* RescorePortfolio(grpc::CallbackServerContext*, const v1::RescorePortfolioRequest*,
                                             v1::RescorePortfolioResponse*) override;
  grpc::ServerUnaryReactor* ListHealth(grpc::CallbackServerContext*, const v1::ListHealthRequest*,
                                       v1::ListHealthResponse*) override;
  grpc::ServerUnaryReactor* GetHealthHistory(grpc::CallbackServerContext*, const v1::GetHealthHistoryRequest*,
                                             v1::GetHealthHistoryResponse*) override;
  grpc::ServerUnaryReactor* GetPortfolioSummary(grpc::CallbackServerContext*, const v1::GetPortfolioSummaryRequest*,
                                                v1::PortfolioSummary*) override;
  grpc::ServerUnaryReactor* BatchGetReportInputs(grpc::CallbackServerContext*, const v1::BatchGetReportInputsRequest*,
                                                 v1::BatchGetReportInputsResponse*) override;
  grpc::ServerWriteReactor<v1::HealthChange>* WatchHealth(grpc::CallbackServerContext*,
                                                          const v1::WatchHealthRequest*) override;

  grpc::ServerUnaryReactor* ListAuditEntries(grpc::CallbackServerContext* ctx, const v1::ListAuditEntriesRequest* request,
                                             v1::ListAuditEntriesResponse* response) override;

 private:
  class StreamUsageReactor;

  absl::CivilDay Today() const;
  // Decodes the readings and records them (see HealthUseCases::RecordUsage).
  absl::StatusOr<int64_t> Record(const v1::RecordUsageRequest& request, int64_t first_index);

  // The accounts service as the use cases see it.
  struct AccountsClientPeer : AccountsPeer {
    explicit AccountsClientPeer(accounts::AccountsClient& c) : client(c) {}
    absl::StatusOr<AccountFacts> Facts(const std::string& account_id) override;
    absl::StatusOr<std::vector<AccountFacts>> AllFacts(const std::vector<std::string>& ids) override;
    absl::Status RequireAllLive(const std::vector<std::string>& ids) override;
    absl::Status ForEach(const std::function<void(const AccountFacts&)>& visit) override;
    void Forget(const std::vector<std::string>& ids) override { client.Forget(ids); }
    accounts::AccountsClient& client;
  };

  ServiceContext& context_;
  HealthRepository& repository_;  // plain reads (signals, lists, changes)
  AccountsClientPeer accounts_peer_;
  HealthUseCases use_cases_;
  // GetHealth's reads of today's stored score (its detail; none when not rescored today),
  // batched under load.
  ReadCoalescer<std::optional<std::string>> stored_reads_;
  // Rescoring of the accounts whose inputs changed, for as long as the service runs (with
  // --live_rescore; otherwise nothing is marked and only RescorePortfolio stores scores).
  std::unique_ptr<PollingWorker> live_rescorer_ =
      context_.config.live_rescore ? std::make_unique<PollingWorker>(
                                         "live rescore",
                                         [this]() -> absl::StatusOr<bool> {
                                           auto scored = use_cases_.RescoreMarked(kLiveRescoreBatch);
                                           if (!scored.ok()) return scored.status();
                                           return *scored > 0;
                                         },
                                         PollingWorker::Options{})
                                   : nullptr;
  // With live rescoring, the accounts' change stream, followed for as long as the service
  // runs: each change marks its account (HealthUseCases::AccountsChanged).
  using AccountsFollower = StreamFollower<accounts::v1::WatchAccountChangesRequest, accounts::v1::AccountChange>;
  std::unique_ptr<AccountsFollower> FollowAccounts(accounts::AccountsClient& accounts);
  std::unique_ptr<AccountsFollower> accounts_follower_;
};

}  // namespace flywheel::health
