#include "common/auth/roles.h"

#include <algorithm>

#include "absl/strings/str_join.h"

namespace flywheel::auth {
namespace {

constexpr Role kAllRoles[] = {Role::kViewer, Role::kIntegration, Role::kEditor, Role::kAdmin};

bool RoleGrants(Role role, type::v1::Access access) {
  switch (access) {
    case type::v1::ACCESS_READ:
      return role == Role::kViewer || role == Role::kEditor || role == Role::kAdmin;
    case type::v1::ACCESS_INGEST:
      return role == Role::kIntegration || role == Role::kEditor || role == Role::kAdmin;
    case type::v1::ACCESS_WRITE:
      return role == Role::kEditor || role == Role::kAdmin;
    case type::v1::ACCESS_ADMIN:
      return role == Role::kAdmin;
    default:
      return false;
  }
}

}  // namespace

std::optional<Role> ParseRole(absl::string_view name) {
  for (Role role : kAllRoles) {
    if (name == RoleName(role)) return role;
  }
  return std::nullopt;
}

const char* RoleName(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kIntegration:
      return "integration";
    case Role::kEditor:
      return "editor";
    case Role::kAdmin:
      return "admin";
  }
  return "";
}

bool Grants(const std::vector<Role>& roles, type::v1::Access access) {
  return std::any_of(roles.begin(), roles.end(), [&](Role role) { return RoleGrants(role, access); });
}

std::string RolesGranting(type::v1::Access access) {
  std::vector<const char*> names;
  for (Role role : kAllRoles) {
    if (RoleGrants(role, access)) names.push_back(RoleName(role));
  }
  return absl::StrJoin(names, " or ");
}

}  // namespace flywheel::auth
