#include "common/server/watch_stream.h"

#include "absl/strings/escaping.h"

namespace flywheel {

std::string ResumeToken(const std::string& query, int64_t sequence) {
  return absl::WebSafeBase64Escape(absl::StrCat(query, "|", sequence));
}

absl::StatusOr<int64_t> ResumePoint(const std::string& token, const std::string& query) {
  std::string text;
  int64_t sequence = 0;
  size_t bar = std::string::npos;
  if (absl::WebSafeBase64Unescape(token, &text)) bar = text.rfind('|');
  if (bar == std::string::npos || !absl::SimpleAtoi(absl::string_view(text).substr(bar + 1), &sequence) ||
      sequence < 0) {
    return InvalidFieldError("resume_token", "is malformed");
  }
  if (text.substr(0, bar) != query) {
    return InvalidFieldError("resume_token", "was made for another stream or filter");
  }
  return sequence;
}

}  // namespace flywheel
