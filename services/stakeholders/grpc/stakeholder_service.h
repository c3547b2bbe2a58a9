// The gRPC adapter of flywheel.stakeholders.v1.StakeholderService: decodes requests, calls the
// use cases (app/stakeholder_use_cases.h) on worker threads and encodes their answers; the
// accounts and health clients serve the use cases as their peers.
#pragma once

#include "common/server/service_context.h"
#include "flywheel/stakeholders/v1/stakeholders.grpc.pb.h"
#include "services/accounts/client/accounts_client.h"
#include "services/health/client/health_client.h"
#include "services/stakeholders/app/stakeholder_use_cases.h"
#include "services/stakeholders/storage/stakeholder_repository.h"

namespace flywheel::stakeholders {

class StakeholderServiceImpl final : public v1::StakeholderService::WithRawCallbackMethod_BulkUpsertStakeholders<v1::StakeholderService::CallbackService> {
 public:
  StakeholderServiceImpl(ServiceContext& context, StakeholderRepository& repository,
                         accounts::AccountsClient& accounts, health::HealthClient& health)
      : context_(context),
        repository_(repository),
        accounts_peer_{accounts},
        health_peer_{health},
        use_cases_(repository, accounts_peer_, health_peer_) {}

  grpc::ServerUnaryReactor* CreateStakeholder(grpc::CallbackServerContext*, const v1::CreateStakeholderRequest*,
                                              v1::Stakeholder*) override;
  grpc::ServerUnaryReactor* GetStakeholder(grpc::CallbackServerContext*, const v1::GetStakeholderRequest*,
                                           v1::Stakeholder*) override;
  grpc::ServerUnaryReactor* ListStakeholders(grpc::CallbackServerContext*, const v1::ListStakeholdersRequest*,
                                             v1::ListStakeholdersResponse*) override;
  grpc::ServerUnaryReactor* UpdateStakeholder(grpc::CallbackServerContext*, const v1::UpdateStakeholderRequest*,
                                              v1::Stakeholder*) override;
  grpc::ServerUnaryReactor* DeleteStakeholder(grpc::CallbackServerContext*, const v1::DeleteStakeholderRequest*,
                                              v1::Stakeholder*) override;
  grpc::ServerUnaryReactor* UpsertStakeholder(grpc::CallbackServerContext*, const v1::UpsertStakeholderRequest*,
                                              v1::UpsertStakeholderResponse*) override;
  grpc::ServerReadReactor<grpc::ByteBuffer>* BulkUpsertStakeholders(grpc::CallbackServerContext* ctx, grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetCoverage(grpc::CallbackServerContext*, const v1::GetCoverageRequest*,
                                        v1::Coverage*) override;
  grpc::ServerUnaryReactor* BatchGetCoverage(grpc::CallbackServerContext*, const v1::BatchGetCoverageRequest*,
                                             v1::BatchGetCoverageResponse*) override;
  grpc::ServerUnaryReactor* ListCoverageGaps(grpc::CallbackServerContext*, const v1::ListCoverageGapsRequest*,
                                             v1::ListCoverageGapsResponse*) override;
  grpc::ServerUnaryReactor* CreateRaciActivity(grpc::CallbackServerContext*, const v1::CreateRaciActivityRequest*,
                                               v1::RaciActivity*) override;
  grpc::ServerUnaryReactor* SetRaciAssignments(grpc::CallbackServerContext*, const v1::SetRaciAssignmentsRequest*,
                                               v1::SetRaciAssignmentsResponse*) override;
  grpc::ServerUnaryReactor* GetRaciMatrix(grpc::CallbackServerContext*, const v1::GetRaciMatrixRequest*,
                                          v1::RaciMatrix*) override;
  grpc::ServerUnaryReactor* GetBriefing(grpc::CallbackServerContext*, const v1::GetBriefingRequest*,
                                        v1::Briefing*) override;
  grpc::ServerUnaryReactor* CreateChangeInitiative(grpc::CallbackServerContext*,
                                                   const v1::CreateChangeInitiativeRequest*,
                                                   v1::ChangeInitiative*) override;
  grpc::ServerUnaryReactor* GetChangeInitiative(grpc::CallbackServerContext*, const v1::GetChangeInitiativeRequest*,
                                                v1::ChangeInitiative*) override;
  grpc::ServerUnaryReactor* ListChangeInitiatives(grpc::CallbackServerContext*,
                                                  const v1::ListChangeInitiativesRequest*,
                                                  v1::ListChangeInitiativesResponse*) override;
  grpc::ServerUnaryReactor* AdvanceAdkarStage(grpc::CallbackServerContext*, const v1::AdvanceAdkarStageRequest*,
                                              v1::ChangeInitiative*) override;

  grpc::ServerUnaryReactor* ListAuditEntries(grpc::CallbackServerContext* ctx, const v1::ListAuditEntriesRequest* request,
                                             v1::ListAuditEntriesResponse* response) override;

 private:
  ServiceContext& context_;
  StakeholderRepository& repository_;
  // The accounts service as the use cases see it.
  struct AccountsClientPeer : AccountsPeer {
    explicit AccountsClientPeer(accounts::AccountsClient& c) : client(c) {}
    absl::Status RequireLive(const std::string& account_id) override;
    absl::Status RequireAllLive(const std::vector<std::string>& ids) override;
    absl::StatusOr<IdPage> ListIds(const std::string& csm_owner, const std::string& page_token) override;
    accounts::AccountsClient& client;
  };
  struct HealthClientPeer : HealthPeer {
    explicit HealthClientPeer(health::HealthClient& c) : client(c) {}
    absl::StatusOr<std::vector<MetricPoint>> Usage(const std::string& account_id, const std::string& metric,
                                                   absl::CivilDay start, absl::CivilDay end) override;
    absl::StatusOr<std::vector<std::pair<absl::CivilDay, int>>> CsatResponses(const std::string& account_id,
                                                                              absl::CivilDay start,
                                                                              absl::CivilDay end) override;
    absl::StatusOr<std::optional<ValueFigures>> Value(const std::string& account_id, absl::CivilDay day) override;
    health::HealthClient& client;
  };
  AccountsClientPeer accounts_peer_;
  HealthClientPeer health_peer_;
  StakeholderUseCases use_cases_;
};

}  // namespace flywheel::stakeholders
