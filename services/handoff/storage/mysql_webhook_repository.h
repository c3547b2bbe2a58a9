// WebhookRepository on MariaDB (tables webhooks and webhook_deliveries, migration 0006).
#pragma once

#include "common/db/connection_pool.h"
#include "services/handoff/storage/webhook_repository.h"

namespace flywheel::handoff {

class MysqlWebhookRepository : public WebhookRepository {
 public:
  explicit MysqlWebhookRepository(db::ConnectionPool& pool) : pool_(pool) {}

  absl::StatusOr<CreateResult> Create(const Webhook& webhook, const WriteContext& context,
                                      const std::optional<IdempotencyRecord>& idempotency) override;
  absl::StatusOr<std::vector<Webhook>> List() override;
  absl::Status Delete(const std::string& id, const WriteContext& context) override;
  absl::StatusOr<std::string> StreamCursor(const std::string& stream) override;
  absl::Status Enqueue(WebhookKind kind, const std::vector<WebhookEvent>& events,
                       const std::function<std::string(size_t, WebhookFormat)>& encode,
                       const db::StreamPosition& position) override;
  absl::StatusOr<Delivery> EnqueueOne(const std::string& webhook_id, const WebhookEvent& event,
                                      const std::function<std::string(WebhookFormat)>& encode, absl::Time now) override;
  absl::Status ClaimDue(int limit, absl::Time now,
                        const std::function<void(std::vector<std::pair<Delivery, Webhook>>&)>& deliver) override;
  absl::StatusOr<std::vector<QueuedDelivery>> ListDeliveries(const DeliveryQuery& query) override;
  absl::StatusOr<int64_t> Replay(const std::string& webhook_id, const std::vector<std::string>& ids,
                                 absl::Time now) override;

 private:
  db::ConnectionPool& pool_;
};

}  // namespace flywheel::handoff
