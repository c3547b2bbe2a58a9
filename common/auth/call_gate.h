// Admission of incoming calls: with verification keys configured, every call must carry
// `authorization: Bearer <JWT>` whose roles grant the access its method declares in the
// contract (option flywheel.type.v1.access); no or a bad token is UNAUTHENTICATED, too few rights
// PERMISSION_DENIED. Without keys (development, tests of other things) every call is admitted
// with every role and the principal the caller names in `x-flywheel-principal`. gRPC health and
// reflection are separate services and never pass through here.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth/token.h"
#include "common/auth/verified_tokens.h"
#include "common/clock/clock.h"
#include "flywheel/type/v1/access.pb.h"
#include "grpcpp/grpcpp.h"

namespace flywheel::auth {

class CallGate {
 public:
  // The gate for the service named `service_full_name` (e.g. "flywheel.accounts.v1.AccountService"),
  // whose descriptor must be linked in. FAILED_PRECONDITION when it is unknown or one of its
  // methods declares no access, so a contract cannot ship a method nobody may call.
  static absl::StatusOr<CallGate> Create(absl::string_view service_full_name, VerificationKeys keys,
                                         const Clock& clock);

  bool enabled() const { return !keys_.empty(); }

  // The caller of `method` (the method's short name, e.g. "GetAccount"), or the status to end the
  // call with.
  absl::StatusOr<Caller> Admit(const grpc::ServerContextBase* context, absl::string_view method) const;

  // The principal to record for a call already admitted ("" when none is known).
  std::string PrincipalOf(const grpc::ServerContextBase* context) const;

 private:
  CallGate(VerificationKeys keys, const Clock& clock)
      : keys_(std::move(keys)), clock_(&clock), verified_(std::make_unique<VerifiedTokens>()) {}
  absl::StatusOr<Caller> Authenticate(const grpc::ServerContextBase* context) const;

  VerificationKeys keys_;
  const Clock* clock_;
  std::unique_ptr<VerifiedTokens> verified_;  // (a pointer keeps the gate movable)
  std::unordered_map<std::string, type::v1::Access> access_;  // by method short name
};

// The value of the `authorization` header for `token`.
std::string BearerHeader(absl::string_view token);

}  // namespace flywheel::auth
