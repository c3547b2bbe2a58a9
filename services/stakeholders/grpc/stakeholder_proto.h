// Stakeholder domain ⇄ flywheel.stakeholders.v1 conversions, each written once.
#pragma once

#include "common/status/errors.h"
#include "flywheel/stakeholders/v1/stakeholders.pb.h"
#include "services/stakeholders/domain/briefing.h"
#include "services/stakeholders/domain/change.h"
#include "services/stakeholders/domain/coverage.h"
#include "services/stakeholders/storage/stakeholder_repository.h"

namespace flywheel::stakeholders {

namespace pb = ::flywheel::stakeholders::v1;

// The domain enums number their values as the proto enums do (0 is UNSPECIFIED), so each
// conversion is a cast after the value is checked.
template <typename Domain>
std::optional<Domain> EnumFromProto(int value, bool (*is_valid)(int), const std::string& field, FieldViolations& v) {
  if (value == 0) return std::nullopt;
  if (!is_valid(value)) {
    v.Add(field, std::to_string(value) + " is not a known value");
    return std::nullopt;
  }
  return static_cast<Domain>(value);
}

pb::Stakeholder ToProto(const Stakeholder& s);
// The writable fields and account of `m`; a missing role is reported, engagement defaults to UNKNOWN.
Stakeholder FromProto(const pb::Stakeholder& m, FieldViolations& v);

pb::Coverage ToProto(const std::string& account_id, const Coverage& c);
pb::RaciActivity ToProto(const RaciActivity& a);
pb::ChangeInitiative ToProto(const ChangeInitiative& c);
pb::BriefingMetric ToProto(const BriefingMetric& m);

}  // namespace flywheel::stakeholders
