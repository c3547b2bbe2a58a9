#include "common/logging/log.h"

#include <atomic>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace flywheel::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

constexpr const char* kNames[] = {"debug", "info", "warning", "error"};

void AppendJsonString(std::string* out, absl::string_view s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}
}  // namespace

bool ParseLevel(absl::string_view name, Level* level) {
  for (int i = 0; i < 4; ++i) {
    if (name == kNames[i]) {
      *level = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

void SetLevel(Level level) { g_level = static_cast<int>(level); }

bool Enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

template <typename Fields>
void WriteLine(Level level, absl::string_view message, const Fields& fields) {
  if (!Enabled(level)) return;
  std::string line = "{\"ts\":";
  AppendJsonString(&line, absl::FormatTime(absl::RFC3339_full, absl::Now(), absl::UTCTimeZone()));
  absl::StrAppend(&line, ",\"level\":\"", kNames[static_cast<int>(level)], "\",\"msg\":");
  AppendJsonString(&line, message);
  for (const auto& [key, value] : fields) {
    line.push_back(',');
    AppendJsonString(&line, key);
    line.push_back(':');
    AppendJsonString(&line, value);
  }
  line.append("}\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void Write(Level level, absl::string_view message,
           std::initializer_list<std::pair<absl::string_view, std::string>> fields) {
  WriteLine(level, message, fields);
}

void Write(Level level, absl::string_view message, const std::vector<std::pair<std::string, std::string>>& fields) {
  WriteLine(level, message, fields);
}

}  // namespace flywheel::log
