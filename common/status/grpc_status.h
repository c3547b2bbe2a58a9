// The one place where absl::Status and grpc::Status are converted. Payloads of the
// absl::Status become the `details` of a google.rpc.Status sent in the error-details
// trailer, so any gRPC client can read BadRequest, PreconditionFailure and ErrorInfo.
#pragma once

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace flywheel {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace flywheel
