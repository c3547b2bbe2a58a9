#include "services/ctl/stakeholders_commands.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "flywheel/stakeholders/v1/stakeholders.grpc.pb.h"
#include "services/ctl/accounts_commands.h"
#include "services/ctl/csv.h"
#include "services/ctl/options.h"
#include "services/ctl/table.h"

namespace flywheel::ctl {
namespace {

namespace pb = flywheel::stakeholders::v1;

int Usage() {
  std::fprintf(stderr,
               "usage: flywheelctl stakeholders list ACCOUNT_ID\n"
               "       flywheelctl stakeholders load FILE.csv [--external_source SOURCE]   (rows: account_id,name,email,"
               "title,function,role,engagement,decision_authority[,enabler_focus: it|learning])\n"
               "       flywheelctl stakeholders coverage ACCOUNT_ID\n"
               "       flywheelctl stakeholders briefing STAKEHOLDER_ID [--as-of DAY]\n"
               "       flywheelctl stakeholders briefing ACCOUNT_ID --role ROLE [--as-of DAY]\n");
  return 2;
}

int List(pb::StakeholderService::Stub& stub, const Options& o) {
  pb::ListStakeholdersRequest req;
  req.set_account_id(o.positional[1]);
  req.set_page_size(1000);
  Table table({"ID", "NAME", "EMAIL", "ROLE", "FUNCTION", "ENGAGEMENT", "AUTHORITY"});
  for (;;) {
    pb::ListStakeholdersResponse resp;
    grpc::Status s = stub.ListStakeholders(NewContext().get(), req, &resp);
    if (!s.ok()) return Fail(s);
    for (const auto& p : resp.stakeholders()) {
      table.AddRow({p.id(), p.name(), p.email(), Label(pb::Role_Name(p.role()), "ROLE_"), p.function(),
                    Label(pb::Engagement_Name(p.engagement()), "ENGAGEMENT_"), p.decision_authority() ? "yes" : ""});
    }
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  return Print(table, o);
}

// One CreateStakeholder per row, with a request id derived from the row's account and email so
// that a re-run of the same file creates nothing twice.
int Load(pb::StakeholderService::Stub& stub, AccountResolver& accounts, const Options& o) {
  absl::StatusOr<CsvTable> file = ReadCsvFile(o.positional[1], {"account_id", "name", "email", "role"});
  if (!file.ok()) return BadFile(o.positional[1], file.status());
  int created = 0, failed = 0;
  for (const CsvRow& row : file->rows) {
    pb::Role role = pb::ROLE_UNSPECIFIED;
    pb::Engagement engagement = pb::ENGAGEMENT_UNKNOWN;
    std::string engagement_text = row.Get("engagement");
    if (!pb::Role_Parse(absl::StrCat("ROLE_", absl::AsciiStrToUpper(row.Get("role"))), &role)) {
      RowFailed(row.line, "role must be owner, champion, enabler or producer");
      ++failed;
      continue;
    }
    if (!engagement_text.empty() &&
        !pb::Engagement_Parse(absl::StrCat("ENGAGEMENT_", absl::AsciiStrToUpper(engagement_text)), &engagement)) {
      RowFailed(row.line, "engagement must be unknown, aware, involved, engaged or advocate");
      ++failed;
      continue;
    }
    pb::EnablerFocus focus = pb::ENABLER_FOCUS_UNSPECIFIED;
    if (std::string text = row.Get("enabler_focus"); !text.empty() &&
        !pb::EnablerFocus_Parse(absl::StrCat("ENABLER_FOCUS_", absl::AsciiStrToUpper(text)), &focus)) {
      RowFailed(row.line, "enabler_focus must be it or learning");
      ++failed;
      continue;
    }
    std::string account = accounts.Resolve(row.Get("account_id"));
    if (account.empty()) {
      RowFailed(row.line, absl::StrCat("no account ", row.Get("account_id")));
      ++failed;
      continue;
    }
    pb::CreateStakeholderRequest req;
    auto* s = req.mutable_stakeholder();
    s->set_account_id(account);
    s->set_name(row.Get("name"));
    s->set_email(row.Get("email"));
    s->set_title(row.Get("title"));
    s->set_function(row.Get("function"));
    s->set_role(role);
    s->set_engagement(engagement);
    s->set_enabler_focus(focus);
    std::string authority = absl::AsciiStrToLower(row.Get("decision_authority"));
    s->set_decision_authority(authority == "true" || authority == "yes");
    req.set_request_id(absl::StrCat("load:", account, ":", absl::AsciiStrToLower(row.Get("email"))));
    pb::Stakeholder out;
    grpc::Status st = stub.CreateStakeholder(NewContext().get(), req, &out);
    if (!st.ok()) {
      RowFailed(row.line, st.error_message());
      ++failed;
      continue;
    }
    ++created;
  }
  std::printf("%d stakeholders loaded, %d rows failed\n", created, failed);
  return failed == 0 ? 0 : kExitRowsFailed;
}

int Coverage(pb::StakeholderService::Stub& stub, const Options& o) {
  pb::GetCoverageRequest req;
  req.set_account_id(o.positional[1]);
  pb::Coverage c;
  grpc::Status s = stub.GetCoverage(NewContext().get(), req, &c);
  if (!s.ok()) return Fail(s);
  Table table({"ROLE", "STAKEHOLDERS", "ENGAGED"});
  for (const auto& r : c.roles()) {
    table.AddRow({Label(pb::Role_Name(r.role()), "ROLE_"), absl::StrCat(r.stakeholders()), absl::StrCat(r.engaged())});
  }
  if (o.Flag("format", "table") == "table") {
    std::printf("%s: %s%s\n", c.account_id().c_str(), c.complete() ? "every role covered" : "roles missing",
                c.single_threaded() ? ", single-threaded" : "");
  }
  return Print(table, o);
}

int Briefing(pb::StakeholderService::Stub& stub, const Options& o) {
  pb::GetBriefingRequest req;
  if (std::string role = o.Flag("role"); !role.empty()) {
    pb::Role r;
    if (!pb::Role_Parse(absl::StrCat("ROLE_", absl::AsciiStrToUpper(role)), &r)) return Usage();
    req.set_account_id(o.positional[1]);
    req.set_role(r);
  } else {
    req.set_stakeholder_id(o.positional[1]);
  }
  if (std::string as_of = o.Flag("as_of"); !as_of.empty()) {
    auto day = ParseDay(as_of);
    if (!day) return Usage();
    *req.mutable_as_of() = *day;
  }
  pb::Briefing b;
  grpc::Status s = stub.GetBriefing(NewContext().get(), req, &b);
  if (!s.ok()) return Fail(s);
  Table table({"METRIC", "LATEST", "ON", "PREVIOUS", "ON", "TREND"});
  for (const auto& m : b.metrics()) {
    table.AddRow({m.label().empty() ? m.name() : m.label(), m.has_latest() ? absl::StrFormat("%g", m.latest()) : "-",
                  m.has_latest() ? Day(m.latest_day()) : "", m.has_previous() ? absl::StrFormat("%g", m.previous()) : "-",
                  m.has_previous() ? Day(m.previous_day()) : "", Label(pb::Trend_Name(m.trend()), "TREND_")});
  }
  if (o.Flag("format", "table") == "table") {
    std::vector<std::string> who;
    for (const auto& p : b.stakeholders()) who.push_back(p.name());
    std::printf("%s briefing for %s (%s)\n", Label(pb::Role_Name(b.role()), "ROLE_").c_str(), b.account_id().c_str(),
                who.empty() ? "role unfilled" : absl::StrJoin(who, ", ").c_str());
    if (b.has_value_target()) {
      std::printf("value target %s, realised %s, projected %s, gap %s\n", Money(b.value_target()).c_str(),
                  Money(b.value_realised()).c_str(), Money(b.value_projected()).c_str(), Money(b.value_gap()).c_str());
    }
    if (!b.summary().empty()) std::printf("%s\n", b.summary().c_str());
  }
  return Print(table, o);
}

}  // namespace

int RunStakeholdersCommand(std::shared_ptr<grpc::Channel> channel, std::shared_ptr<grpc::Channel> accounts,
                           const std::vector<std::string>& args) {
  Options o = ParseOptions(args);
  AccountResolver resolver(accounts, o.Flag("external_source"));
  if (o.positional.size() != 2) return Usage();
  auto stub = pb::StakeholderService::NewStub(channel);
  const std::string& verb = o.positional[0];
  if (verb == "list") return List(*stub, o);
  if (verb == "load") return Load(*stub, resolver, o);
  if (verb == "coverage") return Coverage(*stub, o);
  if (verb == "briefing") return Briefing(*stub, o);
  return Usage();
}

}  // namespace flywheel::ctl
