#include "services/ctl/webhook_commands.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "flywheel/handoff/v1/handoff.grpc.pb.h"
#include "services/ctl/options.h"
#include "services/ctl/table.h"

namespace flywheel::ctl {
namespace {

namespace pb = flywheel::handoff::v1;

constexpr char kUsage[] =
    "usage: flywheelctl webhooks list\n"
    "       flywheelctl webhooks add URL --secret_file FILE [--kinds exceptions,health_bands] [--format json|slack]"
    " [--max_attempts N] [--request_id ID]\n"
    "       flywheelctl webhooks delete|test ID\n"
    "       flywheelctl webhooks deliveries [--webhook ID] [--state pending|delivered|dead] [--limit N]\n"
    "       flywheelctl webhooks replay (--webhook ID | DELIVERY_ID…)\n";

int Usage() {
  std::fprintf(stderr, "%s", kUsage);
  return 2;
}

std::string Time(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0) return "-";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(t.seconds()), absl::UTCTimeZone());
}

int List(pb::HandoffService::Stub& stub, const Options& o) {
  pb::ListWebhooksResponse resp;
  grpc::Status s = stub.ListWebhooks(NewContext().get(), pb::ListWebhooksRequest(), &resp);
  if (!s.ok()) return Fail(s);
  Table table({"ID", "URL", "KINDS", "FORMAT", "MAX_ATTEMPTS", "CREATED"});
  for (const auto& w : resp.webhooks()) {
    std::vector<std::string> kinds;
    for (int k : w.kinds()) {
      kinds.push_back(absl::AsciiStrToLower(Label(pb::WebhookEventKind_Name(k), "WEBHOOK_EVENT_KIND_")));
    }
    table.AddRow({w.id(), w.url(), kinds.empty() ? "all" : absl::StrJoin(kinds, ","),
                  absl::AsciiStrToLower(Label(pb::WebhookFormat_Name(w.format()), "WEBHOOK_FORMAT_")),
                  absl::StrCat(w.max_attempts()), Time(w.create_time())});
  }
  return Print(table, o);
}

int Add(pb::HandoffService::Stub& stub, const Options& o) {
  if (o.positional.size() != 2 || o.Flag("secret_file").empty()) return Usage();
  std::ifstream file(o.Flag("secret_file"));
  std::stringstream secret;
  secret << file.rdbuf();
  if (!file) {
    std::fprintf(stderr, "cannot read %s\n", o.Flag("secret_file").c_str());
    return 2;
  }
  pb::CreateWebhookRequest req;
  pb::Webhook* w = req.mutable_webhook();
  w->set_url(o.positional[1]);
  w->set_secret(std::string(absl::StripTrailingAsciiWhitespace(secret.str())));
  for (absl::string_view kind : absl::StrSplit(o.Flag("kinds"), ',', absl::SkipEmpty())) {
    pb::WebhookEventKind k;
    if (!pb::WebhookEventKind_Parse(absl::StrCat("WEBHOOK_EVENT_KIND_", absl::AsciiStrToUpper(kind)), &k)) return Usage();
    w->add_kinds(k);
  }
  if (std::string f = o.Flag("format"); !f.empty()) {
    pb::WebhookFormat format;
    if (!pb::WebhookFormat_Parse(absl::StrCat("WEBHOOK_FORMAT_", absl::AsciiStrToUpper(f)), &format)) return Usage();
    w->set_format(format);
  }
  int max_attempts = 0;
  if (!o.Flag("max_attempts").empty() && !absl::SimpleAtoi(o.Flag("max_attempts"), &max_attempts)) return Usage();
  w->set_max_attempts(max_attempts);
  req.set_request_id(o.Flag("request_id"));
  pb::Webhook out;
  grpc::Status s = stub.CreateWebhook(NewContext().get(), req, &out);
  if (!s.ok()) return Fail(s);
  std::printf("%s\n", out.id().c_str());
  return 0;
}

int Deliveries(pb::HandoffService::Stub& stub, const Options& o) {
  pb::ListWebhookDeliveriesRequest req;
  req.set_webhook_id(o.Flag("webhook"));
  if (std::string state = o.Flag("state"); !state.empty()) {
    pb::DeliveryState parsed;
    if (!pb::DeliveryState_Parse(absl::StrCat("DELIVERY_STATE_", absl::AsciiStrToUpper(state)), &parsed)) return Usage();
    req.set_state(parsed);
  }
  int limit = 50;
  if (!o.Flag("limit").empty() && !absl::SimpleAtoi(o.Flag("limit"), &limit)) return Usage();
  req.set_page_size(limit);
  pb::ListWebhookDeliveriesResponse resp;
  grpc::Status s = stub.ListWebhookDeliveries(NewContext().get(), req, &resp);
  if (!s.ok()) return Fail(s);
  Table table({"ID", "WEBHOOK", "EVENT", "TYPE", "ACCOUNT", "STATE", "TRIES", "LAST_STATUS", "NEXT_TRY", "DELIVERED",
               "LAST_ERROR"});
  for (const auto& d : resp.deliveries()) {
    table.AddRow({d.id(), d.webhook_id(), d.event_id(), d.event_type(), d.account_id(),
                  absl::AsciiStrToLower(Label(pb::DeliveryState_Name(d.state()), "DELIVERY_STATE_")),
                  absl::StrCat(d.attempts()), absl::StrCat(d.last_status_code()), Time(d.next_attempt_time()),
                  Time(d.delivered_time()), d.last_error()});
  }
  return Print(table, o);
}

}  // namespace

int RunWebhooksCommand(std::shared_ptr<grpc::Channel> handoff, const std::vector<std::string>& args) {
  auto stub = pb::HandoffService::NewStub(handoff);
  Options o = ParseOptions(args);
  if (o.positional.empty()) return Usage();
  const std::string& verb = o.positional[0];
  if (verb == "list") return List(*stub, o);
  if (verb == "add") return Add(*stub, o);
  if (verb == "deliveries") return Deliveries(*stub, o);
  if (verb == "delete" && o.positional.size() == 2) {
    pb::DeleteWebhookRequest req;
    req.set_id(o.positional[1]);
    pb::DeleteWebhookResponse out;
    grpc::Status s = stub->DeleteWebhook(NewContext().get(), req, &out);
    if (!s.ok()) return Fail(s);
    std::printf("deleted %s\n", req.id().c_str());
    return 0;
  }
  if (verb == "test" && o.positional.size() == 2) {
    pb::TestWebhookRequest req;
    req.set_id(o.positional[1]);
    pb::WebhookDelivery out;
    grpc::Status s = stub->TestWebhook(NewContext().get(), req, &out);
    if (!s.ok()) return Fail(s);
    std::printf("queued %s (event %s); see: flywheelctl webhooks deliveries --webhook %s\n", out.id().c_str(),
                out.event_id().c_str(), req.id().c_str());
    return 0;
  }
  if (verb == "replay") {
    pb::ReplayWebhookDeliveriesRequest req;
    req.set_webhook_id(o.Flag("webhook"));
    for (size_t i = 1; i < o.positional.size(); ++i) req.add_delivery_ids(o.positional[i]);
    pb::ReplayWebhookDeliveriesResponse out;
    grpc::Status s = stub->ReplayWebhookDeliveries(NewContext().get(), req, &out);
    if (!s.ok()) return Fail(s);
    std::printf("%d deliveries sent again\n", out.replayed());
    return 0;
  }
  return Usage();
}

}  // namespace flywheel::ctl
