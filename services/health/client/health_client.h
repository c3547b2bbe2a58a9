// The client other services use to read flywheel.health.v1: one reused channel and stub, a
// deadline on every call, errors mapped back to absl::Status.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth/outgoing_identity.h"
#include "flywheel/health/v1/health.grpc.pb.h"

namespace flywheel::health {

class HealthClient {
 public:
  // `identity` must outlive the client.
  HealthClient(std::shared_ptr<grpc::ChannelInterface> channel, absl::Duration deadline,
               const auth::OutgoingIdentity& identity);

  // Every signal of `request` (all pages).
  absl::StatusOr<std::vector<v1::Signal>> ListSignals(v1::ListSignalsRequest request);
  absl::StatusOr<v1::ValueTracking> GetValueTracking(const v1::GetValueTrackingRequest& request);
  absl::StatusOr<v1::BatchGetReportInputsResponse> BatchGetReportInputs(const v1::BatchGetReportInputsRequest& request);
  // Starts WatchHealth on `context` (no deadline: the stream stays open) for a follower's
  // `reactor` (see StreamFollower).
  void StartWatch(grpc::ClientContext* context, const v1::WatchHealthRequest* request,
                  grpc::ClientReadReactor<v1::HealthChange>* reactor);

 private:
  std::unique_ptr<grpc::ClientContext> NewContext() const;
  std::unique_ptr<v1::HealthService::Stub> stub_;
  absl::Duration deadline_;
  const auth::OutgoingIdentity& identity_;
};

}  // namespace flywheel::health
