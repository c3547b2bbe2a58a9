#include "common/server/service_context.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/server/call_record.h"
#include "common/status/grpc_status.h"

namespace flywheel {

grpc::ServerUnaryReactor* RunUnary(grpc::CallbackServerContext* context, const ServiceContext& service,
                                   const char* method, std::function<absl::Status()> work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<auth::Caller> caller = service.gate.Admit(context, method);
  CallRecord record(context, method, caller.ok() ? caller->principal : "");
  if (!caller.ok()) {
    record.Finished(caller.status());
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  bool queued = service.workers.Submit([reactor, context, record, work = std::move(work)] {
    absl::Status status = context->IsCancelled() ? absl::CancelledError("call cancelled before it ran")
                                                 : work();
    record.Finished(status);
    reactor->Finish(ToGrpcStatus(status));
  });
  if (!queued) {
    grpc::Status busy(grpc::StatusCode::UNAVAILABLE, "server is overloaded or draining; retry");
    record.Finished(busy);
    reactor->Finish(busy);
  }
  return reactor;
}

}  // namespace flywheel
