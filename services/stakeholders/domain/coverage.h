// Coverage of an account (DESIGN §3): per role how many stakeholders and how many are
// ENGAGED or better, which roles are missing, complete, single-threaded.
#pragma once

#include <vector>

#include "services/stakeholders/domain/stakeholder.h"

namespace flywheel::stakeholders {

struct RoleCoverage {
  Role role;
  int stakeholders = 0;
  int engaged = 0;
};

struct Coverage {
  std::vector<RoleCoverage> roles;  // all four, in role order
  std::vector<Role> missing_roles;
  bool complete = false;         // every role has at least one stakeholder
  bool single_threaded = false;  // exactly one stakeholder
  int stakeholders = 0;

  bool HasGap() const { return !complete || single_threaded; }
};

// Coverage over the live stakeholders of one account (deleted ones are ignored).
Coverage ComputeCoverage(const std::vector<Stakeholder>& stakeholders);

}  // namespace flywheel::stakeholders
