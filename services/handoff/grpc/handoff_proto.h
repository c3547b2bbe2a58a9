// Conversions between flywheel.handoff.v1 messages and the handoff domain and storage types.
// Each enum and message is mapped once here; the service never builds messages by hand.
#pragma once

#include <string>

#include "flywheel/accounts/v1/accounts.pb.h"
#include "flywheel/handoff/v1/handoff.pb.h"
#include "flywheel/health/v1/health.pb.h"
#include "services/handoff/storage/exception_repository.h"
#include "services/handoff/storage/handoff_repository.h"
#include "services/handoff/storage/webhook_repository.h"

namespace flywheel::handoff {

namespace pb = ::flywheel::handoff::v1;

pb::Team ToProto(Team team);
std::optional<Team> TeamFromProto(pb::Team team);
// The fields of a handoff a request writes (account, owners, criteria, SLA with its default);
// teams are read with TeamFromProto.
Handoff FromProto(const pb::Handoff& m);
pb::HandoffState ToProto(HandoffState state);
std::optional<HandoffState> StateFromProto(pb::HandoffState state);
pb::RuleKind ToProto(Rule rule);
std::optional<Rule> RuleFromProto(pb::RuleKind rule);
pb::Severity ToProto(Severity severity);
std::optional<Severity> SeverityFromProto(pb::Severity severity);
pb::ExceptionStatus ToProto(ExceptionStatus status);
std::optional<ExceptionStatus> StatusFromProto(pb::ExceptionStatus status);
pb::ExceptionEventType ToProto(ExceptionEvent event);

// Webhooks: the secret is read, never written back.
Webhook FromProto(const pb::Webhook& message);
pb::Webhook ToProto(const Webhook& webhook);
pb::WebhookDelivery ToProto(const Delivery& delivery);
std::optional<DeliveryState> DeliveryStateFromProto(pb::DeliveryState state);

pb::SuccessPath ToProto(const SuccessPath& path);
// The path's writable fields (product, name, active, milestones); checked by ValidateSuccessPath.
SuccessPath FromProto(const pb::SuccessPath& message);
pb::PathAssignment ToProto(const PathAssignment& assignment);
pb::MilestoneProgress ToProto(const Milestone& milestone, const MilestoneProgress& progress);

// `now` decides the overdue flag.
pb::Handoff ToProto(const Handoff& handoff, absl::Time now);

pb::ExceptionRule ToProto(const StoredRule& rule);

// `today` decides age and days past due.
pb::Exception ToProto(const StoredException& exception, absl::CivilDay today);

pb::ReportRun ToProto(const ReportRun& run);

// The peers' enums the handoff domain reads or writes.
flywheel::accounts::v1::LifecycleStage ToProto(AccountStage stage);
HealthQuadrant QuadrantFromProto(flywheel::health::v1::Quadrant quadrant);

}  // namespace flywheel::handoff
