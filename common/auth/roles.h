// The roles a token can carry and what each grants, against the access level every RPC declares
// in the contracts (flywheel.type.v1.Access): viewer reads; integration upserts and ingests
// signals only; editor reads and writes (upserts and ingest included); admin may do everything,
// scorecards, rules and deletes among it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "flywheel/type/v1/access.pb.h"

namespace flywheel::auth {

enum class Role { kViewer, kIntegration, kEditor, kAdmin };

// "viewer", "integration", "editor", "admin"; nullopt for any other name.
std::optional<Role> ParseRole(absl::string_view name);
const char* RoleName(Role role);

// True when one of `roles` grants `access`. Nothing grants ACCESS_UNSPECIFIED.
bool Grants(const std::vector<Role>& roles, type::v1::Access access);

// The role names that grant `access`, for error messages ("editor or admin").
std::string RolesGranting(type::v1::Access access);

}  // namespace flywheel::auth
