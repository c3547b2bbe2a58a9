#include "common/server/service_context.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/server/call_record.h"
#include "common/status/grpc_status.h"

namespace flywheel {

WriteContext WriteContextOf(const ServiceContext& service, const grpc::ServerContextBase* context,
                            std::string request_id) {
  return WriteContext{service.gate.PrincipalOf(context), std::move(request_id), service.clock.Now()};
}

std::optional<CallRecord> AdmitUnary(grpc::CallbackServerContext* context, const ServiceContext& service,
                                     const char* method, grpc::ServerUnaryReactor* reactor) {
  absl::StatusOr<auth::Caller> caller = service.gate.Admit(context, method);
  CallRecord record(context, method, caller.ok() ? caller->principal : "");
  if (!caller.ok()) {
    FinishUnary(reactor, record, caller.status());
    return std::nullopt;
  }
  return record;
}

void FinishUnary(grpc::ServerUnaryReactor* reactor, const CallRecord& record, const absl::Status& status) {
  record.Finished(status);
  reactor->Finish(ToGrpcStatus(status));
}

grpc::ServerUnaryReactor* RunUnary(grpc::CallbackServerContext* context, const ServiceContext& service,
                                   const char* method, std::function<absl::Status()> work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::optional<CallRecord> record = AdmitUnary(context, service, method, reactor);
  if (!record) return reactor;
  bool queued = service.workers.Submit([reactor, context, record = *record, work = std::move(work)] {
    absl::Status status = context->IsCancelled() ? CancelledBeforeRunError()
                                                 : work();
    FinishUnary(reactor, record, status);
  });
  if (!queued) FinishUnary(reactor, *record, OverloadedError());
  return reactor;
}

}  // namespace flywheel
