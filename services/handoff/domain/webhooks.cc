#include "services/handoff/domain/webhooks.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace flywheel::handoff {

void CheckWebhook(Webhook& w, FieldViolations& v) {
  if (!absl::StartsWith(w.url, "https://") && !absl::StartsWith(w.url, "http://")) {
    v.Add("webhook.url", "must be an http:// or https:// URL");
  } else if (w.url.size() > 2000) {
    v.Add("webhook.url", "must be at most 2000 characters");
  }
  if (w.secret.size() < 16 || w.secret.size() > 256) v.Add("webhook.secret", "must be 16 to 256 bytes");
  if (w.max_attempts == 0) w.max_attempts = kDefaultMaxAttempts;
  if (w.max_attempts < 1 || w.max_attempts > kMaxMaxAttempts) {
    v.Add("webhook.max_attempts", absl::StrCat("must be 1 to ", kMaxMaxAttempts, " (0: ", kDefaultMaxAttempts, ")"));
  }
}

bool Takes(const Webhook& webhook, WebhookKind kind) {
  return webhook.kinds.empty() || std::find(webhook.kinds.begin(), webhook.kinds.end(), kind) != webhook.kinds.end();
}

void RecordTry(Delivery& d, const SendResult& result, int max_attempts, absl::Time now) {
  ++d.attempts;
  d.last_status_code = result.status_code;
  d.last_error = result.ok() ? "" : result.error;
  if (result.ok()) {
    d.state = DeliveryState::kDelivered;
    d.delivered_time = now;
  } else if (d.attempts >= max_attempts) {
    d.state = DeliveryState::kDead;
  } else {
    d.next_attempt_time = now + std::min(absl::Seconds(1) * (int64_t{1} << std::min(d.attempts - 1, 20)), absl::Minutes(10));
  }
}

std::string EventType(ExceptionEvent event) {
  switch (event) {
    case ExceptionEvent::kOpened: return "exception.opened";
    case ExceptionEvent::kUpdated: return "exception.updated";
    case ExceptionEvent::kResolved: return "exception.resolved";
    case ExceptionEvent::kSnoozed: return "exception.snoozed";
    case ExceptionEvent::kAcknowledged: return "exception.acknowledged";
    case ExceptionEvent::kDismissed: return "exception.dismissed";
    case ExceptionEvent::kReassigned: return "exception.reassigned";
    case ExceptionEvent::kDue: return "exception.due";
  }
  return "exception.updated";
}

std::string Signature(const std::string& secret, int64_t timestamp, const std::string& body) {
  std::string signed_text = absl::StrCat(timestamp, ".", body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), mac, &length);
  return absl::StrCat("v1=", absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(mac), length)));
}

}  // namespace flywheel::handoff
