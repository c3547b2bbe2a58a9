#include "services/ctl/handoff_commands.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "flywheel/handoff/v1/handoff.grpc.pb.h"
#include "services/ctl/accounts_commands.h"
#include "services/ctl/csv.h"
#include "services/ctl/options.h"
#include "services/ctl/table.h"
#include "services/ctl/watch.h"

namespace flywheel::ctl {
namespace {

namespace pb = flywheel::handoff::v1;

// Parses an enum value given without its prefix ("HIGH" for SEVERITY_HIGH); false when unknown.
template <typename Enum, typename ParseFn>
bool ParseLabel(const std::string& text, const char* prefix, ParseFn parse, Enum* out) {
  return parse(absl::StrCat(prefix, absl::AsciiStrToUpper(text)), out);
}

int Usage(const char* text) {
  std::fprintf(stderr, "usage: %s\n", text);
  return 2;
}

std::optional<flywheel::type::v1::Date> DayFlag(const Options& o, const std::string& name, bool* bad) {
  std::string text = o.Flag(name);
  if (text.empty()) return std::nullopt;
  auto day = ParseDay(text);
  if (!day) {
    std::fprintf(stderr, "--%s must be YYYY-MM-DD\n", name.c_str());
    *bad = true;
  }
  return day;
}

Table ExceptionTable() {
  return Table({"ACCOUNT", "RULE", "SUBJECT", "SEVERITY", "STATUS", "OPENED", "DUE", "PAST_DUE", "ASSIGNEE", "REMEDY",
                "TARGETS", "DETAIL", "EVIDENCE", "ID"});
}

void AddException(Table& table, const pb::Exception& e) {
  std::vector<std::string> evidence;
  for (const auto& ev : e.evidence()) evidence.push_back(absl::StrCat(ev.name(), "=", ev.value()));
  table.AddRow({e.account_id(), Label(pb::RuleKind_Name(e.rule()), "RULE_KIND_"), e.subject(),
                Label(pb::Severity_Name(e.severity()), "SEVERITY_"),
                Label(pb::ExceptionStatus_Name(e.status()), "EXCEPTION_STATUS_"),
                Day(e.opened_day()), Day(e.due_day()), absl::StrCat(e.days_past_due()), e.assignee(),
                Label(pb::RemedyKind_Name(e.remedy().kind()), "REMEDY_KIND_"),
                absl::StrCat(e.remedy().target_role(), e.remedy().target_stakeholders().empty() ? "" : ": ",
                             absl::StrJoin(e.remedy().target_stakeholders(), " ")),
                e.remedy().detail(), absl::StrJoin(evidence, "; "), e.id()});
}

// report exceptions --as_of=DAY --shard=K/N [--dry_run] [--format=table|json|csv]
int Report(pb::HandoffService::Stub& stub, const Options& o) {
  const char* usage = "flywheelctl report exceptions [--as-of DAY] [--shard K/N] [--dry_run] [--format table|json|csv]";
  if (o.positional.size() != 1 || o.positional[0] != "exceptions") return Usage(usage);
  pb::RunExceptionReportRequest req;
  bool bad = false;
  if (auto day = DayFlag(o, "as_of", &bad)) *req.mutable_as_of() = *day;
  if (bad) return 2;
  if (std::string shard = o.Flag("shard"); !shard.empty()) {
    std::vector<std::string> parts = absl::StrSplit(shard, '/');
    int k = 0, n = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &k) || !absl::SimpleAtoi(parts[1], &n)) return Usage(usage);
    req.set_shard_index(k);
    req.set_shard_count(n);
  }
  req.set_dry_run(o.Flag("dry_run") == "true");
  auto ctx = NewContext(3600);
  auto reader = stub.StreamExceptionReport(ctx.get(), req);
  pb::ExceptionReportEvent event;
  Table table = ExceptionTable();
  pb::ReportRun run;
  while (reader->Read(&event)) {
    if (event.has_exception()) AddException(table, event.exception());
    if (event.has_run()) run = event.run();
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return Fail(status);
  if (int printed = Print(table, o); printed != 0) return printed;
  std::fflush(stdout);
  // The summary goes to stderr so that stdout stays one clean table, JSON document or CSV file.
  std::fprintf(stderr,
               "report %s as of %s, shard %d/%d%s: %lld accounts (%lld deleted meanwhile), %lld findings, %lld opened, "
               "%lld updated, %lld resolved in %.2f s (fetch %.2f s, evaluate %.2f s, write %.2f s)\n",
               run.id().empty() ? "(dry run)" : run.id().c_str(), Day(run.as_of()).c_str(), run.shard_index(),
               run.shard_count(), run.dry_run() ? " dry run" : "", static_cast<long long>(run.accounts_scanned()),
               static_cast<long long>(run.accounts_skipped()),
               static_cast<long long>(run.findings()), static_cast<long long>(run.opened()),
               static_cast<long long>(run.updated()), static_cast<long long>(run.resolved()), run.total_seconds(),
               run.fetch_seconds(), run.evaluate_seconds(), run.write_seconds());
  return 0;
}

int ListExceptions(pb::HandoffService::Stub& stub, const Options& o) {
  pb::ListExceptionsRequest req;
  if (std::string s = o.Flag("status"); !s.empty()) {
    pb::ExceptionStatus v;
    if (!ParseLabel(s, "EXCEPTION_STATUS_", pb::ExceptionStatus_Parse, &v)) return Usage("--status OPEN|ACKNOWLEDGED|…");
    req.set_status(v);
  }
  if (std::string s = o.Flag("severity"); !s.empty()) {
    pb::Severity v;
    if (!ParseLabel(s, "SEVERITY_", pb::Severity_Parse, &v)) return Usage("--severity LOW|MEDIUM|HIGH");
    req.set_severity(v);
  }
  if (std::string s = o.Flag("rule"); !s.empty()) {
    pb::RuleKind v;
    if (!ParseLabel(s, "RULE_KIND_", pb::RuleKind_Parse, &v)) return Usage("--rule VALUE_GAP|DETRACTOR|…");
    req.set_rule(v);
  }
  req.set_assignee(o.Flag("assignee"));
  req.set_account_id(o.Flag("account"));
  req.set_overdue_only(o.Flag("overdue") == "true");
  req.set_active_only(o.Flag("active") == "true");
  req.set_page_size(1000);
  Table table = ExceptionTable();
  for (;;) {
    pb::ListExceptionsResponse resp;
    grpc::Status s = stub.ListExceptions(NewContext().get(), req, &resp);
    if (!s.ok()) return Fail(s);
    for (const auto& e : resp.exceptions()) AddException(table, e);
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  return Print(table, o);
}

int PrintOne(const grpc::Status& s, const pb::Exception& e, const Options& o) {
  if (!s.ok()) return Fail(s);
  Table table = ExceptionTable();
  AddException(table, e);
  return Print(table, o);
}

// Follows WatchExceptions: one line an event.
int WatchExceptions(pb::HandoffService::Stub& stub, const Options& o) {
  pb::WatchExceptionsRequest req;
  req.set_assignee(o.Flag("assignee"));
  req.set_account_id(o.Flag("account"));
  return Watch<pb::WatchExceptionsRequest, pb::ExceptionEvent>(
      req, o,
      [&stub](grpc::ClientContext* ctx, const pb::WatchExceptionsRequest& r) { return stub.WatchExceptions(ctx, r); },
      [](const pb::ExceptionEvent& e) {
        const pb::Exception& x = e.exception();
        return absl::StrFormat("%s  %-12s %s  %s %s  %s  due %s  %s",
                               absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(e.time().seconds()),
                                                absl::UTCTimeZone()),
                               Label(pb::ExceptionEventType_Name(e.type()), "EXCEPTION_EVENT_TYPE_"), x.id(),
                               Label(pb::RuleKind_Name(x.rule()), "RULE_KIND_"),
                               Label(pb::Severity_Name(x.severity()), "SEVERITY_"), x.account_id(), Day(x.due_day()),
                               x.assignee());
      });
}

int Exceptions(pb::HandoffService::Stub& stub, const Options& o) {
  const char* usage =
      "flywheelctl exceptions list [--status S] [--severity S] [--rule R] [--assignee A] [--account ID] [--overdue] "
      "[--active]\n"
      "       flywheelctl exceptions get|ack|resolve ID\n"
      "       flywheelctl exceptions dismiss ID --reason TEXT\n"
      "       flywheelctl exceptions snooze ID --until DAY --reason TEXT\n"
      "       flywheelctl exceptions reassign ID --assignee WHO\n"
      "       flywheelctl exceptions watch [--assignee A] [--account ID] [--resume TOKEN] [--count N] [--for SECONDS]"
      " [--format json]";
  if (o.positional.empty()) return Usage(usage);
  const std::string& verb = o.positional[0];
  if (verb == "list") return ListExceptions(stub, o);
  if (verb == "watch") return WatchExceptions(stub, o);
  if (o.positional.size() != 2) return Usage(usage);
  const std::string& id = o.positional[1];
  std::string etag = o.Flag("etag");
  pb::Exception out;
  if (verb == "get") {
    pb::GetExceptionRequest req;
    req.set_id(id);
    return PrintOne(stub.GetException(NewContext().get(), req, &out), out, o);
  }
  if (verb == "ack") {
    pb::AcknowledgeExceptionRequest req;
    req.set_id(id);
    req.set_etag(etag);
    return PrintOne(stub.AcknowledgeException(NewContext().get(), req, &out), out, o);
  }
  if (verb == "resolve") {
    pb::ResolveExceptionRequest req;
    req.set_id(id);
    req.set_etag(etag);
    return PrintOne(stub.ResolveException(NewContext().get(), req, &out), out, o);
  }
  if (verb == "dismiss") {
    pb::DismissExceptionRequest req;
    req.set_id(id);
    req.set_reason(o.Flag("reason"));
    req.set_etag(etag);
    return PrintOne(stub.DismissException(NewContext().get(), req, &out), out, o);
  }
  if (verb == "snooze") {
    pb::SnoozeExceptionRequest req;
    req.set_id(id);
    bool bad = false;
    if (auto day = DayFlag(o, "until", &bad)) *req.mutable_until() = *day;
    if (bad) return 2;
    req.set_reason(o.Flag("reason"));
    req.set_etag(etag);
    return PrintOne(stub.SnoozeException(NewContext().get(), req, &out), out, o);
  }
  if (verb == "reassign") {
    pb::ReassignExceptionRequest req;
    req.set_id(id);
    req.set_assignee(o.Flag("assignee"));
    req.set_etag(etag);
    return PrintOne(stub.ReassignException(NewContext().get(), req, &out), out, o);
  }
  return Usage(usage);
}

Table HandoffTable() {
  return Table({"ID", "ACCOUNT", "FROM", "TO", "STATE", "SENDER", "RECEIVER", "SLA_DUE", "OVERDUE"});
}

void AddHandoff(Table& table, const pb::Handoff& h) {
  std::string due = h.has_sla_due_time() ? absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixSeconds(h.sla_due_time().seconds()),
                                                             absl::UTCTimeZone())
                                         : "";
  table.AddRow({h.id(), h.account_id(), Label(pb::Team_Name(h.from_team()), "TEAM_"),
                Label(pb::Team_Name(h.to_team()), "TEAM_"),
                Label(pb::HandoffState_Name(h.state()), "HANDOFF_STATE_"), h.sending_owner(),
                h.receiving_owner(), due, h.overdue() ? "yes" : ""});
}

int PrintHandoff(const grpc::Status& s, const pb::Handoff& h, const Options& o) {
  if (!s.ok()) return Fail(s);
  Table table = HandoffTable();
  AddHandoff(table, h);
  return Print(table, o);
}

int Handoffs(pb::HandoffService::Stub& stub, const Options& o) {
  const char* usage =
      "flywheelctl handoffs list [--state S] [--team T] [--owner WHO] [--account ID] [--overdue]\n"
      "       flywheelctl handoffs create --account ID --from TEAM --to TEAM --sender WHO [--receiver WHO] "
      "[--criteria TEXT] [--sla_days N]\n"
      "       flywheelctl handoffs get|submit|accept|cancel ID\n"
      "       flywheelctl handoffs reject ID --reason TEXT";
  if (o.positional.empty()) return Usage(usage);
  const std::string& verb = o.positional[0];
  pb::Handoff out;
  if (verb == "list") {
    pb::ListHandoffsRequest req;
    if (std::string s = o.Flag("state"); !s.empty()) {
      pb::HandoffState v;
      if (!ParseLabel(s, "HANDOFF_STATE_", pb::HandoffState_Parse, &v)) return Usage(usage);
      req.set_state(v);
    }
    if (std::string s = o.Flag("team"); !s.empty()) {
      pb::Team v;
      if (!ParseLabel(s, "TEAM_", pb::Team_Parse, &v)) return Usage(usage);
      req.set_team(v);
    }
    req.set_owner(o.Flag("owner"));
    req.set_account_id(o.Flag("account"));
    req.set_overdue_only(o.Flag("overdue") == "true");
    req.set_page_size(1000);
    Table table = HandoffTable();
    for (;;) {
      pb::ListHandoffsResponse resp;
      grpc::Status s = stub.ListHandoffs(NewContext().get(), req, &resp);
      if (!s.ok()) return Fail(s);
      for (const auto& h : resp.handoffs()) AddHandoff(table, h);
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    return Print(table, o);
  }
  if (verb == "create") {
    pb::CreateHandoffRequest req;
    auto* h = req.mutable_handoff();
    h->set_account_id(o.Flag("account"));
    pb::Team from, to;
    if (!ParseLabel(o.Flag("from"), "TEAM_", pb::Team_Parse, &from) || !ParseLabel(o.Flag("to"), "TEAM_", pb::Team_Parse, &to)) {
      return Usage(usage);
    }
    h->set_from_team(from);
    h->set_to_team(to);
    h->set_sending_owner(o.Flag("sender"));
    h->set_receiving_owner(o.Flag("receiver"));
    h->set_success_criteria(o.Flag("criteria"));
    int sla = 0;
    if (!o.Flag("sla_days").empty() && !absl::SimpleAtoi(o.Flag("sla_days"), &sla)) return Usage(usage);
    h->set_sla_days(sla);
    req.set_request_id(o.Flag("request_id"));
    return PrintHandoff(stub.CreateHandoff(NewContext().get(), req, &out), out, o);
  }
  if (o.positional.size() != 2) return Usage(usage);
  const std::string& id = o.positional[1];
  std::string etag = o.Flag("etag");
  if (verb == "get") {
    pb::GetHandoffRequest req;
    req.set_id(id);
    return PrintHandoff(stub.GetHandoff(NewContext().get(), req, &out), out, o);
  }
  if (verb == "submit") {
    pb::SubmitHandoffRequest req;
    req.set_id(id);
    req.set_etag(etag);
    return PrintHandoff(stub.SubmitHandoff(NewContext().get(), req, &out), out, o);
  }
  if (verb == "accept") {
    pb::AcceptHandoffRequest req;
    req.set_id(id);
    req.set_etag(etag);
    return PrintHandoff(stub.AcceptHandoff(NewContext().get(), req, &out), out, o);
  }
  if (verb == "cancel") {
    pb::CancelHandoffRequest req;
    req.set_id(id);
    req.set_etag(etag);
    return PrintHandoff(stub.CancelHandoff(NewContext().get(), req, &out), out, o);
  }
  if (verb == "reject") {
    pb::RejectHandoffRequest req;
    req.set_id(id);
    req.set_reason(o.Flag("reason"));
    req.set_etag(etag);
    return PrintHandoff(stub.RejectHandoff(NewContext().get(), req, &out), out, o);
  }
  return Usage(usage);
}

int Paths(pb::HandoffService::Stub& stub, AccountResolver& accounts, const Options& o) {
  const char* usage =
      "flywheelctl paths list [--product P]\n"
      "       flywheelctl paths create FILE.csv --product P --name NAME   (rows: key,name,criterion,due_offset_days,"
      "remedy_title,remedy_link)\n"
      "       flywheelctl paths assign ACCOUNT_ID PATH_ID [--start DAY]\n"
      "       flywheelctl paths assign-all FILE.csv PATH_ID [--external_source SOURCE]   (rows: account,start_day)\n"
      "       flywheelctl paths progress ACCOUNT_ID [--as-of DAY]";
  if (o.positional.empty()) return Usage(usage);
  const std::string& verb = o.positional[0];
  if (verb == "list") {
    pb::ListSuccessPathsRequest req;
    req.set_product(o.Flag("product"));
    req.set_page_size(1000);
    pb::ListSuccessPathsResponse resp;
    grpc::Status s = stub.ListSuccessPaths(NewContext().get(), req, &resp);
    if (!s.ok()) return Fail(s);
    Table table({"ID", "PRODUCT", "NAME", "ACTIVE", "MILESTONE", "CRITERION", "DUE_DAYS"});
    for (const auto& p : resp.success_paths()) {
      for (const auto& m : p.milestones()) {
        table.AddRow({p.id(), p.product(), p.name(), p.active() ? "yes" : "no", m.key(), m.criterion(),
                      absl::StrCat(m.due_offset_days())});
      }
    }
    return Print(table, o);
  }
  if (verb == "create" && o.positional.size() == 2) {
    absl::StatusOr<CsvTable> file = ReadCsvFile(
        o.positional[1], {"key", "name", "criterion", "due_offset_days", "remedy_title", "remedy_link"});
    if (!file.ok()) return BadFile(o.positional[1], file.status());
    pb::CreateSuccessPathRequest req;
    req.mutable_success_path()->set_product(o.Flag("product"));
    req.mutable_success_path()->set_name(o.Flag("name"));
    req.set_request_id(o.Flag("request_id"));
    int failed = 0;
    for (const CsvRow& row : file->rows) {
      int due = 0;
      if (!absl::SimpleAtoi(row.Get("due_offset_days"), &due)) {
        RowFailed(row.line, "due_offset_days must be a whole number of days");
        ++failed;
        continue;
      }
      auto* m = req.mutable_success_path()->add_milestones();
      m->set_key(row.Get("key"));
      m->set_name(row.Get("name"));
      m->set_criterion(row.Get("criterion"));
      m->set_due_offset_days(due);
      m->set_remedy_title(row.Get("remedy_title"));
      m->set_remedy_link(row.Get("remedy_link"));
    }
    // A path is created whole or not at all.
    if (failed > 0) {
      std::fprintf(stderr, "%d milestone rows failed; no path created\n", failed);
      return kExitRowsFailed;
    }
    pb::SuccessPath out;
    grpc::Status s = stub.CreateSuccessPath(NewContext().get(), req, &out);
    if (!s.ok()) return Fail(s);
    std::printf("%s\n", out.id().c_str());
    return 0;
  }
  if (verb == "assign" && o.positional.size() == 3) {
    pb::AssignPathRequest req;
    req.set_account_id(o.positional[1]);
    req.set_path_id(o.positional[2]);
    bool bad = false;
    if (auto day = DayFlag(o, "start", &bad)) *req.mutable_start_day() = *day;
    if (bad) return 2;
    pb::PathAssignment out;
    grpc::Status s = stub.AssignPath(NewContext().get(), req, &out);
    if (!s.ok()) return Fail(s);
    std::printf("%s assigned %s%s\n", out.account_id().c_str(), out.path_id().c_str(),
                out.has_start_day() ? absl::StrCat(" from ", Day(out.start_day())).c_str() : "");
    return 0;
  }
  if (verb == "assign-all" && o.positional.size() == 3) {
    absl::StatusOr<CsvTable> file = ReadCsvFile(o.positional[1], {"account"});
    if (!file.ok()) return BadFile(o.positional[1], file.status());
    int assigned = 0, failed = 0;
    for (const CsvRow& row : file->rows) {
      pb::AssignPathRequest req;
      req.set_account_id(accounts.Resolve(row.Get("account")));
      req.set_path_id(o.positional[2]);
      if (std::string start = row.Get("start_day"); !start.empty()) {
        auto day = ParseDay(start);
        if (!day) {
          RowFailed(row.line, "start_day must be YYYY-MM-DD");
          ++failed;
          continue;
        }
        *req.mutable_start_day() = *day;
      }
      pb::PathAssignment out;
      grpc::Status s = stub.AssignPath(NewContext().get(), req, &out);
      if (!s.ok()) {
        RowFailed(row.line, s.error_message());
        ++failed;
        continue;
      }
      ++assigned;
    }
    std::printf("%d accounts assigned, %d rows failed\n", assigned, failed);
    return failed == 0 ? 0 : kExitRowsFailed;
  }
  if (verb == "progress" && o.positional.size() == 2) {
    pb::GetPathProgressRequest req;
    req.set_account_id(o.positional[1]);
    bool bad = false;
    if (auto day = DayFlag(o, "as_of", &bad)) *req.mutable_as_of() = *day;
    if (bad) return 2;
    pb::PathProgress out;
    grpc::Status s = stub.GetPathProgress(NewContext().get(), req, &out);
    if (!s.ok()) return Fail(s);
    Table table({"MILESTONE", "NAME", "STATUS", "DUE", "ACHIEVED", "DAYS_LATE"});
    for (const auto& m : out.milestones()) {
      table.AddRow({m.key(), m.name(), Label(pb::MilestoneStatus_Name(m.status()), "MILESTONE_STATUS_"),
                    m.has_due_day() ? Day(m.due_day()) : "", m.has_achieved_day() ? Day(m.achieved_day()) : "",
                    m.days_late() ? absl::StrCat(m.days_late()) : ""});
    }
    if (o.Flag("format", "table") == "table") {
      std::printf("%s on \"%s\" since %s, as of %s\n", out.account_id().c_str(), out.path_name().c_str(),
                  out.has_start_day() ? Day(out.start_day()).c_str() : "(not started)", Day(out.as_of()).c_str());
    }
    return Print(table, o);
  }
  return Usage(usage);
}

int Rules(pb::HandoffService::Stub& stub, const Options& o) {
  const char* usage =
      "flywheelctl rules list\n"
      "       flywheelctl rules set RULE [--enabled true|false] [--severity S] [--sla_days N] [--threshold X]";
  if (o.positional.empty()) return Usage(usage);
  Table table({"RULE", "ENABLED", "SEVERITY", "SLA_DAYS", "THRESHOLD"});
  auto add = [&](const pb::ExceptionRule& r) {
    table.AddRow({Label(pb::RuleKind_Name(r.rule()), "RULE_KIND_"), r.enabled() ? "yes" : "no",
                  Label(pb::Severity_Name(r.severity()), "SEVERITY_"), absl::StrCat(r.sla_days()),
                  absl::StrFormat("%g", r.threshold())});
  };
  if (o.positional[0] == "list") {
    pb::ListRulesResponse resp;
    grpc::Status s = stub.ListRules(NewContext().get(), pb::ListRulesRequest(), &resp);
    if (!s.ok()) return Fail(s);
    for (const auto& r : resp.rules()) add(r);
    return Print(table, o);
  }
  if (o.positional[0] == "set" && o.positional.size() == 2) {
    pb::UpdateRuleRequest req;
    pb::RuleKind kind;
    if (!ParseLabel(o.positional[1], "RULE_KIND_", pb::RuleKind_Parse, &kind)) return Usage(usage);
    req.mutable_rule()->set_rule(kind);
    if (std::string v = o.Flag("enabled"); !v.empty()) {
      req.mutable_rule()->set_enabled(v == "true");
      req.mutable_update_mask()->add_paths("enabled");
    }
    if (std::string v = o.Flag("severity"); !v.empty()) {
      pb::Severity severity;
      if (!ParseLabel(v, "SEVERITY_", pb::Severity_Parse, &severity)) return Usage(usage);
      req.mutable_rule()->set_severity(severity);
      req.mutable_update_mask()->add_paths("severity");
    }
    if (std::string v = o.Flag("sla_days"); !v.empty()) {
      int days = 0;
      if (!absl::SimpleAtoi(v, &days)) return Usage(usage);
      req.mutable_rule()->set_sla_days(days);
      req.mutable_update_mask()->add_paths("sla_days");
    }
    if (std::string v = o.Flag("threshold"); !v.empty()) {
      double x = 0;
      if (!absl::SimpleAtod(v, &x)) return Usage(usage);
      req.mutable_rule()->set_threshold(x);
      req.mutable_update_mask()->add_paths("threshold");
    }
    pb::ExceptionRule out;
    grpc::Status s = stub.UpdateRule(NewContext().get(), req, &out);
    if (!s.ok()) return Fail(s);
    add(out);
    return Print(table, o);
  }
  return Usage(usage);
}

}  // namespace

int RunReportCommand(std::shared_ptr<grpc::Channel> channel, const std::vector<std::string>& args) {
  auto stub = pb::HandoffService::NewStub(channel);
  return Report(*stub, ParseOptions(args));
}

int RunExceptionsCommand(std::shared_ptr<grpc::Channel> channel, const std::vector<std::string>& args) {
  auto stub = pb::HandoffService::NewStub(channel);
  return Exceptions(*stub, ParseOptions(args));
}

int RunHandoffsCommand(std::shared_ptr<grpc::Channel> channel, const std::vector<std::string>& args) {
  auto stub = pb::HandoffService::NewStub(channel);
  return Handoffs(*stub, ParseOptions(args));
}

int RunPathsCommand(std::shared_ptr<grpc::Channel> channel, std::shared_ptr<grpc::Channel> accounts,
                    const std::vector<std::string>& args) {
  auto stub = pb::HandoffService::NewStub(channel);
  Options o = ParseOptions(args);
  AccountResolver resolver(accounts, o.Flag("external_source"));
  return Paths(*stub, resolver, o);
}

int RunRulesCommand(std::shared_ptr<grpc::Channel> channel, const std::vector<std::string>& args) {
  auto stub = pb::HandoffService::NewStub(channel);
  return Rules(*stub, ParseOptions(args));
}

}  // namespace flywheel::ctl
