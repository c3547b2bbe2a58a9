#include "services/stakeholders/client/stakeholders_client.h"

#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"

namespace flywheel::stakeholders {

StakeholdersClient::StakeholdersClient(std::shared_ptr<grpc::ChannelInterface> channel, absl::Duration deadline,
                                       const auth::OutgoingIdentity& identity)
    : stub_(v1::StakeholderService::NewStub(channel)), deadline_(deadline), identity_(identity) {}

absl::StatusOr<v1::BatchGetCoverageResponse> StakeholdersClient::BatchGetCoverage(
    const std::vector<std::string>& account_ids) {
  v1::BatchGetCoverageRequest request;
  for (const auto& id : account_ids) request.add_account_ids(id);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  identity_.Apply(&ctx);
  v1::BatchGetCoverageResponse out;
  absl::Status status = FromGrpcStatus(stub_->BatchGetCoverage(&ctx, request, &out));
  if (status.ok()) return out;
  if (status.code() == absl::StatusCode::kInvalidArgument) return status;
  return absl::UnavailableError(absl::StrCat("stakeholders service: ", status.message()));
}

}  // namespace flywheel::stakeholders
