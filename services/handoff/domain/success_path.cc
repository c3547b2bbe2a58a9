#include "services/handoff/domain/success_path.h"

#include <set>

#include "absl/strings/str_cat.h"

namespace flywheel::handoff {

const std::vector<WritableField<SuccessPath>>& PathFields() {
  static const auto* fields = new std::vector<WritableField<SuccessPath>>{
      MakeField<SuccessPath, &SuccessPath::name>("name"),
      MakeField<SuccessPath, &SuccessPath::active>("active"),
      MakeField<SuccessPath, &SuccessPath::milestones>("milestones"),
  };
  return *fields;
}

void ValidateSuccessPath(const SuccessPath& p, FieldViolations& v) {
  if (p.product.empty() || p.product.size() > 100) v.Add("product", "must be 1-100 bytes");
  if (p.name.empty() || p.name.size() > 100) v.Add("name", "must be 1-100 bytes");
  if (p.milestones.empty() || p.milestones.size() > 20) v.Add("milestones", "a path has 1-20 milestones");
  std::set<std::string> keys;
  int previous_due = 0;
  for (size_t i = 0; i < p.milestones.size(); ++i) {
    const Milestone& m = p.milestones[i];
    std::string prefix = absl::StrCat("milestones[", i, "].");
    if (m.key.empty() || m.key.size() > 64) v.Add(prefix + "key", "must be 1-64 bytes");
    if (!keys.insert(m.key).second) v.Add(prefix + "key", absl::StrCat("\"", m.key, "\" is used twice"));
    if (m.name.empty() || m.name.size() > 200) v.Add(prefix + "name", "must be 1-200 bytes");
    v.AddFrom(Criterion::Parse(m.criterion, prefix + "criterion").status());
    if (m.due_offset_days < 0 || m.due_offset_days > 730) {
      v.Add(prefix + "due_offset_days", "must be from 0 to 730");
    } else if (m.due_offset_days < previous_due) {
      v.Add(prefix + "due_offset_days", "milestones are ordered: a due offset cannot be earlier than the one before");
    } else {
      previous_due = m.due_offset_days;
    }
    if (m.remedy_title.empty() || m.remedy_title.size() > 200) v.Add(prefix + "remedy_title", "must be 1-200 bytes");
    if (m.remedy_link.empty() || m.remedy_link.size() > 2000) v.Add(prefix + "remedy_link", "must be 1-2000 bytes");
  }
}

absl::Status CheckActivePathLimit(const std::string& product, int active_paths) {
  if (active_paths < kMaxActivePathsPerProduct) return absl::OkStatus();
  return FailedPreconditionError(
      absl::StrCat("product ", product, " already has ", active_paths, " active success paths"),
      {{"PATH_LIMIT", product, absl::StrCat("at most ", kMaxActivePathsPerProduct, " active paths per product")}});
}

std::vector<MilestoneProgress> PathProgress(const SuccessPath& path, absl::CivilDay start, absl::CivilDay as_of,
                                            const std::function<std::map<std::string, double>(absl::CivilDay)>& values_on) {
  std::vector<MilestoneProgress> out;
  std::vector<std::optional<Criterion>> criteria;
  for (const auto& m : path.milestones) {
    auto c = Criterion::Parse(m.criterion);
    criteria.push_back(c.ok() ? std::optional<Criterion>(*c) : std::nullopt);
    out.push_back({m.key, MilestoneStatus::kDue, std::nullopt, start + m.due_offset_days, 0});
  }
  for (absl::CivilDay day = start; day <= as_of; ++day) {
    bool pending = false;
    std::map<std::string, double> values;
    bool loaded = false;
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i].achieved_day || !criteria[i]) continue;
      pending = true;
      if (!loaded) {
        values = values_on(day);
        loaded = true;
      }
      if (criteria[i]->Holds(values) == true) {
        out[i].achieved_day = day;
        out[i].status = MilestoneStatus::kAchieved;
      }
    }
    if (!pending) break;
  }
  for (auto& p : out) {
    if (!p.achieved_day && p.due_day < as_of) {
      p.status = MilestoneStatus::kOverdue;
      p.days_late = static_cast<int>(as_of - p.due_day);
    }
  }
  return out;
}

}  // namespace flywheel::handoff
