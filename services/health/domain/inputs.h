// Turning an account's facts (from the accounts service) and its stored signals into the
// ScoringInput of one day: the windows of DESIGN §3 are cut here, once.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "services/health/domain/scoring.h"
#include "services/health/domain/signals.h"

namespace flywheel::health {

// What health needs to know of an account; owned by the accounts service.
struct AccountFacts {
  std::string id;
  std::string name;
  int64_t licensed_seats = 0;
  std::optional<Money> arr;
  std::string csm_owner;
  std::optional<absl::CivilDay> contract_start;
  std::optional<Money> value_target;
  std::string value_target_description;
};

// Whether a stored write of an account (its action and changed fields, as the accounts
// service's change stream names them) can change its score or its row in the stored portfolio:
// a create, delete or undelete, or a change of a field AccountFacts holds (or the lifecycle
// stage). A change of segment, region, labels, renewal date or external ids cannot.
bool ChangeReadByHealth(const std::string& action, const std::vector<std::string>& changed_fields);

// Signals of one account that can matter as of a day (see SignalWindowStart).
struct SignalWindow {
  std::vector<UsageReading> usage;
  std::vector<SurveyResponse> surveys;
  std::vector<ValueRecord> values;
};

// The first day whose signals can matter as of `as_of`: a contract year (366 days) back,
// which covers the 90-day survey window too.
absl::CivilDay SignalWindowStart(absl::CivilDay as_of);

// Value tracking as of `as_of`, when the account has a contract start (its contract year). The
// value records counted are those in the target's currency, else the ARR's, else that of the
// year's latest record.
std::optional<ValueTracking> ValueTrackingFor(const AccountFacts& account, const std::vector<ValueRecord>& values,
                                              absl::CivilDay as_of);

ScoringInput BuildScoringInput(const AccountFacts& account, const SignalWindow& signals, absl::CivilDay as_of,
                               std::optional<double> overall_30_days_earlier, std::optional<Override> override,
                               absl::Time now);

}  // namespace flywheel::health
