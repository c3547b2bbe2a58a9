// Webhooks: the endpoints that receive the suite's events (exception events, health band or
// quadrant changes) and the rules of delivering to them: which endpoint takes which event, the
// signature a receiver checks, how long to wait before trying again, when to give up. Pure
// rules; the sending is common/http, the queue storage/, the steps app/webhook_use_cases.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/status/errors.h"
#include "services/handoff/domain/exceptions.h"

namespace flywheel::handoff {

enum class WebhookKind { kExceptions = 1, kHealthBands = 2 };
enum class WebhookFormat { kJson = 1, kSlack = 2 };

inline constexpr int kDefaultMaxAttempts = 8;
inline constexpr int kMaxMaxAttempts = 50;

struct Webhook {
  std::string id;  // "whk_…"
  std::string url;
  std::string secret;
  std::vector<WebhookKind> kinds;  // empty: every kind
  WebhookFormat format = WebhookFormat::kJson;
  int max_attempts = kDefaultMaxAttempts;
  absl::Time create_time;
};

// The problems of a webhook to create, named "webhook.url", …; max_attempts 0 becomes the
// default.
void CheckWebhook(Webhook& webhook, FieldViolations& v);

// Whether `webhook` takes events of `kind`.
bool Takes(const Webhook& webhook, WebhookKind kind);

// An event to deliver: its body is already encoded in the endpoint's format.
struct WebhookEvent {
  std::string id;  // the same on every try: receivers de-duplicate by it
  std::string type;
  std::string account_id;
  absl::Time time;
};

enum class DeliveryState { kPending = 1, kDelivered = 2, kDead = 3 };

struct Delivery {
  std::string id;  // "dlv_…"
  std::string webhook_id;
  WebhookEvent event;
  std::string body;
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  int last_status_code = 0;
  std::string last_error;
  absl::Time create_time, next_attempt_time;
  std::optional<absl::Time> delivered_time;
};

// A try's answer: the HTTP status (0 without one) and what went wrong.
struct SendResult {
  int status_code = 0;
  std::string error;
  bool ok() const { return status_code >= 200 && status_code < 300; }
};

// What a try changes in `delivery` (one more attempt; delivered on a 2xx answer; otherwise
// tried again after 2^(attempts-1) seconds, capped at ten minutes, or dead once `max_attempts`
// tries failed).
void RecordTry(Delivery& delivery, const SendResult& result, int max_attempts, absl::Time now);

// The event type of an exception event: "exception.opened", "exception.resolved", …
std::string EventType(ExceptionEvent event);
inline constexpr char kHealthBandChanged[] = "health.band_changed";
inline constexpr char kWebhookTest[] = "webhook.test";

// The value of the Flywheel-Signature header: "v1=" + hex HMAC-SHA256(secret, timestamp "." body).
std::string Signature(const std::string& secret, int64_t timestamp, const std::string& body);

}  // namespace flywheel::handoff
