#include "common/server/call_record.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging/log.h"
#include "common/metrics/metrics.h"

namespace flywheel {
namespace {

std::string Metadata(const grpc::ServerContextBase* context, const char* key) {
  const auto& metadata = context->client_metadata();
  auto it = metadata.find(key);
  return it == metadata.end() ? "" : std::string(it->second.data(), it->second.size());
}

// Codes that say the server, not the caller, has a problem.
bool ServerSide(absl::StatusCode code) {
  return code == absl::StatusCode::kInternal || code == absl::StatusCode::kUnknown ||
         code == absl::StatusCode::kUnavailable || code == absl::StatusCode::kDataLoss ||
         code == absl::StatusCode::kDeadlineExceeded;
}

}  // namespace

CallRecord::CallRecord(const grpc::ServerContextBase* context, const char* method, std::string principal)
    : method_(method),
      start_(absl::Now()),
      principal_(std::move(principal)),
      request_id_(Metadata(context, "x-request-id")) {}

void CallRecord::Finished(const absl::Status& status) const {
  double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
  metrics::RecordRpc(method_, status.code(), seconds);
  log::Level level = ServerSide(status.code()) ? log::Level::kWarning : log::Level::kInfo;
  if (!log::Enabled(level)) return;
  std::vector<std::pair<std::string, std::string>> fields = {
      {"method", method_},
      {"code", absl::StatusCodeToString(status.code())},
      {"latency_ms", absl::StrCat(seconds * 1000)}};
  if (!principal_.empty()) fields.push_back({"principal", principal_});
  if (!request_id_.empty()) fields.push_back({"request_id", request_id_});
  if (!status.ok()) fields.push_back({"error", std::string(status.message())});
  log::Write(level, "rpc", fields);
}

void CallRecord::Finished(const grpc::Status& status) const {
  Finished(absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message()));
}

}  // namespace flywheel
