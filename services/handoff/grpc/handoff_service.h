// The gRPC adapter of flywheel.handoff.v1.HandoffService: checks and converts requests,
// reads accounts and coverage through their services for the handoff gates, moves the
// account's lifecycle on accept, runs exception reports (ReportRunner) and runs the
// repositories on worker threads.
#pragma once

#include "common/server/service_context.h"
#include "flywheel/handoff/v1/handoff.grpc.pb.h"
#include "services/handoff/grpc/report_runner.h"

namespace flywheel::handoff {

class HandoffServiceImpl final : public v1::HandoffService::CallbackService {
 public:
  HandoffServiceImpl(ServiceContext& context, HandoffRepository& handoffs, ExceptionRepository& exceptions,
                     Upstreams upstreams)
      : context_(context),
        handoffs_(handoffs),
        exceptions_(exceptions),
        upstreams_(upstreams),
        report_sources_(upstreams),
        runner_(handoffs, exceptions, report_sources_, context.clock) {}

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

 private:
  class ReportStream;

  absl::CivilDay Today() const;
  // Moves handoff `id` to `to` when the etag matches and the transition is allowed; `apply`
  // sets the rest (submit or accept time, reason).
  absl::StatusOr<Handoff> Transition(Ctx* ctx, const std::string& id, const std::string& etag, HandoffState to,
                                     const std::string& reason, const std::function<void(Handoff&)>& apply,
                                     std::optional<absl::CivilDay> start_path_on = std::nullopt);
  // A user action on exception `id`: the transition to `to`, then `apply`.
  Unary* ExceptionAction(Ctx* ctx, const char* method, const std::string& id, const std::string& etag,
                         ExceptionStatus to, FieldViolations checks, std::function<void(StoredException&)> apply,
                         v1::Exception* response);
  absl::StatusOr<ReportRequest> CheckedReportRequest(const v1::RunExceptionReportRequest& request) const;
  absl::Status CheckGates(const Handoff& handoff);

  ServiceContext& context_;
  HandoffRepository& handoffs_;
  ExceptionRepository& exceptions_;
  Upstreams upstreams_;
  ClientReportSources report_sources_;
  ReportRunner runner_;
};

}  // namespace flywheel::handoff
