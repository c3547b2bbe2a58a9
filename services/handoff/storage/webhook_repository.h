// WebhookRepository: webhook endpoints and their delivery queue (storage of domain/webhooks.h).
// Queueing is at-least-once safe: an event already queued for an endpoint is not queued again.
// Claims take each due delivery once across replicas (FOR UPDATE SKIP LOCKED) and only the
// oldest pending delivery of an endpoint and account, so each endpoint gets an account's events
// in order; a claimer killed mid-try leaves the delivery pending, to be tried again.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/db/stream_cursor.h"
#include "common/db/write_context.h"
#include "services/handoff/domain/webhooks.h"

namespace flywheel::handoff {

struct DeliveryQuery {
  std::string webhook_id;  // empty: every endpoint's
  std::optional<DeliveryState> state;
  int64_t before_sequence = 0;  // keyset cursor, newest first (0: from the newest)
  int limit = 50;
};

// A delivery with its place in the queue (the list cursor).
struct QueuedDelivery {
  int64_t sequence = 0;
  Delivery delivery;
};

class WebhookRepository {
 public:
  virtual ~WebhookRepository() = default;

  virtual absl::StatusOr<CreateResult> Create(const Webhook& webhook, const WriteContext& context,
                                              const std::optional<IdempotencyRecord>& idempotency) = 0;
  // The endpoints not deleted, oldest first, with their secrets.
  virtual absl::StatusOr<std::vector<Webhook>> List() = 0;
  // NOT_FOUND when there is no such endpoint (or it was deleted already).
  virtual absl::Status Delete(const std::string& id, const WriteContext& context) = 0;

  // The stored position in a source of events (db::LoadStreamCursor): health's change stream,
  // or the exception events already queued.
  virtual absl::StatusOr<std::string> StreamCursor(const std::string& stream) = 0;
  // Queues `events` for every endpoint that takes `kind`, each with the body `encode` gives
  // for event i in the endpoint's format, and saves `position` in the same transaction.
  virtual absl::Status Enqueue(WebhookKind kind, const std::vector<WebhookEvent>& events,
                               const std::function<std::string(size_t, WebhookFormat)>& encode,
                               const db::StreamPosition& position) = 0;
  // Queues one event for endpoint `webhook_id` (a test); NOT_FOUND when there is none.
  virtual absl::StatusOr<Delivery> EnqueueOne(const std::string& webhook_id, const WebhookEvent& event,
                                              const std::function<std::string(WebhookFormat)>& encode,
                                              absl::Time now) = 0;

  // Gives `deliver` up to `limit` due deliveries (see above) with their endpoints, and stores
  // what it changed in each (RecordTry) in the same transaction.
  virtual absl::Status ClaimDue(int limit, absl::Time now,
                                const std::function<void(std::vector<std::pair<Delivery, Webhook>>&)>& deliver) = 0;

  virtual absl::StatusOr<std::vector<QueuedDelivery>> ListDeliveries(const DeliveryQuery& query) = 0;
  // Dead deliveries of `webhook_id` (or those of `ids` that are dead) become pending with
  // their tries reset; the number replayed.
  virtual absl::StatusOr<int64_t> Replay(const std::string& webhook_id, const std::vector<std::string>& ids,
                                         absl::Time now) = 0;
};

}  // namespace flywheel::handoff
