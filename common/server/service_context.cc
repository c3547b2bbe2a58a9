#include "common/server/service_context.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging/log.h"
#include "common/metrics/metrics.h"
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
  absl::Time start = absl::Now();
  bool queued = workers.Submit([reactor, context, method, start, work = std::move(work)] {
    absl::Status status = context->IsCancelled() ? absl::CancelledError("call cancelled before it ran")
                                                 : work();
    log::Write(status.ok() || status.code() == absl::StatusCode::kNotFound ? log::Level::kDebug
                                                                           : log::Level::kInfo,
               "rpc", {{"method", method},
                       {"code", absl::StatusCodeToString(status.code())},
                       {"latency_ms", absl::StrCat(absl::ToDoubleMilliseconds(absl::Now() - start))},
                       {"error", std::string(status.message())}});
    metrics::RecordRpc(method, status.code(), absl::ToDoubleSeconds(absl::Now() - start));
    reactor->Finish(ToGrpcStatus(status));
  });
  if (!queued) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "server is overloaded or draining; retry"));
  }
  return reactor;
}

}  // namespace flywheel
