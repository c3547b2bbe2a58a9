#include "services/health/grpc/health_proto.h"

#include "absl/strings/str_cat.h"
#include "common/convert/type_convert.h"
#include "common/enums/enum_map.h"

namespace flywheel::health {
namespace {

std::optional<absl::CivilDay> DayOf(const flywheel::type::v1::Date& date, bool present, const std::string& field,
                                    FieldViolations& v) {
  if (!present) {
    v.Add(field, "is required");
    return std::nullopt;
  }
  return convert::FromProto(date, field, v);
}

}  // namespace

// The health enums on the wire, each pairing written once (see common/enums/enum_map.h).
constexpr EnumMap<Band, pb::Band, 4> kProtoBand{{{{Band::kUnknown, pb::BAND_UNKNOWN},
                                                   {Band::kRed, pb::BAND_RED},
                                                   {Band::kAmber, pb::BAND_AMBER},
                                                   {Band::kGreen, pb::BAND_GREEN}}}};
constexpr EnumMap<Quadrant, pb::Quadrant, 5> kProtoQuadrant{{{{Quadrant::kUnknown, pb::QUADRANT_UNKNOWN},
                                                              {Quadrant::kThriving, pb::QUADRANT_THRIVING},
                                                              {Quadrant::kCaptive, pb::QUADRANT_CAPTIVE},
                                                              {Quadrant::kDormant, pb::QUADRANT_DORMANT},
                                                              {Quadrant::kAtRisk, pb::QUADRANT_AT_RISK}}}};
constexpr EnumMap<Prescription, pb::Prescription, 5> kProtoPrescription{
    {{{Prescription::kCollectData, pb::PRESCRIPTION_COLLECT_DATA},
      {Prescription::kAdvocacy, pb::PRESCRIPTION_ADVOCACY},
      {Prescription::kRelationship, pb::PRESCRIPTION_RELATIONSHIP},
      {Prescription::kEducation, pb::PRESCRIPTION_EDUCATION},
      {Prescription::kEscalation, pb::PRESCRIPTION_ESCALATION}}}};
constexpr EnumMap<ValueLevel, pb::ValueLevel, 5> kProtoValueLevel{{{{ValueLevel::kNone, pb::VALUE_LEVEL_NONE},
                                                                    {ValueLevel::kPresence, pb::VALUE_LEVEL_PRESENCE},
                                                                    {ValueLevel::kUseCases, pb::VALUE_LEVEL_USE_CASES},
                                                                    {ValueLevel::kValue, pb::VALUE_LEVEL_VALUE},
                                                                    {ValueLevel::kRoi, pb::VALUE_LEVEL_ROI}}}};
constexpr EnumMap<Trend, pb::Trend, 4> kProtoTrend{{{{Trend::kUnknown, pb::TREND_UNKNOWN},
                                                     {Trend::kUp, pb::TREND_UP},
                                                     {Trend::kFlat, pb::TREND_FLAT},
                                                     {Trend::kDown, pb::TREND_DOWN}}}};
constexpr EnumMap<SignalFilter, pb::SignalKind, 4> kProtoSignalKind{{{{SignalFilter::kAll, pb::SIGNAL_KIND_UNSPECIFIED},
                                                                      {SignalFilter::kUsage, pb::SIGNAL_KIND_USAGE},
                                                                      {SignalFilter::kSurvey, pb::SIGNAL_KIND_SURVEY},
                                                                      {SignalFilter::kValue, pb::SIGNAL_KIND_VALUE}}}};
static_assert(kProtoBand.OneToOne() && kProtoQuadrant.OneToOne() && kProtoPrescription.OneToOne() &&
              kProtoValueLevel.OneToOne() && kProtoTrend.OneToOne() && kProtoSignalKind.OneToOne());

pb::Band ToProto(Band b) { return kProtoBand.To(b); }
pb::Quadrant ToProto(Quadrant q) { return kProtoQuadrant.To(q); }
pb::Prescription ToProto(Prescription p) { return kProtoPrescription.To(p); }
pb::ValueLevel ToProto(ValueLevel l) { return kProtoValueLevel.To(l); }
pb::Trend ToProto(Trend t) { return kProtoTrend.To(t); }

SignalFilter SignalFilterFromProto(int value, const std::string& field, FieldViolations& v) {
  return FromRequest(kProtoSignalKind, value, field, v).value_or(SignalFilter::kAll);
}
std::optional<Band> BandFromProto(int value, const std::string& field, FieldViolations& v) {
  return FromRequest(kProtoBand, value, field, v);
}
std::optional<Quadrant> QuadrantFromProto(int value, const std::string& field, FieldViolations& v) {
  return FromRequest(kProtoQuadrant, value, field, v);
}
std::optional<Trend> TrendFromProto(int value, const std::string& field, FieldViolations& v) {
  return FromRequest(kProtoTrend, value, field, v);
}
std::optional<ValueLevel> ValueLevelFromProto(int value, const std::string& field, FieldViolations& v) {
  return FromRequest(kProtoValueLevel, value, field, v);
}

AccountFacts FactsFromAccount(const flywheel::accounts::v1::Account& a) {
  AccountFacts f;
  f.id = a.id();
  f.name = a.name();
  f.licensed_seats = a.licensed_seats();
  if (a.has_arr()) f.arr = convert::FromProto(a.arr());
  f.csm_owner = a.csm_owner();
  FieldViolations ignored;  // the accounts service only stores valid days
  if (a.has_contract_start()) f.contract_start = convert::FromProto(a.contract_start(), "", ignored);
  if (a.has_value_target() && a.value_target().has_amount()) {
    f.value_target = convert::FromProto(a.value_target().amount());
    f.value_target_description = a.value_target().description();
  }
  return f;
}

pb::AccountHealth ToProto(const std::string& account_id, const HealthScore& h, const AccountFacts& facts,
                          absl::Time compute_time) {
  pb::AccountHealth m;
  m.set_account_id(account_id);
  *m.mutable_as_of() = convert::ToProto(h.as_of);
  m.set_overall_missing(!h.overall);
  m.set_overall(h.overall.value_or(0));
  m.set_computed_overall(h.computed_overall.value_or(0));
  m.set_behavioural_missing(!h.behavioural);
  m.set_behavioural(h.behavioural.value_or(0));
  m.set_emotional_missing(!h.emotional);
  m.set_emotional(h.emotional.value_or(0));
  m.set_band(ToProto(h.band));
  m.set_quadrant(ToProto(h.quadrant));
  m.set_prescription(ToProto(h.prescription));
  m.set_value_level(ToProto(h.value_level));
  m.set_trend(ToProto(h.trend));
  m.set_trend_delta(h.trend_delta);
  for (const auto& measure : h.measures) {
    auto* out = m.add_measures();
    out->set_name(measure.name);
    out->set_group(measure.group);
    out->set_missing(!measure.score);
    out->set_score(measure.score.value_or(0));
    out->set_weight(measure.weight);
    out->set_effective_weight(measure.effective_weight);
    out->set_contribution(measure.contribution);
    for (const auto& [name, value] : measure.inputs) {
      auto* input = out->add_inputs();
      input->set_name(name);
      input->set_value(value);
    }
    out->set_note(measure.note);
  }
  m.set_scorecard_id(h.scorecard_id);
  m.set_scorecard_version(h.scorecard_version);
  if (h.override) *m.mutable_override() = ToProto(account_id, *h.override);
  *m.mutable_compute_time() = convert::ToTimestamp(compute_time);
  if (facts.arr) *m.mutable_arr() = convert::ToProto(*facts.arr);
  m.set_csm_owner(facts.csm_owner);
  return m;
}

pb::HealthSummaryRow ToSummaryRow(const StoredScore& s) {
  pb::HealthSummaryRow r;
  r.set_account_id(s.account_id);
  r.set_account_name(s.account_name);
  r.set_overall(s.overall.value_or(0));
  r.set_overall_missing(!s.overall);
  r.set_band(ToProto(s.band));
  r.set_quadrant(ToProto(s.quadrant));
  r.set_trend(ToProto(s.trend));
  r.set_trend_delta(s.trend_delta);
  r.set_value_level(ToProto(s.value_level));
  if (s.arr) *r.mutable_arr() = convert::ToProto(*s.arr);
  r.set_csm_owner(s.csm_owner);
  if (s.value_target) *r.mutable_value_gap() = convert::ToProto(Money{s.value_target->currency_code, s.value_gap_minor});
  *r.mutable_as_of() = convert::ToProto(s.as_of);
  return r;
}

pb::ValueTracking ToProto(const std::string& account_id, absl::CivilDay as_of, const AccountFacts& facts,
                          const std::optional<ValueTracking>& t) {
  pb::ValueTracking m;
  m.set_account_id(account_id);
  *m.mutable_as_of() = convert::ToProto(as_of);
  m.set_target_description(facts.value_target_description);
  if (!t) return m;
  if (t->target) *m.mutable_target() = convert::ToProto(*t->target);
  *m.mutable_contract_year_start() = convert::ToProto(t->year_start);
  m.set_elapsed_days(t->elapsed_days);
  m.set_days_used(t->days_used);
  if (!t->realised.currency_code.empty()) {  // no target, ARR or record names a currency: nothing realised
    *m.mutable_realised() = convert::ToProto(t->realised);
    *m.mutable_projected_annual() = convert::ToProto(t->projected_annual);
  }
  if (t->gap) *m.mutable_gap() = convert::ToProto(*t->gap);
  if (t->on_track) m.set_on_track(*t->on_track);
  return m;
}

pb::Scorecard ToProto(const Scorecard& s) {
  pb::Scorecard m;
  m.set_id(s.id);
  m.set_version(s.version);
  m.set_name(s.name);
  auto* w = m.mutable_weights();
  w->set_presence(s.weights.presence);
  w->set_use_cases(s.weights.use_cases);
  w->set_value(s.weights.value);
  w->set_nps(s.weights.nps);
  w->set_csat(s.weights.csat);
  m.set_red_max(s.red_max);
  m.set_amber_max(s.amber_max);
  for (const auto& k : s.key_use_cases) m.add_key_use_cases(k);
  m.set_presence_target(s.presence_target);
  m.set_etag(absl::StrCat(s.version));
  *m.mutable_update_time() = convert::ToTimestamp(s.update_time);
  return m;
}

Scorecard FromProto(const pb::Scorecard& m) {
  Scorecard s;
  s.id = m.id();
  s.name = m.name();
  s.weights = {m.weights().presence(), m.weights().use_cases(), m.weights().value(), m.weights().nps(),
               m.weights().csat()};
  s.red_max = m.red_max();
  s.amber_max = m.amber_max();
  s.key_use_cases.assign(m.key_use_cases().begin(), m.key_use_cases().end());
  s.presence_target = m.presence_target();
  return s;
}

pb::Override ToProto(const std::string& account_id, const Override& o) {
  pb::Override m;
  m.set_account_id(account_id);
  m.set_value(o.value);
  m.set_reason(o.reason);
  m.set_author(o.author);
  m.set_on_behalf_of(o.on_behalf_of);
  *m.mutable_expire_time() = convert::ToTimestamp(o.expire_time);
  *m.mutable_create_time() = convert::ToTimestamp(o.create_time);
  return m;
}

pb::UsageReading ToProto(const UsageReading& r) {
  pb::UsageReading m;
  m.set_account_id(r.account_id);
  *m.mutable_day() = convert::ToProto(r.day);
  m.set_metric(r.metric);
  m.set_value(r.value);
  m.set_source(r.source);
  return m;
}

pb::SurveyResponse ToProto(const SurveyResponse& r) {
  pb::SurveyResponse m;
  m.set_account_id(r.account_id);
  m.set_response_id(r.response_id);
  m.set_kind(r.kind == SurveyKind::kNps ? pb::SURVEY_KIND_NPS : pb::SURVEY_KIND_CSAT);
  m.set_score(r.score);
  m.set_respondent(r.respondent);
  m.set_reason(r.reason);
  m.set_channel(r.channel);
  *m.mutable_time() = convert::ToTimestamp(r.time);
  return m;
}

pb::ValueRecord ToProto(const ValueRecord& r) {
  pb::ValueRecord m;
  m.set_account_id(r.account_id);
  m.set_record_id(r.record_id);
  *m.mutable_amount() = convert::ToProto(r.amount);
  *m.mutable_day() = convert::ToProto(r.day);
  m.set_description(r.description);
  return m;
}

UsageReading FromProto(const pb::UsageReading& m, const std::string& prefix, FieldViolations& v) {
  UsageReading r;
  r.account_id = m.account_id();
  r.day = DayOf(m.day(), m.has_day(), prefix + "day", v).value_or(absl::CivilDay());
  r.metric = m.metric();
  r.value = m.value();
  r.source = m.source();
  return r;
}

SurveyResponse FromProto(const pb::SurveyResponse& m, const std::string& prefix, FieldViolations& v) {
  SurveyResponse r;
  r.account_id = m.account_id();
  r.response_id = m.response_id();
  if (m.kind() == pb::SURVEY_KIND_NPS) {
    r.kind = SurveyKind::kNps;
  } else if (m.kind() == pb::SURVEY_KIND_CSAT) {
    r.kind = SurveyKind::kCsat;
  } else {
    v.Add(prefix + "kind", "must be NPS or CSAT");
  }
  r.score = m.score();
  r.respondent = m.respondent();
  r.reason = m.reason();
  r.channel = m.channel();
  if (!m.has_time()) {
    v.Add(prefix + "time", "is required");
  } else {
    r.time = convert::FromTimestamp(m.time(), prefix + "time", v).value_or(absl::UnixEpoch());
  }
  return r;
}

ValueRecord FromProto(const pb::ValueRecord& m, const std::string& prefix, FieldViolations& v) {
  ValueRecord r;
  r.account_id = m.account_id();
  r.record_id = m.record_id();
  if (!m.has_amount()) v.Add(prefix + "amount", "is required");
  r.amount = convert::FromProto(m.amount());
  r.day = DayOf(m.day(), m.has_day(), prefix + "day", v).value_or(absl::CivilDay());
  r.description = m.description();
  return r;
}

OverrideRequest FromProto(const pb::Override& o) {
  OverrideRequest out;
  out.account_id = o.account_id();
  out.value = o.value();
  out.reason = o.reason();
  out.author = o.author();
  out.on_behalf_of = o.on_behalf_of();
  if (o.has_expire_time()) out.expire_time = convert::FromTimestamp(o.expire_time(), "override.expire_time", out.problems);
  return out;
}

}  // namespace flywheel::health
