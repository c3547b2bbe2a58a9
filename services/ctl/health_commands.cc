#include "services/ctl/health_commands.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "flywheel/health/v1/health.grpc.pb.h"
#include "services/ctl/accounts_commands.h"
#include "services/ctl/csv.h"
#include "services/ctl/options.h"
#include "services/ctl/table.h"
#include "services/ctl/watch.h"

namespace flywheel::ctl {
namespace {

namespace pb = flywheel::health::v1;

std::string Score(bool missing, double value) { return missing ? "missing" : absl::StrFormat("%.1f", value); }

std::string Currencies(const google::protobuf::RepeatedPtrField<flywheel::type::v1::Money>& amounts) {
  std::vector<std::string> parts;
  for (const auto& m : amounts) parts.push_back(Money(m));
  return parts.empty() ? "-" : absl::StrJoin(parts, " + ");
}

int Get(pb::HealthService::Stub& stub, const Options& o) {
  if (o.positional.size() < 2) {
    std::fprintf(stderr, "usage: flywheelctl health get ACCOUNT_ID [--as_of=YYYY-MM-DD]\n");
    return 2;
  }
  pb::GetHealthRequest req;
  req.set_account_id(o.positional[1]);
  if (std::string as_of = o.Flag("as_of"); !as_of.empty()) {
    auto day = ParseDay(as_of);
    if (!day) {
      std::fprintf(stderr, "--as_of must be YYYY-MM-DD\n");
      return 2;
    }
    *req.mutable_as_of() = *day;
  }
  pb::AccountHealth h;
  grpc::Status s = stub.GetHealth(NewContext().get(), req, &h);
  if (!s.ok()) return Fail(s);
  std::printf("account %s as of %s (scorecard %s v%lld)\n", h.account_id().c_str(), Day(h.as_of()).c_str(),
              h.scorecard_id().c_str(), static_cast<long long>(h.scorecard_version()));
  std::printf("overall %s  band %s  quadrant %s  prescription %s  value level %s  trend %s\n",
              Score(h.overall_missing(), h.overall()).c_str(), Label(pb::Band_Name(h.band()), "BAND_").c_str(),
              Label(pb::Quadrant_Name(h.quadrant()), "QUADRANT_").c_str(),
              Label(pb::Prescription_Name(h.prescription()), "PRESCRIPTION_").c_str(),
              Label(pb::ValueLevel_Name(h.value_level()), "VALUE_LEVEL_").c_str(),
              Label(pb::Trend_Name(h.trend()), "TREND_").c_str());
  std::printf("behavioural %s  emotional %s\n", Score(h.behavioural_missing(), h.behavioural()).c_str(),
              Score(h.emotional_missing(), h.emotional()).c_str());
  if (h.has_override()) {
    std::printf("override %.1f by %s: %s\n", h.override().value(), h.override().author().c_str(),
                h.override().reason().c_str());
  }
  Table table({"MEASURE", "GROUP", "SCORE", "WEIGHT", "EFFECTIVE", "CONTRIBUTION", "INPUTS"});
  for (const auto& m : h.measures()) {
    std::vector<std::string> inputs;
    for (const auto& i : m.inputs()) inputs.push_back(absl::StrFormat("%s=%.10g", i.name(), i.value()));
    table.AddRow({m.name(), m.group(), Score(m.missing(), m.score()), absl::StrFormat("%g", m.weight()),
                  absl::StrFormat("%.3f", m.effective_weight()), absl::StrFormat("%.2f", m.contribution()),
                  m.missing() ? m.note() : absl::StrJoin(inputs, " ")});
  }
  return Print(table, o);
}

int Summary(pb::HealthService::Stub& stub, const Options& o) {
  pb::GetPortfolioSummaryRequest req;
  req.set_csm_owner(o.Flag("csm"));
  pb::PortfolioSummary sum;
  grpc::Status s = stub.GetPortfolioSummary(NewContext(120).get(), req, &sum);
  if (!s.ok()) return Fail(s);
  std::printf("%lld accounts; ARR at risk (RED) %s; value target %s, projected %s, gap %s\n",
              static_cast<long long>(sum.accounts()), Currencies(sum.arr_at_risk()).c_str(),
              Currencies(sum.value_target()).c_str(), Currencies(sum.value_projected()).c_str(),
              Currencies(sum.value_gap()).c_str());
  Table bands({"BAND", "ACCOUNTS", "ARR"});
  for (const auto& b : sum.bands()) {
    bands.AddRow({Label(pb::Band_Name(b.band()), "BAND_"), absl::StrCat(b.accounts()), Currencies(b.arr())});
  }
  std::printf("\n%s", bands.Render().c_str());
  Table quadrants({"QUADRANT", "ACCOUNTS", "ARR"});
  for (const auto& q : sum.quadrants()) {
    quadrants.AddRow({Label(pb::Quadrant_Name(q.quadrant()), "QUADRANT_"), absl::StrCat(q.accounts()),
                      Currencies(q.arr())});
  }
  std::printf("\n%s", quadrants.Render().c_str());
  Table gaps({"TOP VALUE GAPS", "ACCOUNT ID", "GAP", "BAND"});
  for (const auto& r : sum.top_value_gaps()) {
    gaps.AddRow({r.account_name(), r.account_id(), Money(r.value_gap()), Label(pb::Band_Name(r.band()), "BAND_")});
  }
  std::printf("\n%s", gaps.Render().c_str());
  Table drops({"TOP HEALTH DROPS", "ACCOUNT ID", "CHANGE", "OVERALL"});
  for (const auto& r : sum.top_health_drops()) {
    drops.AddRow({r.account_name(), r.account_id(), absl::StrFormat("%+.1f", r.trend_delta()),
                  Score(r.overall_missing(), r.overall())});
  }
  std::printf("\n%s", drops.Render().c_str());
  return 0;
}

int Rescore(pb::HealthService::Stub& stub, const Options& o) {
  pb::RescorePortfolioRequest req;
  if (std::string as_of = o.Flag("as_of"); !as_of.empty()) {
    auto day = ParseDay(as_of);
    if (!day) {
      std::fprintf(stderr, "--as_of must be YYYY-MM-DD\n");
      return 2;
    }
    *req.mutable_as_of() = *day;
  }
  if (std::string shard = o.Flag("shard"); !shard.empty()) {
    std::vector<std::string> parts = absl::StrSplit(shard, '/');
    int k = 0, n = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &k) || !absl::SimpleAtoi(parts[1], &n)) {
      std::fprintf(stderr, "--shard must be k/n\n");
      return 2;
    }
    req.set_shard_index(k);
    req.set_shard_count(n);
  }
  pb::RescorePortfolioResponse resp;
  grpc::Status s = stub.RescorePortfolio(NewContext(3600).get(), req, &resp);
  if (!s.ok()) return Fail(s);
  std::printf("rescored %lld accounts in %.2f s (%lld band or quadrant changes)\n",
              static_cast<long long>(resp.accounts_scored()), resp.total_seconds(),
              static_cast<long long>(resp.band_changes()));
  return 0;
}

// Loads signals from a CSV with the columns kind,day,metric,value,id,respondent,reason[,account]
// (any order), where kind is usage, nps, csat or value (value: `value` in minor units, currency
// in `metric`). The account is the row's `account` column (an id, or an external id with
// --external_source=SOURCE) or else --account. Usage readings are streamed (StreamUsage) as the
// file is read; a row that cannot be used is listed and counted, and the others are recorded.
int Load(pb::HealthService::Stub& stub, AccountResolver& accounts, const Options& o) {
  std::string default_account = o.Flag("account");
  if (o.positional.size() < 2) {
    std::fprintf(stderr,
                 "usage: flywheelctl health load FILE.csv [--account=ACCOUNT_ID] [--external_source=SOURCE]\n");
    return kExitBadInput;
  }
  std::ifstream in(o.positional[1], std::ios::binary);
  if (!in) return BadFile(o.positional[1], absl::NotFoundError("cannot be read"));
  grpc::ClientContext stream_context;
  ApplyIdentity(&stream_context);
  pb::RecordUsageResponse accepted;
  auto stream = stub.StreamUsage(&stream_context, &accepted);
  pb::RecordUsageRequest usage;
  constexpr int kReadingsPerMessage = 5000;
  int surveys = 0, values = 0, failed = 0;
  absl::Status read = ReadCsv(
      in, [](const CsvHeader& header) { return header.Require({"kind", "day", "metric", "value"}); },
      [&](const CsvRow& row) -> absl::Status {
        std::string kind = absl::AsciiStrToLower(row.Get("kind"));
        std::string account = row.Get("account").empty() ? default_account : accounts.Resolve(row.Get("account"));
        auto day = ParseDay(row.Get("day"));
        double value = 0;
        std::string problem = account.empty()                                   ? "no account (give an account column or --account)"
                              : !day                                            ? "day must be YYYY-MM-DD"
                              : !absl::SimpleAtod(row.Get("value"), &value)     ? "value must be a number"
                              : kind != "usage" && kind != "nps" && kind != "csat" && kind != "value"
                                  ? "kind must be usage, nps, csat or value"
                                  : "";
        if (!problem.empty()) {
          RowFailed(row.line, problem);
          ++failed;
          return absl::OkStatus();
        }
        grpc::Status s;
        if (kind == "usage") {
          auto* r = usage.add_readings();
          r->set_account_id(account);
          *r->mutable_day() = *day;
          r->set_metric(row.Get("metric"));
          r->set_value(value);
          r->set_source("csv");
          if (usage.readings_size() == kReadingsPerMessage) {
            stream->Write(usage);
            usage.clear_readings();
          }
          return absl::OkStatus();
        }
        if (kind == "value") {
          pb::RecordValueRequest req;
          auto* r = req.mutable_record();
          r->set_account_id(account);
          r->set_record_id(row.Get("id"));
          r->mutable_amount()->set_currency_code(row.Get("metric"));
          r->mutable_amount()->set_minor_units(static_cast<int64_t>(value));
          *r->mutable_day() = *day;
          r->set_description(row.Get("reason"));
          pb::ValueRecord out;
          s = stub.RecordValue(NewContext().get(), req, &out);
          values += s.ok();
        } else {
          pb::RecordSurveyResponseRequest req;
          auto* r = req.mutable_response();
          r->set_account_id(account);
          r->set_response_id(row.Get("id"));
          r->set_kind(kind == "nps" ? pb::SURVEY_KIND_NPS : pb::SURVEY_KIND_CSAT);
          r->set_score(static_cast<int>(value));
          r->set_respondent(row.Get("respondent"));
          r->set_reason(row.Get("reason"));
          r->set_channel("survey");
          r->mutable_time()->set_seconds(absl::ToUnixSeconds(
              absl::FromCivil(absl::CivilDay(day->year(), day->month(), day->day()), absl::UTCTimeZone())));
          pb::SurveyResponse out;
          s = stub.RecordSurveyResponse(NewContext().get(), req, &out);
          surveys += s.ok();
        }
        if (!s.ok()) {
          RowFailed(row.line, s.error_message());
          ++failed;
        }
        return absl::OkStatus();
      });
  if (!read.ok()) {
    stream_context.TryCancel();  // nothing of a file that cannot be read is committed by the stream
    stream->Finish();
    return BadFile(o.positional[1], read);
  }
  if (usage.readings_size() > 0) stream->Write(usage);
  stream->WritesDone();
  grpc::Status s = stream->Finish();
  if (!s.ok()) return Fail(s);
  std::printf("%lld usage readings, %d survey responses, %d value records recorded, %d rows failed\n",
              static_cast<long long>(accepted.accepted()), surveys, values, failed);
  return failed == 0 ? 0 : kExitRowsFailed;
}

// Follows WatchHealth: band and quadrant changes, or with --all every live rescore.
int WatchChanges(pb::HealthService::Stub& stub, const Options& o) {
  pb::WatchHealthRequest req;
  req.set_csm_owner(o.Flag("csm"));
  req.set_include_unchanged_band(o.flags.count("all") > 0);
  return Watch<pb::WatchHealthRequest, pb::HealthChange>(
      req, o,
      [&stub](grpc::ClientContext* ctx, const pb::WatchHealthRequest& r) { return stub.WatchHealth(ctx, r); },
      [](const pb::HealthChange& c) {
        return absl::StrFormat("%s  %s  %s -> %s  %s -> %s  overall %.1f  as of %s  (%s)",
                               absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(c.time().seconds()),
                                                absl::UTCTimeZone()),
                               c.account_id(), Label(pb::Band_Name(c.previous_band()), "BAND_"),
                               Label(pb::Band_Name(c.band()), "BAND_"),
                               Label(pb::Quadrant_Name(c.previous_quadrant()), "QUADRANT_"),
                               Label(pb::Quadrant_Name(c.quadrant()), "QUADRANT_"), c.overall(), Day(c.as_of()),
                               absl::AsciiStrToLower(Label(pb::ChangeCause_Name(c.cause()), "CHANGE_CAUSE_")));
      });
}

}  // namespace

int RunHealthCommand(const std::shared_ptr<grpc::Channel>& channel, const std::shared_ptr<grpc::Channel>& accounts,
                     const std::vector<std::string>& args) {
  Options o = ParseOptions(args);
  AccountResolver resolver(accounts, o.Flag("external_source"));
  auto stub = pb::HealthService::NewStub(channel);
  std::string verb = o.positional.empty() ? "" : o.positional[0];
  if (verb == "get") return Get(*stub, o);
  if (verb == "summary") return Summary(*stub, o);
  if (verb == "rescore") return Rescore(*stub, o);
  if (verb == "load") return Load(*stub, resolver, o);
  if (verb == "watch") return WatchChanges(*stub, o);
  std::fprintf(stderr,
               "usage: flywheelctl health get ACCOUNT_ID [--as_of=YYYY-MM-DD]\n"
               "       flywheelctl health summary [--csm=EMAIL]\n"
               "       flywheelctl health rescore [--as_of=YYYY-MM-DD] [--shard=k/n]\n"
               "       flywheelctl health load FILE.csv --account=ACCOUNT_ID\n"
               "       flywheelctl health watch [--csm=EMAIL] [--all] [--resume=TOKEN] [--count=N] [--for=SECONDS]"
               " [--format=json]\n");
  return 2;
}

}  // namespace flywheel::ctl
