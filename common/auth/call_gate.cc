#include "common/auth/call_gate.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"

namespace flywheel::auth {
namespace {

std::string Header(const grpc::ServerContextBase* context, absl::string_view name) {
  const auto& metadata = context->client_metadata();
  auto it = metadata.find(grpc::string_ref(name.data(), name.size()));
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

absl::StatusOr<CallGate> CallGate::Create(absl::string_view service_full_name, VerificationKeys keys,
                                          const Clock& clock) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(std::string(service_full_name));
  if (service == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("service ", service_full_name, " is not linked in"));
  }
  CallGate gate(std::move(keys), clock);
  for (int i = 0; i < service->method_count(); ++i) {
    const google::protobuf::MethodDescriptor* method = service->method(i);
    type::v1::Access access = method->options().GetExtension(type::v1::access);
    if (access == type::v1::ACCESS_UNSPECIFIED) {
      return absl::FailedPreconditionError(
          absl::StrCat("method ", method->full_name(), " declares no (flywheel.type.v1.access)"));
    }
    gate.access_[method->name()] = access;
  }
  return gate;
}

absl::StatusOr<Caller> CallGate::Authenticate(const grpc::ServerContextBase* context) const {
  std::string header = Header(context, "authorization");
  if (header.empty()) return absl::UnauthenticatedError("authorization: Bearer <token> is required");
  absl::string_view token = header;
  if (!absl::ConsumePrefix(&token, "Bearer ") && !absl::ConsumePrefix(&token, "bearer ")) {
    return absl::UnauthenticatedError("authorization must be \"Bearer <token>\"");
  }
  token = absl::StripAsciiWhitespace(token);
  absl::Time now = clock_->Now();
  if (std::optional<Caller> known = verified_->Find(token, now)) return *known;
  absl::StatusOr<Caller> caller = VerifyToken(token, keys_, now);
  if (caller.ok()) verified_->Add(token, *caller);
  return caller;
}

absl::StatusOr<Caller> CallGate::Admit(const grpc::ServerContextBase* context, absl::string_view method) const {
  auto it = access_.find(std::string(method));
  type::v1::Access access = it == access_.end() ? type::v1::ACCESS_UNSPECIFIED : it->second;
  if (!enabled()) {
    std::string principal = Header(context, "x-flywheel-principal");
    if (principal.size() > kMaxPrincipalBytes) {
      return absl::UnauthenticatedError(absl::StrCat("x-flywheel-principal: ", PrincipalProblem(principal)));
    }
    return Caller{std::move(principal), {Role::kViewer, Role::kIntegration, Role::kEditor, Role::kAdmin}};
  }
  absl::StatusOr<Caller> caller = Authenticate(context);
  if (!caller.ok()) return caller.status();
  if (!Grants(caller->roles, access)) {
    return absl::PermissionDeniedError(absl::StrCat(method, " needs the role ", RolesGranting(access), "; ",
                                                    caller->principal, " has none of them"));
  }
  return caller;
}

std::string CallGate::PrincipalOf(const grpc::ServerContextBase* context) const {
  if (!enabled()) return Header(context, "x-flywheel-principal");
  absl::StatusOr<Caller> caller = Authenticate(context);
  return caller.ok() ? caller->principal : "";
}

std::string BearerHeader(absl::string_view token) { return absl::StrCat("Bearer ", token); }

}  // namespace flywheel::auth
