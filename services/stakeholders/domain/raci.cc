#include "services/stakeholders/domain/raci.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"

namespace flywheel::stakeholders {

RaciCheck CheckRaci(const std::vector<RaciAssignment>& assignments, const std::vector<Stakeholder>& stakeholders) {
  RaciCheck out;
  std::map<std::string, const Stakeholder*> by_id;
  for (const auto& s : stakeholders) {
    if (!s.deleted()) by_id[s.id] = &s;
  }
  int accountable = 0, responsible = 0, consulted_informed = 0;
  std::set<std::pair<std::string, RaciLetter>> seen;
  for (size_t i = 0; i < assignments.size(); ++i) {
    const auto& a = assignments[i];
    std::string field = absl::StrCat("assignments[", i, "]");
    auto it = by_id.find(a.stakeholder_id);
    if (it == by_id.end()) {
      out.violations.Add(field + ".stakeholder_id", "is not a live stakeholder of this account");
      continue;
    }
    if (!seen.insert({a.stakeholder_id, a.letter}).second) {
      out.violations.Add(field, "assigns the same letter to the same stakeholder twice");
    }
    switch (a.letter) {
      case RaciLetter::kAccountable:
        ++accountable;
        if (!it->second->decision_authority) {
          out.violations.Add(field + ".stakeholder_id",
                             absl::StrCat(it->second->name, " is Accountable but has no decision authority"));
        }
        break;
      case RaciLetter::kResponsible: ++responsible; break;
      case RaciLetter::kConsulted:
      case RaciLetter::kInformed: ++consulted_informed; break;
    }
  }
  if (accountable == 0) out.violations.Add("assignments", "needs exactly one Accountable; there is none");
  if (accountable > 1) {
    out.violations.Add("assignments", absl::StrCat("needs exactly one Accountable; there are ", accountable));
  }
  if (responsible == 0) out.violations.Add("assignments", "needs at least one Responsible");
  if (consulted_informed > kMaxConsultedAndInformed) {
    out.warnings.push_back(absl::StrCat(consulted_informed, " people are Consulted or Informed (more than ",
                                        kMaxConsultedAndInformed, "): consider a smaller circle"));
  }
  return out;
}

}  // namespace flywheel::stakeholders
