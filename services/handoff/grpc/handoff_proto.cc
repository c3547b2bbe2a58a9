#include "services/handoff/grpc/handoff_proto.h"

#include "common/convert/type_convert.h"
#include "common/enums/enum_map.h"

namespace flywheel::handoff {
namespace {

constexpr EnumMap<Team, pb::Team, 4> kProtoTeam{{{{Team::kSales, pb::TEAM_SALES},
                                                  {Team::kImplementation, pb::TEAM_IMPLEMENTATION},
                                                  {Team::kCustomerSuccess, pb::TEAM_CUSTOMER_SUCCESS},
                                                  {Team::kSupport, pb::TEAM_SUPPORT}}}};
constexpr EnumMap<HandoffState, pb::HandoffState, 5> kProtoState{{{{HandoffState::kDraft, pb::HANDOFF_STATE_DRAFT},
                                                                   {HandoffState::kSubmitted, pb::HANDOFF_STATE_SUBMITTED},
                                                                   {HandoffState::kAccepted, pb::HANDOFF_STATE_ACCEPTED},
                                                                   {HandoffState::kRejected, pb::HANDOFF_STATE_REJECTED},
                                                                   {HandoffState::kCancelled, pb::HANDOFF_STATE_CANCELLED}}}};
constexpr EnumMap<Rule, pb::RuleKind, 10> kProtoRule{
    {{{Rule::kNoPresenceAfterHandoff, pb::RULE_KIND_NO_PRESENCE_AFTER_HANDOFF},
      {Rule::kMilestoneOverdue, pb::RULE_KIND_MILESTONE_OVERDUE},
      {Rule::kLowPresence, pb::RULE_KIND_LOW_PRESENCE},
      {Rule::kDetractor, pb::RULE_KIND_DETRACTOR},
      {Rule::kCaptive, pb::RULE_KIND_CAPTIVE},
      {Rule::kDormant, pb::RULE_KIND_DORMANT},
      {Rule::kValueGap, pb::RULE_KIND_VALUE_GAP},
      {Rule::kHandoffStalled, pb::RULE_KIND_HANDOFF_STALLED},
      {Rule::kRoleGap, pb::RULE_KIND_ROLE_GAP},
      {Rule::kHealthDrop, pb::RULE_KIND_HEALTH_DROP}}}};
constexpr EnumMap<Severity, pb::Severity, 3> kProtoSeverity{
    {{{Severity::kLow, pb::SEVERITY_LOW}, {Severity::kMedium, pb::SEVERITY_MEDIUM}, {Severity::kHigh, pb::SEVERITY_HIGH}}}};
constexpr EnumMap<Remedy, pb::RemedyKind, 7> kProtoRemedy{{{{Remedy::kCourtesyCall, pb::REMEDY_KIND_COURTESY_CALL},
                                                            {Remedy::kContent, pb::REMEDY_KIND_CONTENT},
                                                            {Remedy::kTraining, pb::REMEDY_KIND_TRAINING},
                                                            {Remedy::kRelationship, pb::REMEDY_KIND_RELATIONSHIP},
                                                            {Remedy::kEducation, pb::REMEDY_KIND_EDUCATION},
                                                            {Remedy::kExecReview, pb::REMEDY_KIND_EXEC_REVIEW},
                                                            {Remedy::kEscalation, pb::REMEDY_KIND_ESCALATION}}}};
constexpr EnumMap<MilestoneStatus, pb::MilestoneStatus, 3> kProtoMilestone{
    {{{MilestoneStatus::kAchieved, pb::MILESTONE_STATUS_ACHIEVED},
      {MilestoneStatus::kDue, pb::MILESTONE_STATUS_DUE},
      {MilestoneStatus::kOverdue, pb::MILESTONE_STATUS_OVERDUE}}}};
static_assert(kProtoTeam.OneToOne() && kProtoState.OneToOne() && kProtoRule.OneToOne() && kProtoSeverity.OneToOne() &&
              kProtoRemedy.OneToOne() && kProtoMilestone.OneToOne());

// An exception's status and close source on the wire (see common/enums/enum_map.h).
constexpr EnumMap<ExceptionStatus, pb::ExceptionStatus, 5> kProtoStatus{
    {{{ExceptionStatus::kOpen, pb::EXCEPTION_STATUS_OPEN},
      {ExceptionStatus::kAcknowledged, pb::EXCEPTION_STATUS_ACKNOWLEDGED},
      {ExceptionStatus::kResolved, pb::EXCEPTION_STATUS_RESOLVED},
      {ExceptionStatus::kDismissed, pb::EXCEPTION_STATUS_DISMISSED},
      {ExceptionStatus::kSnoozed, pb::EXCEPTION_STATUS_SNOOZED}}}};
static_assert(kProtoStatus.OneToOne());
constexpr EnumMap<CloseSource, pb::CloseSource, 3> kProtoCloseSource{
    {{{CloseSource::kNone, pb::CLOSE_SOURCE_UNSPECIFIED},
      {CloseSource::kUser, pb::CLOSE_SOURCE_USER},
      {CloseSource::kRule, pb::CLOSE_SOURCE_RULE}}}};
static_assert(kProtoCloseSource.OneToOne());
constexpr EnumMap<ExceptionEvent, pb::ExceptionEventType, 8> kProtoEvent{
    {{{ExceptionEvent::kOpened, pb::EXCEPTION_EVENT_TYPE_OPENED},
      {ExceptionEvent::kUpdated, pb::EXCEPTION_EVENT_TYPE_UPDATED},
      {ExceptionEvent::kResolved, pb::EXCEPTION_EVENT_TYPE_RESOLVED},
      {ExceptionEvent::kSnoozed, pb::EXCEPTION_EVENT_TYPE_SNOOZED},
      {ExceptionEvent::kAcknowledged, pb::EXCEPTION_EVENT_TYPE_ACKNOWLEDGED},
      {ExceptionEvent::kDismissed, pb::EXCEPTION_EVENT_TYPE_DISMISSED},
      {ExceptionEvent::kReassigned, pb::EXCEPTION_EVENT_TYPE_REASSIGNED},
      {ExceptionEvent::kDue, pb::EXCEPTION_EVENT_TYPE_DUE}}}};
static_assert(kProtoEvent.OneToOne());
constexpr EnumMap<AccountStage, flywheel::accounts::v1::LifecycleStage, 2> kPeerStage{
    {{{AccountStage::kOnboarding, flywheel::accounts::v1::LIFECYCLE_STAGE_ONBOARDING},
      {AccountStage::kAdoption, flywheel::accounts::v1::LIFECYCLE_STAGE_ADOPTION}}}};
static_assert(kPeerStage.OneToOne());
constexpr EnumMap<HealthQuadrant, flywheel::health::v1::Quadrant, 5> kPeerQuadrant{
    {{{HealthQuadrant::kUnknown, flywheel::health::v1::QUADRANT_UNKNOWN},
      {HealthQuadrant::kThriving, flywheel::health::v1::QUADRANT_THRIVING},
      {HealthQuadrant::kCaptive, flywheel::health::v1::QUADRANT_CAPTIVE},
      {HealthQuadrant::kDormant, flywheel::health::v1::QUADRANT_DORMANT},
      {HealthQuadrant::kAtRisk, flywheel::health::v1::QUADRANT_AT_RISK}}}};
static_assert(kPeerQuadrant.OneToOne());

}  // namespace

pb::Team ToProto(Team team) { return kProtoTeam.To(team); }
std::optional<Team> TeamFromProto(pb::Team team) { return kProtoTeam.From(team); }

Handoff FromProto(const pb::Handoff& m) {
  Handoff h;
  h.account_id = m.account_id();
  h.sending_owner = m.sending_owner();
  h.receiving_owner = m.receiving_owner();
  h.success_criteria = m.success_criteria();
  h.sla_days = AcceptSlaDays(m.sla_days());
  return h;
}
pb::HandoffState ToProto(HandoffState state) { return kProtoState.To(state); }
std::optional<HandoffState> StateFromProto(pb::HandoffState state) { return kProtoState.From(state); }
pb::RuleKind ToProto(Rule rule) { return kProtoRule.To(rule); }
std::optional<Rule> RuleFromProto(pb::RuleKind rule) { return kProtoRule.From(rule); }
pb::Severity ToProto(Severity severity) { return kProtoSeverity.To(severity); }
std::optional<Severity> SeverityFromProto(pb::Severity severity) { return kProtoSeverity.From(severity); }
pb::ExceptionStatus ToProto(ExceptionStatus status) { return kProtoStatus.To(status); }
std::optional<ExceptionStatus> StatusFromProto(pb::ExceptionStatus status) { return kProtoStatus.From(status); }
pb::ExceptionEventType ToProto(ExceptionEvent event) { return kProtoEvent.To(event); }

namespace {
constexpr EnumMap<WebhookKind, pb::WebhookEventKind, 2> kProtoKind{
    {{{WebhookKind::kExceptions, pb::WEBHOOK_EVENT_KIND_EXCEPTIONS},
      {WebhookKind::kHealthBands, pb::WEBHOOK_EVENT_KIND_HEALTH_BANDS}}}};
static_assert(kProtoKind.OneToOne());
constexpr EnumMap<DeliveryState, pb::DeliveryState, 3> kProtoDeliveryState{
    {{{DeliveryState::kPending, pb::DELIVERY_STATE_PENDING},
      {DeliveryState::kDelivered, pb::DELIVERY_STATE_DELIVERED},
      {DeliveryState::kDead, pb::DELIVERY_STATE_DEAD}}}};
static_assert(kProtoDeliveryState.OneToOne());
}  // namespace

Webhook FromProto(const pb::Webhook& m) {
  Webhook w;
  w.url = m.url();
  w.secret = m.secret();
  for (int k : m.kinds()) {
    if (auto kind = kProtoKind.From(static_cast<pb::WebhookEventKind>(k))) w.kinds.push_back(*kind);
  }
  w.format = m.format() == pb::WEBHOOK_FORMAT_SLACK ? WebhookFormat::kSlack : WebhookFormat::kJson;
  w.max_attempts = m.max_attempts();
  return w;
}

pb::Webhook ToProto(const Webhook& w) {
  pb::Webhook m;
  m.set_id(w.id);
  m.set_url(w.url);
  for (WebhookKind k : w.kinds) m.add_kinds(kProtoKind.To(k));
  m.set_format(w.format == WebhookFormat::kSlack ? pb::WEBHOOK_FORMAT_SLACK : pb::WEBHOOK_FORMAT_JSON);
  m.set_max_attempts(w.max_attempts);
  *m.mutable_create_time() = convert::ToTimestamp(w.create_time);
  return m;
}

pb::WebhookDelivery ToProto(const Delivery& d) {
  pb::WebhookDelivery m;
  m.set_id(d.id);
  m.set_webhook_id(d.webhook_id);
  m.set_event_id(d.event.id);
  m.set_event_type(d.event.type);
  m.set_account_id(d.event.account_id);
  m.set_state(kProtoDeliveryState.To(d.state));
  m.set_attempts(d.attempts);
  m.set_last_status_code(d.last_status_code);
  m.set_last_error(d.last_error);
  *m.mutable_create_time() = convert::ToTimestamp(d.create_time);
  if (d.state == DeliveryState::kPending) *m.mutable_next_attempt_time() = convert::ToTimestamp(d.next_attempt_time);
  if (d.delivered_time) *m.mutable_delivered_time() = convert::ToTimestamp(*d.delivered_time);
  return m;
}

std::optional<DeliveryState> DeliveryStateFromProto(pb::DeliveryState state) { return kProtoDeliveryState.From(state); }

flywheel::accounts::v1::LifecycleStage ToProto(AccountStage stage) { return kPeerStage.To(stage); }
HealthQuadrant QuadrantFromProto(flywheel::health::v1::Quadrant quadrant) {
  return kPeerQuadrant.From(quadrant).value_or(HealthQuadrant::kUnknown);
}

pb::SuccessPath ToProto(const SuccessPath& p) {
  pb::SuccessPath m;
  m.set_id(p.id);
  m.set_product(p.product);
  m.set_name(p.name);
  m.set_active(p.active);
  for (const Milestone& ms : p.milestones) {
    pb::Milestone* out = m.add_milestones();
    out->set_key(ms.key);
    out->set_name(ms.name);
    out->set_criterion(ms.criterion);
    out->set_due_offset_days(ms.due_offset_days);
    out->set_remedy_title(ms.remedy_title);
    out->set_remedy_link(ms.remedy_link);
  }
  m.set_etag(std::to_string(p.version));
  *m.mutable_create_time() = convert::ToTimestamp(p.create_time);
  *m.mutable_update_time() = convert::ToTimestamp(p.update_time);
  return m;
}

SuccessPath FromProto(const pb::SuccessPath& m) {
  SuccessPath p;
  p.id = m.id();
  p.product = m.product();
  p.name = m.name();
  p.active = m.active();
  for (const auto& ms : m.milestones()) {
    p.milestones.push_back(
        {ms.key(), ms.name(), ms.criterion(), ms.due_offset_days(), ms.remedy_title(), ms.remedy_link()});
  }
  return p;
}

pb::PathAssignment ToProto(const PathAssignment& a) {
  pb::PathAssignment m;
  m.set_account_id(a.account_id);
  m.set_path_id(a.path_id);
  if (a.start_day) *m.mutable_start_day() = convert::ToProto(*a.start_day);
  *m.mutable_assign_time() = convert::ToTimestamp(a.assign_time);
  return m;
}

pb::MilestoneProgress ToProto(const Milestone& milestone, const MilestoneProgress& p) {
  pb::MilestoneProgress m;
  m.set_key(milestone.key);
  m.set_name(milestone.name);
  m.set_status(kProtoMilestone.To(p.status));
  if (p.achieved_day) *m.mutable_achieved_day() = convert::ToProto(*p.achieved_day);
  *m.mutable_due_day() = convert::ToProto(p.due_day);
  m.set_days_late(p.days_late);
  return m;
}

pb::Handoff ToProto(const Handoff& h, absl::Time now) {
  pb::Handoff m;
  m.set_id(h.id);
  m.set_account_id(h.account_id);
  m.set_from_team(ToProto(h.from_team));
  m.set_to_team(ToProto(h.to_team));
  m.set_sending_owner(h.sending_owner);
  m.set_receiving_owner(h.receiving_owner);
  m.set_success_criteria(h.success_criteria);
  m.set_state(ToProto(h.state));
  m.set_reject_reason(h.reject_reason);
  m.set_sla_days(h.sla_days);
  if (h.submit_time) *m.mutable_submit_time() = convert::ToTimestamp(*h.submit_time);
  if (auto due = SlaDue(h)) *m.mutable_sla_due_time() = convert::ToTimestamp(*due);
  m.set_overdue(Overdue(h, now));
  if (h.accept_time) *m.mutable_accept_time() = convert::ToTimestamp(*h.accept_time);
  m.set_etag(std::to_string(h.version));
  *m.mutable_create_time() = convert::ToTimestamp(h.create_time);
  *m.mutable_update_time() = convert::ToTimestamp(h.update_time);
  return m;
}

pb::ExceptionRule ToProto(const StoredRule& r) {
  pb::ExceptionRule m;
  m.set_rule(ToProto(r.config.rule));
  m.set_enabled(r.config.enabled);
  m.set_severity(ToProto(r.config.severity));
  m.set_sla_days(r.config.sla_days);
  m.set_threshold(r.config.threshold);
  m.set_etag(std::to_string(r.version));
  return m;
}

pb::Exception ToProto(const StoredException& e, absl::CivilDay today) {
  pb::Exception m;
  m.set_id(e.id);
  m.set_account_id(e.account_id);
  m.set_rule(ToProto(e.finding.rule));
  m.set_subject(e.finding.subject);
  m.set_severity(ToProto(e.finding.severity));
  for (const auto& [name, value] : e.finding.evidence) {
    pb::Evidence* ev = m.add_evidence();
    ev->set_name(name);
    ev->set_value(value);
  }
  pb::Remedy* remedy = m.mutable_remedy();
  remedy->set_kind(kProtoRemedy.To(e.finding.remedy));
  remedy->set_detail(e.finding.remedy_detail);
  remedy->set_target_role(e.finding.target_role);
  for (const auto& p : e.finding.target_people) remedy->add_target_stakeholders(p);
  m.set_assignee(e.assignee);
  m.set_status(ToProto(e.status));
  *m.mutable_opened_day() = convert::ToProto(e.opened_day);
  *m.mutable_last_seen_day() = convert::ToProto(e.last_seen_day);
  *m.mutable_due_day() = convert::ToProto(e.finding.due_day);
  absl::CivilDay end = e.close_day.value_or(today);
  m.set_age_days(static_cast<int32_t>(std::max<int64_t>(0, end - e.opened_day)));
  bool open = e.status == ExceptionStatus::kOpen || e.status == ExceptionStatus::kAcknowledged;
  m.set_days_past_due(open ? static_cast<int32_t>(std::max<int64_t>(0, today - e.finding.due_day)) : 0);
  if (e.snoozed_until) *m.mutable_snoozed_until() = convert::ToProto(*e.snoozed_until);
  m.set_status_reason(e.status_reason);
  m.set_close_source(kProtoCloseSource.To(e.close_source));
  if (e.close_day) *m.mutable_close_day() = convert::ToProto(*e.close_day);
  m.set_etag(std::to_string(e.version));
  return m;
}

pb::ReportRun ToProto(const ReportRun& r) {
  pb::ReportRun m;
  m.set_id(r.id);
  *m.mutable_as_of() = convert::ToProto(r.as_of);
  m.set_shard_index(r.shard_index);
  m.set_shard_count(r.shard_count);
  m.set_dry_run(r.dry_run);
  m.set_accounts_scanned(r.accounts_scanned);
  m.set_accounts_skipped(r.accounts_skipped);
  m.set_findings(r.findings);
  m.set_opened(r.counts.opened);
  m.set_updated(r.counts.updated);
  m.set_resolved(r.counts.resolved);
  m.set_fetch_seconds(r.fetch_seconds);
  m.set_evaluate_seconds(r.evaluate_seconds);
  m.set_write_seconds(r.write_seconds);
  m.set_total_seconds(r.total_seconds);
  *m.mutable_finish_time() = convert::ToTimestamp(r.finish_time);
  return m;
}

}  // namespace flywheel::handoff
