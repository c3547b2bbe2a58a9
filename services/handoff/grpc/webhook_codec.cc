#include "services/handoff/grpc/webhook_codec.h"

#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "common/convert/type_convert.h"
#include "google/protobuf/util/json_util.h"
#include "services/handoff/grpc/handoff_proto.h"

namespace flywheel::handoff {
namespace {

namespace hpb = flywheel::health::v1;

std::string Json(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  return out;
}

std::string Envelope(const WebhookEvent& event, pb::WebhookEventBody& body) {
  body.set_id(event.id);
  body.set_type(event.type);
  *body.mutable_time() = convert::ToTimestamp(event.time);
  body.set_account_id(event.account_id);
  return Json(body);
}

std::string Slack(const std::string& text) {
  pb::SlackMessage m;
  m.set_text(text);
  return Json(m);
}

std::string Name(const std::string& enum_name, const char* prefix) {
  return std::string(absl::StripPrefix(enum_name, prefix));
}

}  // namespace

std::string EncodeExceptionEvent(const ExceptionEventRecord& record, const WebhookEvent& event, WebhookFormat format,
                                 absl::CivilDay today) {
  pb::Exception exception = ToProto(record.exception, today);
  if (format == WebhookFormat::kSlack) {
    return Slack(absl::StrCat(Name(pb::RuleKind_Name(exception.rule()), "RULE_KIND_"), " (",
                              Name(pb::Severity_Name(exception.severity()), "SEVERITY_"), ") ",
                              absl::StripPrefix(event.type, "exception."), " for account ", exception.account_id(),
                              ": ", Name(pb::RemedyKind_Name(exception.remedy().kind()), "REMEDY_KIND_"), ", due ",
                              absl::FormatCivilTime(record.exception.finding.due_day), ", assigned to ", exception.assignee(), " (", exception.id(),
                              ")"));
  }
  pb::WebhookEventBody body;
  *body.mutable_exception() = std::move(exception);
  return Envelope(event, body);
}

std::string EncodeHealthChange(const hpb::HealthChange& change, const WebhookEvent& event, WebhookFormat format) {
  if (format == WebhookFormat::kSlack) {
    return Slack(absl::StrCat("Health of account ", change.account_id(), ": ",
                              Name(hpb::Band_Name(change.previous_band()), "BAND_"), " -> ",
                              Name(hpb::Band_Name(change.band()), "BAND_"), ", ",
                              Name(hpb::Quadrant_Name(change.previous_quadrant()), "QUADRANT_"), " -> ",
                              Name(hpb::Quadrant_Name(change.quadrant()), "QUADRANT_"), " (overall ",
                              absl::StrFormat("%.1f", change.overall()), ")"));
  }
  pb::WebhookEventBody body;
  *body.mutable_health_change() = change;
  body.mutable_health_change()->clear_resume_token();
  return Envelope(event, body);
}

std::string EncodeTestEvent(const WebhookEvent& event, WebhookFormat format) {
  if (format == WebhookFormat::kSlack) return Slack("Flywheel webhook test: this endpoint receives Flywheel events.");
  pb::WebhookEventBody body;
  return Envelope(event, body);
}

WebhookEvent HealthChangeEvent(const hpb::HealthChange& change) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(change.resume_token().data()), change.resume_token().size(), digest);
  std::string id = absl::StrCat(
      "hc_", absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), 12)));
  return {id, kHealthBandChanged, change.account_id(),
          absl::FromUnixSeconds(change.time().seconds()) + absl::Nanoseconds(change.time().nanos())};
}

}  // namespace flywheel::handoff
