// Structured logging: one JSON object per line on stderr, filtered by a process-wide level.
#pragma once

#include <initializer_list>
#include <string>
#include "absl/strings/string_view.h"
#include <utility>
#include <vector>

namespace flywheel::log {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Parses "debug", "info", "warning" or "error"; false when the name is unknown.
bool ParseLevel(absl::string_view name, Level* level);
void SetLevel(Level level);
// True when lines at `level` are written (callers can skip building fields otherwise).
bool Enabled(Level level);

// Writes {"ts":…,"level":…,"msg":…, key: value…} when `level` is enabled.
void Write(Level level, absl::string_view message,
           std::initializer_list<std::pair<absl::string_view, std::string>> fields = {});
// The same with fields built at run time.
void Write(Level level, absl::string_view message, const std::vector<std::pair<std::string, std::string>>& fields);

inline void Info(absl::string_view m,
                 std::initializer_list<std::pair<absl::string_view, std::string>> f = {}) {
  Write(Level::kInfo, m, f);
}
inline void Warning(absl::string_view m,
                    std::initializer_list<std::pair<absl::string_view, std::string>> f = {}) {
  Write(Level::kWarning, m, f);
}
inline void Error(absl::string_view m,
                  std::initializer_list<std::pair<absl::string_view, std::string>> f = {}) {
  Write(Level::kError, m, f);
}

}  // namespace flywheel::log
