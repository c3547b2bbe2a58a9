#include "services/health/domain/signals.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace flywheel::health {
namespace {
constexpr size_t kMaxIdLength = 128;
constexpr size_t kMaxTextLength = 1000;

void CheckId(const std::string& id, const char* field, FieldViolations& v) {
  if (id.empty() || id.size() > kMaxIdLength) v.Add(field, absl::StrCat("must be 1-", kMaxIdLength, " bytes"));
}
}  // namespace

bool IsValidMetricName(absl::string_view metric) {
  if (metric.empty() || metric.size() > 100 || metric.front() == '.' || metric.back() == '.') return false;
  char previous = 0;
  for (char c : metric) {
    bool ok = absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' || c == '.';
    if (!ok || (c == '.' && previous == '.')) return false;
    previous = c;
  }
  return true;
}

void ValidateUsage(const UsageReading& r, absl::CivilDay today, FieldViolations& v) {
  if (!IsValidMetricName(r.metric)) v.Add("metric", "must be 1-100 of a-z, 0-9, '_' with '.' between segments");
  if (!std::isfinite(r.value)) {
    v.Add("value", "must be a finite number");
  } else if (r.value < 0) {
    v.Add("value", "must not be negative");
  } else if (r.value > kMaxUsageValue) {
    v.Add("value", absl::StrCat("must be at most ", kMaxUsageValue));
  }
  if (r.day > today + 1) v.Add("day", absl::StrCat("must not be after tomorrow (", absl::FormatCivilTime(today + 1), ")"));
  if (r.source.size() > 64) v.Add("source", "must be at most 64 bytes");
}

void ValidateSurvey(const SurveyResponse& r, absl::CivilDay today, FieldViolations& v) {
  if (absl::ToCivilDay(r.time, absl::UTCTimeZone()) > today + 1) {
    v.Add("time", absl::StrCat("must not be after tomorrow (", absl::FormatCivilTime(today + 1), ")"));
  }
  CheckId(r.response_id, "response_id", v);
  if (r.kind == SurveyKind::kNps && (r.score < 0 || r.score > 10)) v.Add("score", "an NPS score is 0-10");
  if (r.kind == SurveyKind::kCsat && (r.score < 1 || r.score > 5)) v.Add("score", "a CSAT score is 1-5");
  if (r.respondent.empty() || r.respondent.size() > 200) v.Add("respondent", "must be 1-200 bytes");
  if (r.reason.size() > kMaxTextLength) v.Add("reason", absl::StrCat("must be at most ", kMaxTextLength, " bytes"));
  if (r.channel.size() > 64) v.Add("channel", "must be at most 64 bytes");
}

void ValidateValue(const ValueRecord& r, FieldViolations& v) {
  CheckId(r.record_id, "record_id", v);
  CheckAmount(r.amount, "amount", v);
  if (r.description.size() > kMaxTextLength) {
    v.Add("description", absl::StrCat("must be at most ", kMaxTextLength, " bytes"));
  }
}

}  // namespace flywheel::health
