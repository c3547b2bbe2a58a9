#include "services/stakeholders/grpc/stakeholder_proto.h"

#include "absl/strings/str_cat.h"

#include "common/convert/type_convert.h"
#include "common/enums/enum_map.h"

namespace flywheel::stakeholders {
namespace {

constexpr EnumMap<Role, pb::Role, 4> kProtoRole{{{{Role::kOwner, pb::ROLE_OWNER},
                                                  {Role::kChampion, pb::ROLE_CHAMPION},
                                                  {Role::kEnabler, pb::ROLE_ENABLER},
                                                  {Role::kProducer, pb::ROLE_PRODUCER}}}};
constexpr EnumMap<Engagement, pb::Engagement, 5> kProtoEngagement{{{{Engagement::kUnknown, pb::ENGAGEMENT_UNKNOWN},
                                                                    {Engagement::kAware, pb::ENGAGEMENT_AWARE},
                                                                    {Engagement::kInvolved, pb::ENGAGEMENT_INVOLVED},
                                                                    {Engagement::kEngaged, pb::ENGAGEMENT_ENGAGED},
                                                                    {Engagement::kAdvocate, pb::ENGAGEMENT_ADVOCATE}}}};
constexpr EnumMap<RaciLetter, pb::RaciLetter, 4> kProtoLetter{
    {{{RaciLetter::kResponsible, pb::RACI_LETTER_RESPONSIBLE},
      {RaciLetter::kAccountable, pb::RACI_LETTER_ACCOUNTABLE},
      {RaciLetter::kConsulted, pb::RACI_LETTER_CONSULTED},
      {RaciLetter::kInformed, pb::RACI_LETTER_INFORMED}}}};
constexpr EnumMap<Impact, pb::Impact, 3> kProtoImpact{{{{Impact::kPositive, pb::IMPACT_POSITIVE},
                                                        {Impact::kNegative, pb::IMPACT_NEGATIVE},
                                                        {Impact::kNeutral, pb::IMPACT_NEUTRAL}}}};
constexpr EnumMap<AdkarStage, pb::AdkarStage, 5> kProtoStage{{{{AdkarStage::kAwareness, pb::ADKAR_STAGE_AWARENESS},
                                                               {AdkarStage::kDesire, pb::ADKAR_STAGE_DESIRE},
                                                               {AdkarStage::kKnowledge, pb::ADKAR_STAGE_KNOWLEDGE},
                                                               {AdkarStage::kAbility, pb::ADKAR_STAGE_ABILITY},
                                                               {AdkarStage::kReinforcement, pb::ADKAR_STAGE_REINFORCEMENT}}}};
constexpr EnumMap<FollowUpKind, pb::FollowUpKind, 4> kProtoFollowUp{
    {{{FollowUpKind::kTrainingContent, pb::FOLLOW_UP_KIND_TRAINING_CONTENT},
      {FollowUpKind::kFocusChange, pb::FOLLOW_UP_KIND_FOCUS_CHANGE},
      {FollowUpKind::kCommunication, pb::FOLLOW_UP_KIND_COMMUNICATION},
      {FollowUpKind::kOrganisationalChange, pb::FOLLOW_UP_KIND_ORGANISATIONAL_CHANGE}}}};
constexpr EnumMap<MetricTrend, pb::Trend, 4> kProtoTrend{{{{MetricTrend::kUnknown, pb::TREND_UNKNOWN},
                                                           {MetricTrend::kUp, pb::TREND_UP},
                                                           {MetricTrend::kFlat, pb::TREND_FLAT},
                                                           {MetricTrend::kDown, pb::TREND_DOWN}}}};
constexpr EnumMap<EnablerFocus, pb::EnablerFocus, 3> kProtoFocus{{{{EnablerFocus::kNone, pb::ENABLER_FOCUS_UNSPECIFIED},
                                                                    {EnablerFocus::kIt, pb::ENABLER_FOCUS_IT},
                                                                    {EnablerFocus::kLearning, pb::ENABLER_FOCUS_LEARNING}}}};
static_assert(kProtoFocus.OneToOne() && kProtoRole.OneToOne() && kProtoEngagement.OneToOne() && kProtoLetter.OneToOne() &&
              kProtoImpact.OneToOne() && kProtoStage.OneToOne() && kProtoFollowUp.OneToOne() && kProtoTrend.OneToOne());

}  // namespace

pb::Role ToProto(Role role) { return kProtoRole.To(role); }
pb::Engagement ToProto(Engagement engagement) { return kProtoEngagement.To(engagement); }
pb::RaciLetter ToProto(RaciLetter letter) { return kProtoLetter.To(letter); }
pb::Impact ToProto(Impact impact) { return kProtoImpact.To(impact); }
pb::AdkarStage ToProto(AdkarStage stage) { return kProtoStage.To(stage); }
pb::FollowUpKind ToProto(FollowUpKind kind) { return kProtoFollowUp.To(kind); }
pb::Trend ToProto(MetricTrend trend) { return kProtoTrend.To(trend); }

template <>
std::optional<Role> EnumFromProto<Role>(int value, const std::string& field, FieldViolations& v) {
  return FromRequest(kProtoRole, value, field, v);
}
template <>
std::optional<Engagement> EnumFromProto<Engagement>(int value, const std::string& field, FieldViolations& v) {
  return FromRequest(kProtoEngagement, value, field, v);
}
template <>
std::optional<RaciLetter> EnumFromProto<RaciLetter>(int value, const std::string& field, FieldViolations& v) {
  return FromRequest(kProtoLetter, value, field, v);
}
template <>
std::optional<Impact> EnumFromProto<Impact>(int value, const std::string& field, FieldViolations& v) {
  return FromRequest(kProtoImpact, value, field, v);
}
template <>
std::optional<EnablerFocus> EnumFromProto<EnablerFocus>(int value, const std::string& field, FieldViolations& v) {
  return FromRequest(kProtoFocus, value, field, v);
}
template <>
std::optional<AdkarStage> EnumFromProto<AdkarStage>(int value, const std::string& field, FieldViolations& v) {
  return FromRequest(kProtoStage, value, field, v);
}

pb::Stakeholder ToProto(const Stakeholder& s) {
  pb::Stakeholder m;
  m.set_id(s.id);
  m.set_account_id(s.account_id);
  m.set_name(s.name);
  m.set_email(s.email);
  m.set_title(s.title);
  m.set_function(s.function);
  m.set_role(ToProto(s.role));
  m.set_decision_authority(s.decision_authority);
  m.set_engagement(ToProto(s.engagement));
  m.set_primary(s.primary);
  m.set_enabler_focus(kProtoFocus.To(s.enabler_focus));
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
  auto role = EnumFromProto<Role>(m.role(), "role", v);
  if (!role && m.role() == 0) v.Add("role", "is required (OWNER, CHAMPION, ENABLER or PRODUCER)");
  s.role = role.value_or(Role::kProducer);
  s.decision_authority = m.decision_authority();
  s.engagement = EnumFromProto<Engagement>(m.engagement(), "engagement", v)
                     .value_or(Engagement::kUnknown);
  s.primary = m.primary();
  s.external_ids.insert(m.external_ids().begin(), m.external_ids().end());
  s.enabler_focus = EnumFromProto<EnablerFocus>(m.enabler_focus(), "enabler_focus", v).value_or(EnablerFocus::kNone);
  return s;
}

pb::Coverage ToProto(const std::string& account_id, const Coverage& c) {
  pb::Coverage m;
  m.set_account_id(account_id);
  for (const auto& rc : c.roles) {
    auto* r = m.add_roles();
    r->set_role(ToProto(rc.role));
    r->set_stakeholders(rc.stakeholders);
    r->set_engaged(rc.engaged);
  }
  for (Role r : c.missing_roles) m.add_missing_roles(ToProto(r));
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
    if (i.role) out->set_role(ToProto(*i.role));
    out->set_impact(ToProto(i.impact));
  }
  m.set_needs_training(c.needs_training);
  m.set_needs_communication(c.needs_communication);
  m.set_needs_organisational_change(c.needs_organisational_change);
  m.set_awareness(ToProto(c.awareness));
  m.set_stage(ToProto(c.stage));
  for (const auto& f : c.follow_ups) {
    auto* out = m.add_follow_ups();
    out->set_kind(ToProto(f.kind));
    out->set_role(ToProto(f.role));
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
  m.set_trend(ToProto(b.trend));
  return m;
}

ChangeInitiative FromProto(const pb::ChangeInitiative& m, FieldViolations& v) {
  ChangeInitiative c;
  c.account_id = m.account_id();
  c.owner_stakeholder_id = m.owner_stakeholder_id();
  c.title = m.title();
  c.description = m.description();
  c.needs_training = m.needs_training();
  c.needs_communication = m.needs_communication();
  c.needs_organisational_change = m.needs_organisational_change();
  c.awareness = EnumFromProto<Engagement>(m.awareness(), "initiative.awareness", v).value_or(Engagement::kUnknown);
  for (int i = 0; i < m.impacts_size(); ++i) {
    const auto& imp = m.impacts(i);
    std::string field = absl::StrCat("initiative.impacts[", i, "]");
    StakeholderImpact out;
    out.stakeholder_id = imp.stakeholder_id();
    out.role = EnumFromProto<Role>(imp.role(), field + ".role", v);
    auto impact = EnumFromProto<Impact>(imp.impact(), field + ".impact", v);
    if (!impact && imp.impact() == 0) v.Add(field + ".impact", "is required");
    out.impact = impact.value_or(Impact::kNeutral);
    c.impacts.push_back(out);
  }
  return c;
}

}  // namespace flywheel::stakeholders
