#include "services/stakeholders/domain/coverage.h"

namespace flywheel::stakeholders {

Coverage ComputeCoverage(const std::vector<Stakeholder>& stakeholders) {
  Coverage c;
  for (Role role : kAllRoles) c.roles.push_back({role});
  for (const auto& s : stakeholders) {
    if (s.deleted()) continue;
    RoleCoverage& rc = c.roles[static_cast<int>(s.role) - 1];
    ++rc.stakeholders;
    rc.engaged += IsEngaged(s.engagement) ? 1 : 0;
    ++c.stakeholders;
  }
  for (const auto& rc : c.roles) {
    if (rc.stakeholders == 0) c.missing_roles.push_back(rc.role);
  }
  c.complete = c.missing_roles.empty();
  c.single_threaded = c.stakeholders == 1;
  return c;
}

}  // namespace flywheel::stakeholders
