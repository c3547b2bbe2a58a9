// libFuzzer target: request validation of the accounts service. Any bytes are parsed as an
// UpsertAccountRequest (the widest account request) and checked as the service checks it; the
// resulting error must be INVALID_ARGUMENT naming fields, and small enough for the response
// trailers whatever the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "services/accounts/domain/validation.h"
#include "services/accounts/grpc/account_proto.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  flywheel::accounts::v1::UpsertAccountRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  flywheel::FieldViolations violations;
  flywheel::accounts::Account account = flywheel::accounts::FromProto(request.account(), violations);
  flywheel::accounts::ValidateAccount(account, violations);
  std::vector<std::string> paths(request.update_mask().paths().begin(), request.update_mask().paths().end());
  flywheel::CheckMask(flywheel::accounts::WritableFields(), paths, "update_mask", false, violations);
  absl::Status status = violations.ToStatus();
  if (violations.empty()) return 0;
  if (status.code() != absl::StatusCode::kInvalidArgument) std::abort();
  if (flywheel::GetFieldViolations(status).empty()) std::abort();
  grpc::Status wire = flywheel::ToGrpcStatus(status);
  if (wire.error_message().size() + wire.error_details().size() > 8192) std::abort();
  return 0;
}
