// Success paths (happy paths, DESIGN §1 and §3): at most five active per product, each an
// ordered list of milestones with a criterion, a due offset from the path start and remedy
// content; and an account's progress along its path as of a day.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "common/status/errors.h"
#include "common/fields/writable_fields.h"
#include "services/handoff/domain/criterion.h"

namespace flywheel::handoff {

inline constexpr int kMaxActivePathsPerProduct = 5;

struct Milestone {
  std::string key;
  std::string name;
  std::string criterion;  // see criterion.h
  int due_offset_days = 0;
  std::string remedy_title;
  std::string remedy_link;
  friend bool operator==(const Milestone& a, const Milestone& b) {
    return a.key == b.key && a.name == b.name && a.criterion == b.criterion &&
           a.due_offset_days == b.due_offset_days && a.remedy_title == b.remedy_title &&
           a.remedy_link == b.remedy_link;
  }
};

struct SuccessPath {
  std::string id;
  std::string product;
  std::string name;
  bool active = true;
  std::vector<Milestone> milestones;
  int64_t version = 0;
  absl::Time create_time, update_time;
};

// The fields of a path an update may write: name, active, milestones.
const std::vector<WritableField<SuccessPath>>& PathFields();

// Adds a violation (named relative to the path) for every rule `path` breaks: product and
// name 1–100 bytes, 1–20 milestones with unique keys, criteria that parse, due offsets
// 0–730 days and not decreasing, remedy title and link present.
void ValidateSuccessPath(const SuccessPath& path, FieldViolations& violations);

// FAILED_PRECONDITION when activating one more path for a product that already has
// `active_paths` active ones would exceed kMaxActivePathsPerProduct.
absl::Status CheckActivePathLimit(const std::string& product, int active_paths);

enum class MilestoneStatus { kAchieved = 1, kDue, kOverdue };

struct MilestoneProgress {
  std::string key;
  MilestoneStatus status = MilestoneStatus::kDue;
  std::optional<absl::CivilDay> achieved_day;
  absl::CivilDay due_day;
  int days_late = 0;  // for overdue milestones
};

// Each milestone's progress as of `as_of` for a path started on `start`: achieved on the
// first day in [start, as_of] its criterion held (given the signal values of each day from
// `values_on`), else overdue once its due day has passed, else due.
std::vector<MilestoneProgress> PathProgress(const SuccessPath& path, absl::CivilDay start, absl::CivilDay as_of,
                                            const std::function<std::map<std::string, double>(absl::CivilDay)>& values_on);

}  // namespace flywheel::handoff
