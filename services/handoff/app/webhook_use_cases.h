// The webhook use cases: endpoints (create, list, delete, test) and their deliveries (list,
// replay); queueing health's band changes as the live follower applies them; and the two steps
// the dispatcher (a PollingWorker the adapter runs on every replica) repeats: queueing the
// exception events stored since its last pass for every endpoint that takes them, and one try of
// each due delivery, signed (DESIGN §4).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/db/write_context.h"
#include "services/handoff/domain/webhooks.h"
#include "services/handoff/storage/exception_repository.h"
#include "services/handoff/storage/webhook_repository.h"

namespace flywheel::handoff {

using Headers = std::vector<std::pair<std::string, std::string>>;

class WebhookUseCases {
 public:
  // The wire forms of events (owned by the API edge) and the HTTP POST.
  struct Outside {
    std::function<std::string(const ExceptionEventRecord&, const WebhookEvent&, WebhookFormat)> encode_exception;
    std::function<std::string(const WebhookEvent&, WebhookFormat)> encode_test;
    std::function<SendResult(const std::string& url, const Headers& headers, const std::string& body)> post;
  };
  WebhookUseCases(WebhookRepository& webhooks, ExceptionRepository& exceptions, Outside outside, const Clock& clock)
      : webhooks_(webhooks), exceptions_(exceptions), outside_(std::move(outside)), clock_(clock) {}

  absl::StatusOr<Created<Webhook>> Create(Webhook draft, const std::string& request_id, const WriteContext& write,
                                          const RecordResponse<Webhook>& record);
  absl::StatusOr<std::vector<Webhook>> List() { return webhooks_.List(); }
  absl::Status Delete(const std::string& id, const WriteContext& write);
  absl::StatusOr<Delivery> Test(const std::string& id);
  absl::StatusOr<std::vector<QueuedDelivery>> Deliveries(DeliveryQuery query);
  absl::StatusOr<int64_t> Replay(const std::string& webhook_id, const std::vector<std::string>& ids);

  // Health's band or quadrant changes `events` (bodies by `encode`), queued with the position in
  // health's stream in one transaction.
  absl::Status HealthBandsChanged(const std::vector<WebhookEvent>& events,
                                  const std::function<std::string(size_t, WebhookFormat)>& encode,
                                  const std::string& token);
  absl::StatusOr<std::string> HealthPosition();

  // Queues the exception events stored since the last pass, up to `limit`; how many were read.
  absl::StatusOr<int> QueueExceptionEvents(int limit);
  // Tries up to `limit` due deliveries once each (several at a time); how many were tried.
  absl::StatusOr<int> DeliverDue(int limit);

  static constexpr char kExceptionEvents[] = "webhooks.exceptions";  // sources' positions
  static constexpr char kHealthStream[] = "health";

 private:
  WebhookRepository& webhooks_;
  ExceptionRepository& exceptions_;
  Outside outside_;
  const Clock& clock_;
};

}  // namespace flywheel::handoff
