#include "services/handoff/app/webhook_use_cases.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/concurrency/fan_out.h"
#include "common/ids/ids.h"
#include "common/metrics/metrics.h"
#include "prometheus/counter.h"

namespace flywheel::handoff {
namespace {

constexpr int kTriesAtOnce = 8;

void Count(const char* result) {
  metrics::Counter("flywheel_webhook_tries_total", "Webhook delivery tries, by result", {{"result", result}}).Increment();
}

}  // namespace

absl::StatusOr<Created<Webhook>> WebhookUseCases::Create(Webhook draft, const std::string& request_id,
                                                         const WriteContext& write, const RecordResponse<Webhook>& record) {
  FieldViolations v;
  CheckWebhook(draft, v);
  ids::CheckRequestId(request_id, v);
  if (!v.empty()) return v.ToStatus();
  draft.id = ids::NewId("whk");
  draft.create_time = write.now;
  auto result = webhooks_.Create(draft, write, record(draft));
  if (!result.ok()) return result.status();
  return Created<Webhook>{std::move(draft), *result};
}

absl::Status WebhookUseCases::Delete(const std::string& id, const WriteContext& write) {
  if (absl::Status bad = ids::Required(id, "whk", "id"); !bad.ok()) return bad;
  return webhooks_.Delete(id, write);
}

absl::StatusOr<Delivery> WebhookUseCases::Test(const std::string& id) {
  if (absl::Status bad = ids::Required(id, "whk", "id"); !bad.ok()) return bad;
  absl::Time now = clock_.Now();
  WebhookEvent event{ids::NewId("evt"), kWebhookTest, "", now};
  return webhooks_.EnqueueOne(id, event, [&](WebhookFormat format) { return outside_.encode_test(event, format); }, now);
}

absl::StatusOr<std::vector<QueuedDelivery>> WebhookUseCases::Deliveries(DeliveryQuery query) {
  FieldViolations v;
  if (!query.webhook_id.empty()) ids::RequireId(query.webhook_id, "whk", "webhook_id", v);
  if (!v.empty()) return v.ToStatus();
  return webhooks_.ListDeliveries(query);
}

absl::StatusOr<int64_t> WebhookUseCases::Replay(const std::string& webhook_id, const std::vector<std::string>& ids) {
  FieldViolations v;
  if (webhook_id.empty() && ids.empty()) v.Add("webhook_id", "is required when no delivery_ids are named");
  if (!webhook_id.empty()) ids::RequireId(webhook_id, "whk", "webhook_id", v);
  for (size_t i = 0; i < ids.size(); ++i) ids::RequireId(ids[i], "dlv", absl::StrCat("delivery_ids[", i, "]"), v);
  if (ids.size() > 1000) v.Add("delivery_ids", "at most 1000");
  if (!v.empty()) return v.ToStatus();
  return webhooks_.Replay(webhook_id, ids, clock_.Now());
}

absl::Status WebhookUseCases::HealthBandsChanged(const std::vector<WebhookEvent>& events,
                                                 const std::function<std::string(size_t, WebhookFormat)>& encode,
                                                 const std::string& token) {
  return webhooks_.Enqueue(WebhookKind::kHealthBands, events, encode, {kHealthStream, token});
}

absl::StatusOr<std::string> WebhookUseCases::HealthPosition() { return webhooks_.StreamCursor(kHealthStream); }

absl::StatusOr<int> WebhookUseCases::QueueExceptionEvents(int limit) {
  auto stored = webhooks_.StreamCursor(kExceptionEvents);
  if (!stored.ok()) return stored.status();
  int64_t after = 0;
  if (!stored->empty() && !absl::SimpleAtoi(*stored, &after)) return absl::InternalError("bad exception-event position");
  auto records = exceptions_.EventsAfter(after, limit, clock_.Now());
  if (!records.ok()) return records.status();
  if (records->empty()) return 0;
  std::vector<WebhookEvent> events;
  for (const ExceptionEventRecord& r : *records) {
    events.push_back({absl::StrCat("evt_", r.sequence), EventType(r.event), r.exception.account_id, r.time});
  }
  absl::Status queued = webhooks_.Enqueue(
      WebhookKind::kExceptions, events,
      [&](size_t i, WebhookFormat format) { return outside_.encode_exception((*records)[i], events[i], format); },
      {kExceptionEvents, absl::StrCat(records->back().sequence)});
  if (!queued.ok()) return queued;
  return static_cast<int>(records->size());
}

absl::StatusOr<int> WebhookUseCases::DeliverDue(int limit) {
  int tried = 0;
  absl::Status status = webhooks_.ClaimDue(limit, clock_.Now(), [&](std::vector<std::pair<Delivery, Webhook>>& batch) {
    tried = static_cast<int>(batch.size());
    (void)FanOut(batch.size(), 1, kTriesAtOnce, [&](size_t begin, size_t) {
      auto& [delivery, webhook] = batch[begin];
      const int64_t timestamp = absl::ToUnixSeconds(clock_.Now());
      Headers headers = {{"Content-Type", "application/json"},
                         {"User-Agent", "Flywheel-Webhooks/1"},
                         {"Flywheel-Event-Id", delivery.event.id},
                         {"Flywheel-Event-Type", delivery.event.type},
                         {"Flywheel-Timestamp", absl::StrCat(timestamp)},
                         {"Flywheel-Signature", Signature(webhook.secret, timestamp, delivery.body)}};
      SendResult result = outside_.post(webhook.url, headers, delivery.body);
      RecordTry(delivery, result, webhook.max_attempts, clock_.Now());
      Count(delivery.state == DeliveryState::kDelivered ? "delivered"
            : delivery.state == DeliveryState::kDead  ? "dead"
                                                      : "retry");
      return absl::OkStatus();
    });
  });
  if (!status.ok()) return status;
  return tried;
}

}  // namespace flywheel::handoff
