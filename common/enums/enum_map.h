// One table per enum and representation: each domain value beside its proto value (in a grpc/
// adapter) or its stored number (in storage/), written once. Lookups both ways are constexpr, so
// a table is checked when it is compiled (static_assert(kTable.OneToOne())), and reordering or
// renumbering an enum cannot silently change what is on the wire or on disk. SQL names stored
// values through the table (StoredList), never as bare numbers.
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/errors.h"

namespace flywheel {

template <typename Domain, typename Other, size_t N>
struct EnumMap {
  std::array<std::pair<Domain, Other>, N> pairs;

  // The other representation of `value`; every domain value is in the table (OneToOne()).
  constexpr Other To(Domain value) const {
    for (const auto& p : pairs) {
      if (p.first == value) return p.second;
    }
    return Other{};
  }
  // The domain value of `other`; nullopt for one the table does not hold (an unknown number).
  constexpr std::optional<Domain> From(Other other) const {
    for (const auto& p : pairs) {
      if (p.second == other) return p.first;
    }
    return std::nullopt;
  }
  // No value twice on either side.
  constexpr bool OneToOne() const {
    for (size_t i = 0; i < N; ++i) {
      for (size_t j = i + 1; j < N; ++j) {
        if (pairs[i].first == pairs[j].first || pairs[i].second == pairs[j].second) return false;
      }
    }
    return true;
  }
};

// A proto enum field of a request: nullopt when unset (0); else its domain value, or nullopt and
// a violation on `field` for a number the table does not hold.
template <typename Domain, typename Proto, size_t N>
std::optional<Domain> FromRequest(const EnumMap<Domain, Proto, N>& map, int value, const std::string& field,
                                  FieldViolations& v) {
  if (value == 0) return std::nullopt;
  std::optional<Domain> domain = map.From(static_cast<Proto>(value));
  if (!domain) v.Add(field, absl::StrCat(value, " is not a known value"));
  return domain;
}

// A stored column's domain value: a number this build does not know (written by a newer one)
// reads as the table's first value, which each stored table makes its "unknown" or default.
template <typename Domain, size_t N>
constexpr Domain FromStored(const EnumMap<Domain, int, N>& stored, int value) {
  return stored.From(value).value_or(stored.pairs[0].first);
}

// "1, 2, 5": the stored numbers of `values`, for an SQL IN list.
template <typename Domain, size_t N>
std::string StoredList(const EnumMap<Domain, int, N>& stored, std::initializer_list<Domain> values) {
  std::string out;
  for (Domain v : values) absl::StrAppend(&out, out.empty() ? "" : ", ", stored.To(v));
  return out;
}

}  // namespace flywheel
