// The client other services use to read flywheel.stakeholders.v1: one reused channel and
// stub, a deadline on every call, errors mapped back to absl::Status.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth/outgoing_identity.h"
#include "flywheel/stakeholders/v1/stakeholders.grpc.pb.h"

namespace flywheel::stakeholders {

class StakeholdersClient {
 public:
  // `identity` must outlive the client.
  StakeholdersClient(std::shared_ptr<grpc::ChannelInterface> channel, absl::Duration deadline,
                     const auth::OutgoingIdentity& identity);

  // Coverage and live stakeholders of `account_ids` (at most 1,000).
  absl::StatusOr<v1::BatchGetCoverageResponse> BatchGetCoverage(const std::vector<std::string>& account_ids);

 private:
  std::unique_ptr<v1::StakeholderService::Stub> stub_;
  absl::Duration deadline_;
  const auth::OutgoingIdentity& identity_;
};

}  // namespace flywheel::stakeholders
