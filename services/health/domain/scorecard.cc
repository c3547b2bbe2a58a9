#include "services/health/domain/scorecard.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "services/health/domain/signals.h"

namespace flywheel::health {

const std::vector<WritableField<Scorecard>>& ScorecardFields() {
  static const auto* fields = new std::vector<WritableField<Scorecard>>{
      MakeField<Scorecard, &Scorecard::name>("name"),
      MakeField<Scorecard, &Scorecard::weights>("weights"),
      MakeField<Scorecard, &Scorecard::red_max>("red_max"),
      MakeField<Scorecard, &Scorecard::amber_max>("amber_max"),
      MakeField<Scorecard, &Scorecard::key_use_cases>("key_use_cases"),
      MakeField<Scorecard, &Scorecard::presence_target>("presence_target"),
  };
  return *fields;
}

Scorecard DefaultScorecard() { return Scorecard{}; }

void ValidateScorecard(const Scorecard& s, FieldViolations& v) {
  if (s.name.empty() || s.name.size() > 100) v.Add("name", "must be 1-100 bytes");
  const std::pair<const char*, double> weights[] = {{"weights.presence", s.weights.presence},
                                                    {"weights.use_cases", s.weights.use_cases},
                                                    {"weights.value", s.weights.value},
                                                    {"weights.nps", s.weights.nps},
                                                    {"weights.csat", s.weights.csat}};
  for (const auto& [field, w] : weights) {
    if (!(w >= 0 && w <= 100)) v.Add(field, "must be from 0 to 100");
  }
  if (!(s.weights.presence + s.weights.use_cases + s.weights.value > 0)) {
    v.Add("weights", "at least one behavioural weight (presence, use_cases, value) must be positive");
  }
  if (!(s.weights.nps + s.weights.csat > 0)) v.Add("weights", "at least one emotional weight (nps, csat) must be positive");
  if (!(s.red_max >= 0 && s.red_max <= 100)) v.Add("red_max", "must be from 0 to 100");
  if (!(s.amber_max >= 0 && s.amber_max <= 100)) v.Add("amber_max", "must be from 0 to 100");
  if (!(s.red_max < s.amber_max)) v.Add("amber_max", "must be greater than red_max");
  if (!(s.presence_target > 0 && s.presence_target <= 1)) v.Add("presence_target", "must be in (0, 1]");
  std::set<std::string> seen;
  for (size_t i = 0; i < s.key_use_cases.size(); ++i) {
    const std::string& key = s.key_use_cases[i];
    std::string field = absl::StrCat("key_use_cases[", i, "]");
    if (!IsValidMetricName(key) || key.size() > 60) v.Add(field, "must be 1-60 of a-z, 0-9, '_', '.'");
    if (!seen.insert(key).second) v.Add(field, absl::StrCat("\"", key, "\" is listed twice"));
  }
  if (s.key_use_cases.size() > 50) v.Add("key_use_cases", "at most 50");
}

}  // namespace flywheel::health
