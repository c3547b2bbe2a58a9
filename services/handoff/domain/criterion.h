// Milestone criteria: a tiny, safe expression language over signal values, parsed by its own
// recursive-descent parser (no evaluation of arbitrary code).
//
//   criterion  := comparison { "and" comparison }
//   comparison := sum ( ">=" | ">" | "<=" | "<" | "==" | "!=" ) sum
//   sum        := product { ("+" | "-") product }
//   product    := factor { ("*" | "/") factor }
//   factor     := number | name | "(" sum ")" | "-" factor
//   name       := [a-z_][a-z0-9_]* { "." [a-z0-9_]+ }     e.g. active_users_28d, use_case.reporting, seats
//
// Examples: `active_users_28d >= 0.5 * seats`, `use_case.reporting >= 1`, `nps >= 0`.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace flywheel::handoff {

inline constexpr size_t kMaxCriterionLength = 500;

class Criterion {
 public:
  // The parsed criterion; INVALID_ARGUMENT on `field` naming the position (0-based byte
  // offset) and what was expected there.
  static absl::StatusOr<Criterion> Parse(absl::string_view text, absl::string_view field = "criterion");

  // Whether the criterion holds for `values`; nullopt when a name it uses has no value
  // (missing data never counts as achieved) or it divides by zero.
  std::optional<bool> Holds(const std::map<std::string, double>& values) const;

  // Every name the criterion reads.
  const std::set<std::string>& names() const { return names_; }
  const std::string& text() const { return text_; }

  struct Node;

 private:
  std::shared_ptr<const Node> root_;
  std::set<std::string> names_;
  std::string text_;
};

}  // namespace flywheel::handoff
