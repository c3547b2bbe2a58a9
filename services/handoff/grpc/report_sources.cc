#include "services/handoff/grpc/report_sources.h"

#include "common/convert/type_convert.h"
#include "services/handoff/grpc/handoff_proto.h"

namespace flywheel::handoff {
namespace {

namespace hpb = ::flywheel::health::v1;
namespace spb = ::flywheel::stakeholders::v1;

// How a finding names the role (Finding::target_role in domain/exceptions.h).
const char* RoleOf(spb::Role role) {
  switch (role) {
    case spb::ROLE_OWNER: return "OWNER";
    case spb::ROLE_CHAMPION: return "CHAMPION";
    case spb::ROLE_ENABLER: return "ENABLER";
    case spb::ROLE_PRODUCER: return "PRODUCER";
    default: return "";
  }
}

absl::CivilDay DayOf(const flywheel::type::v1::Date& d) { return absl::CivilDay(d.year(), d.month(), d.day()); }

// The presence measure's score (when not missing) and one of its inputs.
void ReadPresence(const hpb::AccountHealth& h, HealthInputs& out) {
  for (const auto& m : h.measures()) {
    if (m.name() != "presence") continue;
    if (!m.missing()) out.presence = m.score();
    for (const auto& i : m.inputs()) {
      if (i.name() == "active_users_28d") out.active_users_28d = i.value();
    }
  }
}

HealthInputs FromProto(const hpb::ReportInputs& in) {
  HealthInputs out;
  out.account_id = in.account_id();
  ReadPresence(in.health(), out);
  out.quadrant = QuadrantFromProto(in.health().quadrant());
  if (in.value().has_target()) {
    out.value = HealthInputs::Value{in.value().target().currency_code(), in.value().target().minor_units(),
                                    in.value().projected_annual().minor_units(), in.value().gap().minor_units(),
                                    static_cast<int>(in.value().elapsed_days())};
  }
  for (const auto& d : in.detractors()) {
    out.detractors.push_back(
        {d.respondent(), d.score(), absl::ToCivilDay(convert::FromTimestamp(d.time()), absl::UTCTimeZone())});
  }
  if (!in.health().overall_missing()) out.overall = in.health().overall();
  if (!in.overall_30_days_earlier_missing()) out.overall_30_days_earlier = in.overall_30_days_earlier();
  if (in.has_series_start_day()) out.series_start = DayOf(in.series_start_day());
  for (const auto& s : in.series()) out.series[s.name()].assign(s.values().begin(), s.values().end());
  return out;
}

}  // namespace

absl::Status ClientReportSources::ForEachAccount(const std::function<bool(const ShardAccount&)>& visit) {
  return upstreams_.accounts.ForEach(
      [&](const accounts::v1::Account& a) { return visit(ShardAccount{a.id(), a.csm_owner()}); });
}

absl::StatusOr<std::vector<HealthInputs>> ClientReportSources::ReportInputs(absl::CivilDay as_of,
                                                                            const std::vector<std::string>& account_ids,
                                                                            const std::vector<SeriesAsk>& series) {
  hpb::BatchGetReportInputsRequest request;
  *request.mutable_as_of() = convert::ToProto(as_of);
  for (const auto& id : account_ids) request.add_account_ids(id);
  for (const SeriesAsk& ask : series) {
    hpb::SeriesRequest* s = request.add_series();
    s->set_account_id(ask.account_id);
    *s->mutable_start_day() = convert::ToProto(ask.start);
    for (const auto& n : ask.names) s->add_names(n);
  }
  auto response = upstreams_.health.BatchGetReportInputs(request);
  if (!response.ok()) return response.status();
  std::vector<HealthInputs> out;
  out.reserve(response->inputs_size());
  for (const auto& in : response->inputs()) out.push_back(FromProto(in));
  return out;
}

absl::StatusOr<std::vector<RolePerson>> ClientReportSources::People(const std::vector<std::string>& account_ids) {
  auto coverage = upstreams_.stakeholders.BatchGetCoverage(account_ids);
  if (!coverage.ok()) return coverage.status();
  std::vector<RolePerson> out;
  out.reserve(coverage->stakeholders_size());
  for (const auto& s : coverage->stakeholders()) {
    out.push_back({s.account_id(), RoleOf(s.role()),
                   s.enabler_focus() == spb::ENABLER_FOCUS_LEARNING, s.email().empty() ? s.name() : s.email()});
  }
  return out;
}

absl::StatusOr<std::vector<ShardAccount>> ClientReportSources::Accounts(const std::vector<std::string>& account_ids) {
  std::vector<ShardAccount> out;
  for (const std::string& id : account_ids) {
    auto a = upstreams_.accounts.Get(id, /*fresh=*/true);
    if (a.ok()) {
      out.push_back({id, a->csm_owner()});
    } else if (a.status().code() == absl::StatusCode::kNotFound) {
      out.push_back({id, ""});
    } else {
      return a.status();
    }
  }
  return out;
}

}  // namespace flywheel::handoff
