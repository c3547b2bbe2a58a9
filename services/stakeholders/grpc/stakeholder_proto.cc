#include "services/stakeholders/grpc/stakeholder_proto.h"

#include "common/convert/type_convert.h"

namespace flywheel::stakeholders {

pb::Stakeholder ToProto(const Stakeholder& s) {
  pb::Stakeholder m;
  m.set_id(s.id);
  m.set_account_id(s.account_id);
  m.set_name(s.name);
  m.set_email(s.email);
  m.set_title(s.title);
  m.set_function(s.function);
  m.set_role(static_cast<pb::Role>(s.role));
  m.set_decision_authority(s.decision_authority);
  m.set_engagement(static_cast<pb::Engagement>(s.engagement));
  m.set_primary(s.primary);
  for (const auto& [k, v] : s.external_ids) (*m.mutable_external_ids())[k] = v;
  m.set_etag(std::to_string(s.version));
  *m.mutable_create_time() = convert::ToTimestamp(s.create_time);
  *m.mutable_update_time() = convert::ToTimestamp(s.update_time);
  if (s.delete_time) *m.mutable_delete_time() = convert::ToTimestamp(*s.delete_time);
  return m;
}

Stakeholder FromProto(const pb::Stakeholder& m, FieldViolations& v) {
  Stakeholder s;
  s.id = m.id();
  s.account_id = m.account_id();
  s.name = m.name();
  s.email = m.email();
  s.title = m.title();
  s.function = m.function();
  auto role = EnumFromProto<Role>(m.role(), pb::Role_IsValid, "role", v);
  if (!role && m.role() == 0) v.Add("role", "is required (OWNER, CHAMPION, ENABLER or PRODUCER)");
  s.role = role.value_or(Role::kProducer);
  s.decision_authority = m.decision_authority();
  s.engagement = EnumFromProto<Engagement>(m.engagement(), pb::Engagement_IsValid, "engagement", v)
                     .value_or(Engagement::kUnknown);
  s.primary = m.primary();
  s.external_ids.insert(m.external_ids().begin(), m.external_ids().end());
  return s;
}

pb::Coverage ToProto(const std::string& account_id, const Coverage& c) {
  pb::Coverage m;
  m.set_account_id(account_id);
  for (const auto& rc : c.roles) {
    auto* r = m.add_roles();
    r->set_role(static_cast<pb::Role>(rc.role));
    r->set_stakeholders(rc.stakeholders);
    r->set_engaged(rc.engaged);
  }
  for (Role r : c.missing_roles) m.add_missing_roles(static_cast<pb::Role>(r));
  m.set_complete(c.complete);
  m.set_single_threaded(c.single_threaded);
  m.set_stakeholders(c.stakeholders);
  return m;
}

pb::RaciActivity ToProto(const RaciActivity& a) {
  pb::RaciActivity m;
  m.set_id(a.id);
  m.set_account_id(a.account_id);
  m.set_name(a.name);
  m.set_description(a.description);
  return m;
}

pb::ChangeInitiative ToProto(const ChangeInitiative& c) {
  pb::ChangeInitiative m;
  m.set_id(c.id);
  m.set_account_id(c.account_id);
  m.set_owner_stakeholder_id(c.owner_stakeholder_id);
  m.set_title(c.title);
  m.set_description(c.description);
  for (const auto& i : c.impacts) {
    auto* out = m.add_impacts();
    out->set_stakeholder_id(i.stakeholder_id);
    if (i.role) out->set_role(static_cast<pb::Role>(*i.role));
    out->set_impact(static_cast<pb::Impact>(i.impact));
  }
  m.set_needs_training(c.needs_training);
  m.set_needs_communication(c.needs_communication);
  m.set_needs_organisational_change(c.needs_organisational_change);
  m.set_awareness(static_cast<pb::Engagement>(c.awareness));
  m.set_stage(static_cast<pb::AdkarStage>(c.stage));
  for (const auto& f : c.follow_ups) {
    auto* out = m.add_follow_ups();
    out->set_kind(static_cast<pb::FollowUpKind>(f.kind));
    out->set_role(static_cast<pb::Role>(f.role));
    out->set_assignee_stakeholder_id(f.assignee_stakeholder_id);
    out->set_description(f.description);
  }
  *m.mutable_create_time() = convert::ToTimestamp(c.create_time);
  *m.mutable_update_time() = convert::ToTimestamp(c.update_time);
  return m;
}

pb::BriefingMetric ToProto(const BriefingMetric& b) {
  pb::BriefingMetric m;
  m.set_name(b.spec.name);
  m.set_label(b.spec.label);
  if (b.latest) {
    m.set_has_latest(true);
    m.set_latest(b.latest->value);
    *m.mutable_latest_day() = convert::ToProto(b.latest->day);
  }
  if (b.previous) {
    m.set_has_previous(true);
    m.set_previous(b.previous->value);
    *m.mutable_previous_day() = convert::ToProto(b.previous->day);
  }
  m.set_trend(static_cast<pb::Trend>(b.trend));
  return m;
}

}  // namespace flywheel::stakeholders
