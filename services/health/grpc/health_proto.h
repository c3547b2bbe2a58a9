// Health domain ⇄ flywheel.health.v1 conversions, each written once.
#pragma once

#include "common/status/errors.h"
#include "flywheel/accounts/v1/accounts.pb.h"
#include "flywheel/health/v1/health.pb.h"
#include "services/health/domain/inputs.h"
#include "services/health/domain/scoring.h"
#include "services/health/app/health_use_cases.h"
#include "services/health/storage/health_repository.h"

namespace flywheel::health {

namespace pb = ::flywheel::health::v1;

pb::Band ToProto(Band band);
pb::Quadrant ToProto(Quadrant quadrant);
pb::Prescription ToProto(Prescription prescription);
pb::ValueLevel ToProto(ValueLevel level);
pb::Trend ToProto(Trend trend);
// Filters: nullopt for UNSPECIFIED, a violation on `field` for a number the enum lacks.
// The kind of signals a ListSignals request asks for (unset: all); a violation on `field` for
// an unknown number.
SignalFilter SignalFilterFromProto(int value, const std::string& field, FieldViolations& v);
std::optional<Band> BandFromProto(int value, const std::string& field, FieldViolations& v);
std::optional<Quadrant> QuadrantFromProto(int value, const std::string& field, FieldViolations& v);
std::optional<Trend> TrendFromProto(int value, const std::string& field, FieldViolations& v);
std::optional<ValueLevel> ValueLevelFromProto(int value, const std::string& field, FieldViolations& v);

AccountFacts FactsFromAccount(const flywheel::accounts::v1::Account& account);

pb::AccountHealth ToProto(const std::string& account_id, const HealthScore& score, const AccountFacts& facts,
                          absl::Time compute_time);
pb::HealthSummaryRow ToSummaryRow(const StoredScore& score);
pb::ValueTracking ToProto(const std::string& account_id, absl::CivilDay as_of, const AccountFacts& facts,
                          const std::optional<ValueTracking>& tracking);

pb::Scorecard ToProto(const Scorecard& scorecard);
// Every field of the message; violations of conversion are named relative to the scorecard.
Scorecard FromProto(const pb::Scorecard& message);

pb::Override ToProto(const std::string& account_id, const Override& override);
// An override as SetOverride asks for it (an unreadable expiry is a violation on
// "override.expire_time").
OverrideRequest FromProto(const pb::Override& o);

pb::UsageReading ToProto(const UsageReading& reading);
pb::SurveyResponse ToProto(const SurveyResponse& response);
pb::ValueRecord ToProto(const ValueRecord& record);
UsageReading FromProto(const pb::UsageReading& m, const std::string& prefix, FieldViolations& v);
SurveyResponse FromProto(const pb::SurveyResponse& m, const std::string& prefix, FieldViolations& v);
ValueRecord FromProto(const pb::ValueRecord& m, const std::string& prefix, FieldViolations& v);

}  // namespace flywheel::health
