// The gRPC adapter of flywheel.handoff.v1.HandoffService: decodes requests, calls the use
// cases (app/handoff_use_cases.h, app/webhook_use_cases.h) on worker threads and encodes their
// answers, and runs exception reports (ReportRunner), unary or streamed. The accounts and
// stakeholders clients serve the use cases as their peers. It also runs the live parts: it
// follows health's changes (live exceptions, band-change webhooks), streams exception events
// (WatchExceptions) and dispatches webhook deliveries.
#pragma once

#include "common/concurrency/polling_worker.h"
#include "common/server/service_context.h"
#include "common/server/stream_follower.h"
#include "flywheel/handoff/v1/handoff.grpc.pb.h"
#include "services/handoff/app/handoff_use_cases.h"
#include "services/handoff/app/report_runner.h"
#include "services/handoff/app/webhook_use_cases.h"
#include "services/handoff/grpc/report_sources.h"

namespace flywheel::handoff {

class HandoffServiceImpl final : public v1::HandoffService::CallbackService {
 public:
  HandoffServiceImpl(ServiceContext& context, HandoffRepository& handoffs, ExceptionRepository& exceptions,
                     WebhookRepository& webhooks, Upstreams upstreams);

  using Unary = grpc::ServerUnaryReactor;
  using Ctx = grpc::CallbackServerContext;

  Unary* CreateSuccessPath(Ctx*, const v1::CreateSuccessPathRequest*, v1::SuccessPath*) override;
  Unary* GetSuccessPath(Ctx*, const v1::GetSuccessPathRequest*, v1::SuccessPath*) override;
  Unary* ListSuccessPaths(Ctx*, const v1::ListSuccessPathsRequest*, v1::ListSuccessPathsResponse*) override;
  Unary* UpdateSuccessPath(Ctx*, const v1::UpdateSuccessPathRequest*, v1::SuccessPath*) override;
  Unary* DeleteSuccessPath(Ctx*, const v1::DeleteSuccessPathRequest*, v1::DeleteSuccessPathResponse*) override;
  Unary* AssignPath(Ctx*, const v1::AssignPathRequest*, v1::PathAssignment*) override;
  Unary* GetPathProgress(Ctx*, const v1::GetPathProgressRequest*, v1::PathProgress*) override;

  Unary* CreateHandoff(Ctx*, const v1::CreateHandoffRequest*, v1::Handoff*) override;
  Unary* GetHandoff(Ctx*, const v1::GetHandoffRequest*, v1::Handoff*) override;
  Unary* ListHandoffs(Ctx*, const v1::ListHandoffsRequest*, v1::ListHandoffsResponse*) override;
  Unary* UpdateHandoff(Ctx*, const v1::UpdateHandoffRequest*, v1::Handoff*) override;
  Unary* SubmitHandoff(Ctx*, const v1::SubmitHandoffRequest*, v1::Handoff*) override;
  Unary* AcceptHandoff(Ctx*, const v1::AcceptHandoffRequest*, v1::Handoff*) override;
  Unary* RejectHandoff(Ctx*, const v1::RejectHandoffRequest*, v1::Handoff*) override;
  Unary* CancelHandoff(Ctx*, const v1::CancelHandoffRequest*, v1::Handoff*) override;

  Unary* ListRules(Ctx*, const v1::ListRulesRequest*, v1::ListRulesResponse*) override;
  Unary* UpdateRule(Ctx*, const v1::UpdateRuleRequest*, v1::ExceptionRule*) override;
  Unary* RunExceptionReport(Ctx*, const v1::RunExceptionReportRequest*, v1::ReportRun*) override;
  grpc::ServerWriteReactor<v1::ExceptionReportEvent>* StreamExceptionReport(
      Ctx*, const v1::RunExceptionReportRequest*) override;

  Unary* GetException(Ctx*, const v1::GetExceptionRequest*, v1::Exception*) override;
  Unary* ListExceptions(Ctx*, const v1::ListExceptionsRequest*, v1::ListExceptionsResponse*) override;
  Unary* AcknowledgeException(Ctx*, const v1::AcknowledgeExceptionRequest*, v1::Exception*) override;
  Unary* ResolveException(Ctx*, const v1::ResolveExceptionRequest*, v1::Exception*) override;
  Unary* DismissException(Ctx*, const v1::DismissExceptionRequest*, v1::Exception*) override;
  Unary* SnoozeException(Ctx*, const v1::SnoozeExceptionRequest*, v1::Exception*) override;
  Unary* ReassignException(Ctx*, const v1::ReassignExceptionRequest*, v1::Exception*) override;

  grpc::ServerUnaryReactor* ListAuditEntries(Ctx* ctx, const v1::ListAuditEntriesRequest* request,
                                             v1::ListAuditEntriesResponse* response) override;
  grpc::ServerWriteReactor<v1::ExceptionEvent>* WatchExceptions(Ctx* ctx, const v1::WatchExceptionsRequest* request) override;

  // Webhooks (grpc/webhook_rpcs.cc).
  Unary* CreateWebhook(Ctx*, const v1::CreateWebhookRequest*, v1::Webhook*) override;
  Unary* ListWebhooks(Ctx*, const v1::ListWebhooksRequest*, v1::ListWebhooksResponse*) override;
  Unary* DeleteWebhook(Ctx*, const v1::DeleteWebhookRequest*, v1::DeleteWebhookResponse*) override;
  Unary* TestWebhook(Ctx*, const v1::TestWebhookRequest*, v1::WebhookDelivery*) override;
  Unary* ListWebhookDeliveries(Ctx*, const v1::ListWebhookDeliveriesRequest*, v1::ListWebhookDeliveriesResponse*) override;
  Unary* ReplayWebhookDeliveries(Ctx*, const v1::ReplayWebhookDeliveriesRequest*,
                                 v1::ReplayWebhookDeliveriesResponse*) override;

 private:
  class ReportStream;

  absl::CivilDay Today() const;
  // Runs a person's action on an exception and answers the exception as it now is.
  Unary* AnswerException(Ctx* ctx, const char* method, v1::Exception* response,
                         std::function<absl::StatusOr<StoredException>()> act);
  absl::StatusOr<ReportRequest> CheckedReportRequest(const v1::RunExceptionReportRequest& request) const;

  ServiceContext& context_;
  HandoffRepository& handoffs_;
  ExceptionRepository& exceptions_;
  ClientReportSources report_sources_;
  ReportRunner runner_;
  // The accounts and stakeholders services as the use cases see them.
  struct AccountsClientPeer : AccountsPeer {
    explicit AccountsClientPeer(accounts::AccountsClient& c) : client(c) {}
    absl::Status RequireLive(const std::string& account_id) override;
    absl::StatusOr<bool> HasValueTarget(const std::string& account_id) override;
    absl::Status Move(const std::string& account_id, std::optional<AccountStage> stage,
                      std::optional<std::string> csm_owner) override;
    accounts::AccountsClient& client;
  };
  struct StakeholdersClientPeer : StakeholdersPeer {
    explicit StakeholdersClientPeer(stakeholders::StakeholdersClient& c) : client(c) {}
    absl::StatusOr<Roles> RolesHeld(const std::string& account_id) override;
    stakeholders::StakeholdersClient& client;
  };
  AccountsClientPeer accounts_peer_;
  StakeholdersClientPeer stakeholders_peer_;
  HandoffUseCases use_cases_;
  WebhookUseCases webhooks_;
  // Queues exception events for the endpoints and tries due deliveries, for as long as the
  // service runs (every replica: claims take each delivery once).
  PollingWorker webhook_dispatcher_;
  // With live exceptions, health's change stream (every rescore, band moved or not), followed
  // for as long as the service runs: each change re-evaluates its account's rules.
  using HealthFollower = StreamFollower<health::v1::WatchHealthRequest, health::v1::HealthChange>;
  std::unique_ptr<HealthFollower> FollowHealth(health::HealthClient& health);
  std::unique_ptr<HealthFollower> health_follower_;
};

}  // namespace flywheel::handoff
