#include "services/ctl/accounts_commands.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "flywheel/accounts/v1/accounts.grpc.pb.h"
#include "services/ctl/csv.h"
#include "services/ctl/options.h"
#include "services/ctl/table.h"

namespace flywheel::ctl {
namespace {

namespace pb = flywheel::accounts::v1;
constexpr int kRecordsPerMessage = 500;

std::string StageLabel(pb::LifecycleStage stage) {
  const std::string& name = pb::LifecycleStage_Name(stage);
  absl::string_view label = name;
  absl::ConsumePrefix(&label, "LIFECYCLE_STAGE_");
  return std::string(label);
}

int List(pb::AccountService::Stub& stub, const Options& o) {
  pb::ListAccountsRequest req;
  req.set_page_size(500);
  req.set_segment(o.Flag("segment"));
  req.set_csm_owner(o.Flag("csm"));
  req.set_label(o.Flag("label"));
  req.set_parent_id(o.Flag("parent"));
  req.set_show_deleted(o.Flag("deleted") == "true");
  if (std::string stage = o.Flag("stage"); !stage.empty()) {
    pb::LifecycleStage value;
    if (!pb::LifecycleStage_Parse("LIFECYCLE_STAGE_" + absl::AsciiStrToUpper(stage), &value)) {
      std::fprintf(stderr, "unknown stage %s\n", stage.c_str());
      return 2;
    }
    req.set_lifecycle_stage(value);
  }
  Table table({"ID", "NAME", "STAGE", "SEGMENT", "ARR", "SEATS", "CSM", "VALUE TARGET", "PARENT"});
  int count = 0;
  for (;;) {
    pb::ListAccountsResponse resp;
    grpc::Status s = stub.ListAccounts(NewContext().get(), req, &resp);
    if (!s.ok()) return Fail(s);
    for (const auto& a : resp.accounts()) {
      table.AddRow({a.id(), a.name(), StageLabel(a.lifecycle_stage()), a.segment(), Money(a.arr()),
                    absl::StrCat(a.licensed_seats()), a.csm_owner(), Money(a.value_target().amount()), a.parent_id()});
      ++count;
    }
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  if (int printed = Print(table, o); printed != 0) return printed;
  std::fprintf(stderr, "%d accounts\n", count);
  return 0;
}

int Get(pb::AccountService::Stub& stub, const Options& o) {
  if (o.positional.size() < 2) {
    std::fprintf(stderr, "usage: flywheelctl accounts get ID\n");
    return 2;
  }
  pb::GetAccountRequest req;
  req.set_id(o.positional[1]);
  pb::Account a;
  grpc::Status s = stub.GetAccount(NewContext().get(), req, &a);
  if (!s.ok()) return Fail(s);
  Table table({"FIELD", "VALUE"});
  table.AddRow({"id", a.id()});
  table.AddRow({"name", a.name()});
  table.AddRow({"stage", StageLabel(a.lifecycle_stage())});
  table.AddRow({"segment / industry / region", absl::StrCat(a.segment(), " / ", a.industry(), " / ", a.region())});
  table.AddRow({"arr", Money(a.arr())});
  table.AddRow({"licensed seats", absl::StrCat(a.licensed_seats())});
  table.AddRow({"csm owner", a.csm_owner()});
  table.AddRow({"contract start / renewal", absl::StrCat(Day(a.contract_start()), " / ", Day(a.renewal_date()))});
  table.AddRow({"value target", absl::StrCat(Money(a.value_target().amount()), " ", a.value_target().description())});
  std::vector<std::string> ext;
  for (const auto& [k, v] : a.external_ids()) ext.push_back(absl::StrCat(k, "=", v));
  table.AddRow({"external ids", absl::StrJoin(ext, ", ")});
  table.AddRow({"parent", a.parent_id()});
  table.AddRow({"etag", a.etag()});
  return Print(table, o);
}

int Tree(pb::AccountService::Stub& stub, const Options& o) {
  if (o.positional.size() < 2) {
    std::fprintf(stderr, "usage: flywheelctl accounts tree ID\n");
    return 2;
  }
  pb::GetAccountTreeRequest req;
  req.set_id(o.positional[1]);
  pb::AccountTree tree;
  grpc::Status s = stub.GetAccountTree(NewContext().get(), req, &tree);
  if (!s.ok()) return Fail(s);
  Table table({"ACCOUNT", "ID", "ARR", "SEATS", "ROLLED-UP ARR", "ROLLED-UP SEATS"});
  for (const auto& n : tree.nodes()) {
    std::vector<std::string> rolled;
    for (const auto& m : n.rolled_up_arr()) rolled.push_back(Money(m));
    table.AddRow({std::string(2 * n.depth(), ' ') + n.name(), n.account_id(), Money(n.arr()),
                  absl::StrCat(n.licensed_seats()), absl::StrJoin(rolled, " + "), absl::StrCat(n.rolled_up_seats())});
  }
  return Print(table, o);
}

int History(pb::AccountService::Stub& stub, const Options& o) {
  if (o.positional.size() < 2) {
    std::fprintf(stderr, "usage: flywheelctl accounts history ID\n");
    return 2;
  }
  pb::ListAccountHistoryRequest req;
  req.set_account_id(o.positional[1]);
  Table table({"SEQ", "TIME", "ACTION", "PRINCIPAL", "CHANGED"});
  for (;;) {
    pb::ListAccountHistoryResponse resp;
    grpc::Status s = stub.ListAccountHistory(NewContext().get(), req, &resp);
    if (!s.ok()) return Fail(s);
    for (const auto& e : resp.entries()) {
      table.AddRow({absl::StrCat(e.sequence()),
                    absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixSeconds(e.time().seconds()), absl::UTCTimeZone()),
                    e.action(), e.principal(), absl::StrJoin(e.changed_fields(), ",")});
    }
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  return Print(table, o);
}

// The account fields a CSV column feeds, so the upsert writes exactly those.
const std::map<std::string, std::string>& ColumnFields() {
  static const auto* fields = new std::map<std::string, std::string>{
      {"name", "name"}, {"segment", "segment"}, {"industry", "industry"}, {"region", "region"},
      {"arr_currency", "arr"}, {"arr_minor_units", "arr"}, {"licensed_seats", "licensed_seats"},
      {"lifecycle_stage", "lifecycle_stage"}, {"csm_owner", "csm_owner"}, {"contract_start", "contract_start"},
      {"renewal_date", "renewal_date"}, {"value_target_minor_units", "value_target"},
      {"value_target_description", "value_target"}, {"labels", "labels"}};
  return *fields;
}

// Fills `account` from `row`; returns a description of the first bad cell, or "".
std::string AccountFromRow(const CsvRow& row, pb::Account* account) {
  auto get = [&](const char* key) { return row.Get(key); };
  account->set_name(get("name"));
  account->set_segment(get("segment"));
  account->set_industry(get("industry"));
  account->set_region(get("region"));
  account->set_csm_owner(get("csm_owner"));
  std::string currency = get("arr_currency");
  int64_t units = 0;
  if (!get("arr_minor_units").empty()) {
    if (!absl::SimpleAtoi(get("arr_minor_units"), &units)) return "arr_minor_units is not a number";
    account->mutable_arr()->set_currency_code(currency);
    account->mutable_arr()->set_minor_units(units);
  }
  int seats = 0;
  if (!get("licensed_seats").empty() && !absl::SimpleAtoi(get("licensed_seats"), &seats)) return "licensed_seats is not a number";
  account->set_licensed_seats(seats);
  if (!get("lifecycle_stage").empty()) {
    pb::LifecycleStage stage;
    if (!pb::LifecycleStage_Parse("LIFECYCLE_STAGE_" + absl::AsciiStrToUpper(get("lifecycle_stage")), &stage)) {
      return "lifecycle_stage is unknown";
    }
    account->set_lifecycle_stage(stage);
  }
  if (!get("contract_start").empty()) {
    auto day = ParseDay(get("contract_start"));
    if (!day) return "contract_start is not YYYY-MM-DD";
    *account->mutable_contract_start() = *day;
  }
  if (!get("renewal_date").empty()) {
    auto day = ParseDay(get("renewal_date"));
    if (!day) return "renewal_date is not YYYY-MM-DD";
    *account->mutable_renewal_date() = *day;
  }
  if (!get("value_target_minor_units").empty()) {
    int64_t target = 0;
    if (!absl::SimpleAtoi(get("value_target_minor_units"), &target)) return "value_target_minor_units is not a number";
    auto* vt = account->mutable_value_target();
    vt->mutable_amount()->set_currency_code(get("value_target_currency").empty() ? currency : get("value_target_currency"));
    vt->mutable_amount()->set_minor_units(target);
    vt->set_description(get("value_target_description"));
  }
  for (absl::string_view pair : absl::StrSplit(get("labels"), ';', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    (*account->mutable_labels())[kv.first] = kv.second;
  }
  return "";
}

int Load(pb::AccountService::Stub& stub, const Options& o) {
  if (o.positional.size() < 2) {
    std::fprintf(stderr, "usage: flywheelctl accounts load FILE.csv [--source=crm] [--dry_run]\n");
    return kExitBadInput;
  }
  absl::StatusOr<CsvTable> file = ReadCsvFile(o.positional[1], {"external_id"});
  if (!file.ok()) return BadFile(o.positional[1], file.status());
  const std::vector<CsvRow>& rows = file->rows;
  std::string source = o.Flag("source", "crm");
  bool dry_run = o.Flag("dry_run") == "true";
  std::vector<std::string> mask;
  for (const auto& column : file->header->columns) {
    auto it = ColumnFields().find(column);
    if (it != ColumnFields().end() && std::find(mask.begin(), mask.end(), it->second) == mask.end()) {
      mask.push_back(it->second);
    }
  }

  // Pass 1: every account's own fields, streamed in one call. A row with a cell that cannot be
  // read is not sent: it fails here.
  Table failures({"LINE", "EXTERNAL ID", "FIELD", "PROBLEM"});
  int64_t failed_here = 0;
  std::vector<size_t> sent;  // stream index → row
  auto ctx = NewContext(600);
  pb::BulkUpsertAccountsResponse result;
  auto writer = stub.BulkUpsertAccounts(ctx.get(), &result);
  pb::BulkUpsertAccountsRequest msg;
  msg.set_dry_run(dry_run);
  for (size_t i = 0; i < rows.size(); ++i) {
    pb::UpsertAccountRequest record;
    record.set_source(source);
    record.set_external_id(rows[i].Get("external_id"));
    if (std::string problem = AccountFromRow(rows[i], record.mutable_account()); !problem.empty()) {
      failures.AddRow({absl::StrCat(rows[i].line), rows[i].Get("external_id"), "", problem});
      ++failed_here;
    } else {
      for (const auto& m : mask) record.mutable_update_mask()->add_paths(m);
      *msg.add_records() = std::move(record);
      sent.push_back(i);
    }
    if (msg.records_size() == kRecordsPerMessage || (i + 1 == rows.size() && msg.records_size() > 0)) {
      if (!writer->Write(msg)) break;
      msg.clear_records();
    }
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  if (!s.ok()) return Fail(s);

  std::map<std::string, std::string> id_of;  // external id → account id
  for (const auto& r : result.results()) {
    const CsvRow& row = rows[sent.at(r.index())];
    if (r.outcome() == pb::UPSERT_OUTCOME_FAILED) {
      for (const auto& e : r.errors()) {
        failures.AddRow({absl::StrCat(row.line), row.Get("external_id"), e.field(), e.description()});
      }
    } else {
      id_of[row.Get("external_id")] = r.account_id();
    }
  }

  // Pass 2: the hierarchy, once every account of the file has an id.
  int linked = 0;
  int64_t unlinked = 0;
  if (!dry_run && file->header->Has("parent_external_id")) {
    for (const auto& row : rows) {
      std::string parent = row.Get("parent_external_id");
      if (parent.empty() || !id_of.count(row.Get("external_id"))) continue;
      auto pid = id_of.find(parent);
      if (pid == id_of.end()) {
        failures.AddRow({absl::StrCat(row.line), row.Get("external_id"), "parent_external_id", parent + " is not in the file"});
        ++unlinked;
        continue;
      }
      pb::UpsertAccountRequest up;
      up.set_source(source);
      up.set_external_id(row.Get("external_id"));
      AccountFromRow(row, up.mutable_account());
      up.mutable_account()->set_parent_id(pid->second);
      up.mutable_update_mask()->add_paths("parent_id");
      pb::UpsertAccountResponse resp;
      grpc::Status ps = stub.UpsertAccount(NewContext().get(), up, &resp);
      if (!ps.ok()) {
        failures.AddRow({absl::StrCat(row.line), row.Get("external_id"), "parent_external_id",
                         std::string(FromGrpcStatus(ps).message())});
        ++unlinked;
        continue;
      }
      linked += resp.outcome() == pb::UPSERT_OUTCOME_UPDATED;
    }
  }
  int64_t failed = result.failed() + failed_here + unlinked;
  std::printf("%s%zu records: %lld created, %lld updated, %lld unchanged, %lld failed; %d parent links set\n",
              dry_run ? "dry run (nothing written): " : "", rows.size(), static_cast<long long>(result.created()),
              static_cast<long long>(result.updated()), static_cast<long long>(result.unchanged()),
              static_cast<long long>(failed), linked);
  if (failed > 0) std::printf("%s", failures.Render().c_str());
  return failed > 0 ? kExitRowsFailed : 0;
}

}  // namespace

int RunAccountsCommand(const std::shared_ptr<grpc::Channel>& channel, const std::vector<std::string>& args) {
  Options o = ParseOptions(args);
  auto stub = pb::AccountService::NewStub(channel);
  std::string verb = o.positional.empty() ? "" : o.positional[0];
  if (verb == "list") return List(*stub, o);
  if (verb == "get") return Get(*stub, o);
  if (verb == "tree") return Tree(*stub, o);
  if (verb == "history") return History(*stub, o);
  if (verb == "load") return Load(*stub, o);
  std::fprintf(stderr,
               "usage: flywheelctl accounts list [--stage=S] [--segment=S] [--csm=C] [--label=k[=v]] [--parent=ID]\n"
               "       flywheelctl accounts get|tree|history ID\n"
               "       flywheelctl accounts load FILE.csv [--source=crm] [--dry_run]\n");
  return 2;
}

std::string AccountResolver::Resolve(const std::string& text) {
  if (source_.empty()) return text;
  if (!loaded_) {
    loaded_ = true;
    auto stub = pb::AccountService::NewStub(accounts_);
    pb::ListAccountsRequest req;
    req.set_page_size(1000);
    for (;;) {
      pb::ListAccountsResponse resp;
      grpc::Status s = stub->ListAccounts(NewContext().get(), req, &resp);
      if (!s.ok()) {
        Fail(s);
        break;
      }
      for (const auto& a : resp.accounts()) {
        auto it = a.external_ids().find(source_);
        if (it != a.external_ids().end()) by_external_id_[it->second] = a.id();
      }
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
  }
  auto it = by_external_id_.find(text);
  return it == by_external_id_.end() ? "" : it->second;
}

}  // namespace flywheel::ctl
