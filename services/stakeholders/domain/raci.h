// RACI for an activity (DESIGN §3): exactly one Accountable, who must have decision
// authority; at least one Responsible; more than five Consulted + Informed is allowed but
// reported as a warning. A violation is rejected with every broken rule listed.
#pragma once

#include <string>
#include <vector>

#include "common/status/errors.h"
#include "services/stakeholders/domain/stakeholder.h"

namespace flywheel::stakeholders {

enum class RaciLetter { kResponsible = 1, kAccountable, kConsulted, kInformed };

struct RaciAssignment {
  std::string stakeholder_id;
  RaciLetter letter = RaciLetter::kResponsible;
};

inline constexpr int kMaxConsultedAndInformed = 5;

struct RaciCheck {
  FieldViolations violations;      // empty when the assignments may be stored
  std::vector<std::string> warnings;
};

// Checks `assignments` against the account's live `stakeholders` (to know who exists and
// who has decision authority). Violations name "assignments" or "assignments[i]…".
RaciCheck CheckRaci(const std::vector<RaciAssignment>& assignments, const std::vector<Stakeholder>& stakeholders);

}  // namespace flywheel::stakeholders
