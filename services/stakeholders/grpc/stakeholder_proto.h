// Stakeholder domain ⇄ flywheel.stakeholders.v1 conversions, each written once.
#pragma once

#include <optional>
#include <string>

#include "common/status/errors.h"
#include "flywheel/stakeholders/v1/stakeholders.pb.h"
#include "services/stakeholders/domain/briefing.h"
#include "services/stakeholders/domain/change.h"
#include "services/stakeholders/domain/coverage.h"
#include "services/stakeholders/storage/stakeholder_repository.h"

namespace flywheel::stakeholders {

namespace pb = ::flywheel::stakeholders::v1;

// The stakeholder enums on the wire, each pairing written once in a table (see
// common/enums/enum_map.h).
pb::Role ToProto(Role role);
pb::Engagement ToProto(Engagement engagement);
pb::RaciLetter ToProto(RaciLetter letter);
pb::Impact ToProto(Impact impact);
pb::AdkarStage ToProto(AdkarStage stage);
pb::FollowUpKind ToProto(FollowUpKind kind);
pb::Trend ToProto(MetricTrend trend);
// A request's enum field (Role, Engagement, RaciLetter, Impact, AdkarStage): nullopt when unset;
// a violation on `field` for a number the contract does not define.
template <typename Domain>
std::optional<Domain> EnumFromProto(int value, const std::string& field, FieldViolations& v);
template <>
std::optional<Role> EnumFromProto<Role>(int value, const std::string& field, FieldViolations& v);
template <>
std::optional<Engagement> EnumFromProto<Engagement>(int value, const std::string& field, FieldViolations& v);
template <>
std::optional<RaciLetter> EnumFromProto<RaciLetter>(int value, const std::string& field, FieldViolations& v);
template <>
std::optional<Impact> EnumFromProto<Impact>(int value, const std::string& field, FieldViolations& v);
template <>
std::optional<EnablerFocus> EnumFromProto<EnablerFocus>(int value, const std::string& field, FieldViolations& v);
template <>
std::optional<AdkarStage> EnumFromProto<AdkarStage>(int value, const std::string& field, FieldViolations& v);

pb::Stakeholder ToProto(const Stakeholder& s);
// The writable fields and account of `m`; a missing role is reported, engagement defaults to UNKNOWN.
Stakeholder FromProto(const pb::Stakeholder& m, FieldViolations& v);

pb::Coverage ToProto(const std::string& account_id, const Coverage& c);
pb::RaciActivity ToProto(const RaciActivity& a);
pb::ChangeInitiative ToProto(const ChangeInitiative& c);
// An initiative as a create request gives it; enum fields it cannot read, and impacts without
// one, are violations named "initiative.…".
ChangeInitiative FromProto(const pb::ChangeInitiative& m, FieldViolations& v);
pb::BriefingMetric ToProto(const BriefingMetric& m);

}  // namespace flywheel::stakeholders
