#include "common/server/service_context.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/server/call_record.h"
#include "common/status/grpc_status.h"

namespace flywheel {

std::string PrincipalOf(const grpc::CallbackServerContext* context) {
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("x-flywheel-principal");
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

grpc::ServerUnaryReactor* RunUnary(grpc::CallbackServerContext* context, WorkerPool& workers,
                                   const char* method, std::function<absl::Status()> work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  CallRecord record(context, method);
  bool queued = workers.Submit([reactor, context, record, work = std::move(work)] {
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
