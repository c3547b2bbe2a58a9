#include "services/health/domain/inputs.h"

#include <set>

#include "absl/strings/match.h"

namespace flywheel::health {

absl::CivilDay SignalWindowStart(absl::CivilDay as_of) { return as_of - 366; }

std::optional<ValueTracking> ValueTrackingFor(const AccountFacts& account, const std::vector<ValueRecord>& values,
                                              absl::CivilDay as_of) {
  if (!account.contract_start) return std::nullopt;
  absl::CivilDay year_start = ContractYearStart(*account.contract_start, as_of);
  auto in_year = [&](const ValueRecord& v) { return v.day >= year_start && v.day <= as_of; };
  std::string currency = account.value_target ? account.value_target->currency_code
                         : account.arr        ? account.arr->currency_code
                                              : "";
  if (currency.empty()) {
    std::optional<absl::CivilDay> latest;
    for (const auto& v : values) {
      if (in_year(v) && (!latest || v.day > *latest)) {
        latest = v.day;
        currency = v.amount.currency_code;
      }
    }
  }
  Money realised{currency, 0};
  for (const auto& v : values) {
    if (in_year(v) && v.amount.currency_code == currency) {
      realised.minor_units = AddMinorUnits(realised.minor_units, v.amount.minor_units);
    }
  }
  return ComputeValueTracking(account.value_target, *account.contract_start, as_of, realised);
}

ScoringInput BuildScoringInput(const AccountFacts& account, const SignalWindow& signals, absl::CivilDay as_of,
                               std::optional<double> overall_30_days_earlier, std::optional<Override> override,
                               absl::Time now) {
  ScoringInput in;
  in.as_of = as_of;
  in.licensed_seats = account.licensed_seats;
  in.now = now;
  in.overall_30_days_earlier = overall_30_days_earlier;
  in.override = std::move(override);
  std::optional<absl::CivilDay> latest_presence_day;
  std::set<std::string> use_cases;
  for (const auto& r : signals.usage) {
    if (r.day > as_of) continue;
    if (r.metric == kActiveUsers28d && r.day > as_of - kPresenceWindowDays) {
      // The latest reading wins; on one day, the largest across sources.
      if (!latest_presence_day || r.day > *latest_presence_day) {
        latest_presence_day = r.day;
        in.active_users_28d = r.value;
      } else if (r.day == *latest_presence_day && r.value > *in.active_users_28d) {
        in.active_users_28d = r.value;
      }
    } else if (absl::StartsWith(r.metric, kUseCasePrefix) && r.day > as_of - kUseCaseWindowDays && r.value >= 1) {
      use_cases.insert(r.metric.substr(sizeof(kUseCasePrefix) - 1));
    }
  }
  in.use_cases_seen.assign(use_cases.begin(), use_cases.end());
  for (const auto& s : signals.surveys) {
    absl::CivilDay day = absl::ToCivilDay(s.time, absl::UTCTimeZone());
    if (day > as_of || day <= as_of - kSurveyWindowDays) continue;
    (s.kind == SurveyKind::kNps ? in.nps_scores : in.csat_scores).push_back(s.score);
  }
  in.value = ValueTrackingFor(account, signals.values, as_of);
  if (account.contract_start) {
    absl::CivilDay year_start = ContractYearStart(*account.contract_start, as_of);
    for (const auto& v : signals.values) in.any_value_realised |= v.day >= year_start && v.day <= as_of;
  }
  return in;
}

bool ChangeReadByHealth(const std::string& action, const std::vector<std::string>& changed_fields) {
  if (action == "CREATE" || action == "DELETE" || action == "UNDELETE") return true;
  static const char* const kRead[] = {"name",         "licensed_seats", "arr",          "csm_owner",
                                      "contract_start", "value_target", "lifecycle_stage"};
  for (const std::string& field : changed_fields) {
    for (const char* read : kRead) {
      if (field == read) return true;
    }
  }
  return false;
}

}  // namespace flywheel::health
