// Writable fields of an aggregate, by API name: one table per aggregate drives update masks
// (checked by CheckMask, applied by CopyFields), upserts, change detection and the audit
// trail's list of changed fields. Every Update of every service goes through it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/status/errors.h"

namespace flywheel {

template <typename T>
struct WritableField {
  absl::string_view name;
  std::function<void(const T& from, T& to)> copy;
  std::function<bool(const T& a, const T& b)> same;
};

// The field `Member` of T, called `name` in the API.
template <typename T, auto Member>
WritableField<T> MakeField(absl::string_view name) {
  return {name, [](const T& from, T& to) { to.*Member = from.*Member; },
          [](const T& a, const T& b) { return a.*Member == b.*Member; }};
}

template <typename T>
const WritableField<T>* FindField(const std::vector<WritableField<T>>& fields, absl::string_view name) {
  for (const auto& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// The names of the fields whose values differ between `a` and `b`, in table order.
template <typename T>
std::vector<std::string> ChangedFieldNames(const std::vector<WritableField<T>>& fields, const T& a, const T& b) {
  std::vector<std::string> changed;
  for (const auto& f : fields) {
    if (!f.same(a, b)) changed.emplace_back(f.name);
  }
  return changed;
}

// True when an update with `paths` writes the field `name`: an empty list names every field.
inline bool PathsName(const std::vector<std::string>& paths, absl::string_view name) {
  if (paths.empty()) return true;
  for (const auto& p : paths) {
    if (p == name) return true;
  }
  return false;
}

// Copies the fields that `paths` names (see PathsName) from `from` to `to`; unknown names are
// skipped (masks are validated before).
template <typename T>
void CopyFields(const std::vector<WritableField<T>>& fields, const T& from, const std::vector<std::string>& paths,
                T& to) {
  for (const auto& f : fields) {
    if (PathsName(paths, f.name)) f.copy(from, to);
  }
}

// Checks an update mask (AIP-134) against `fields`: each path that is not a writable field is
// named as "<field>.paths[i]"; an empty mask is refused when `required` (an update) and means
// every field otherwise (an upsert).
template <typename T>
void CheckMask(const std::vector<WritableField<T>>& fields, const std::vector<std::string>& paths,
               absl::string_view field, bool required, FieldViolations& v) {
  if (paths.empty() && required) v.Add(std::string(field), "must name at least one field");
  for (size_t i = 0; i < paths.size(); ++i) {
    if (FindField(fields, paths[i]) == nullptr) {
      v.Add(absl::StrCat(field, ".paths[", i, "]"), absl::StrCat("\"", paths[i], "\" is not a writable field"));
    }
  }
}

// The names of every field but `except`, in table order.
template <typename T>
std::vector<std::string> FieldNamesBut(const std::vector<WritableField<T>>& fields, absl::string_view except = "") {
  std::vector<std::string> names;
  for (const auto& f : fields) {
    if (f.name != except) names.emplace_back(f.name);
  }
  return names;
}

}  // namespace flywheel
