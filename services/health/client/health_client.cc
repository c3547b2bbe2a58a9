#include "services/health/client/health_client.h"

#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"

namespace flywheel::health {
namespace {
// NOT_FOUND and bad input keep their codes; anything else means the service could not answer.
absl::Status Mapped(const grpc::Status& s) {
  absl::Status status = FromGrpcStatus(s);
  if (status.ok() || status.code() == absl::StatusCode::kNotFound ||
      status.code() == absl::StatusCode::kInvalidArgument) {
    return status;
  }
  return absl::UnavailableError(absl::StrCat("health service: ", status.message()));
}
}  // namespace

HealthClient::HealthClient(std::shared_ptr<grpc::ChannelInterface> channel, absl::Duration deadline,
                           const auth::OutgoingIdentity& identity)
    : stub_(v1::HealthService::NewStub(channel)), deadline_(deadline), identity_(identity) {}

void HealthClient::StartWatch(grpc::ClientContext* context, const v1::WatchHealthRequest* request,
                              grpc::ClientReadReactor<v1::HealthChange>* reactor) {
  identity_.Apply(context);
  stub_->async()->WatchHealth(context, request, reactor);
}

std::unique_ptr<grpc::ClientContext> HealthClient::NewContext() const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  identity_.Apply(ctx.get());
  return ctx;
}

absl::StatusOr<std::vector<v1::Signal>> HealthClient::ListSignals(v1::ListSignalsRequest request) {
  std::vector<v1::Signal> out;
  request.set_page_size(1000);
  for (;;) {
    v1::ListSignalsResponse resp;
    absl::Status status = Mapped(stub_->ListSignals(NewContext().get(), request, &resp));
    if (!status.ok()) return status;
    for (auto& s : *resp.mutable_signals()) out.push_back(std::move(s));
    if (resp.next_page_token().empty()) return out;
    request.set_page_token(resp.next_page_token());
  }
}

absl::StatusOr<v1::ValueTracking> HealthClient::GetValueTracking(const v1::GetValueTrackingRequest& request) {
  v1::ValueTracking out;
  absl::Status status = Mapped(stub_->GetValueTracking(NewContext().get(), request, &out));
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<v1::BatchGetReportInputsResponse> HealthClient::BatchGetReportInputs(
    const v1::BatchGetReportInputsRequest& request) {
  v1::BatchGetReportInputsResponse out;
  absl::Status status = Mapped(stub_->BatchGetReportInputs(NewContext().get(), request, &out));
  if (!status.ok()) return status;
  return out;
}

}  // namespace flywheel::health
