// The bodies webhook deliveries carry, in protobuf's JSON mapping (DESIGN §4): the envelope
// WebhookEventBody {id, type, time, account_id, resource} with the exception or the health
// change as the resource, or a Slack incoming-webhook message {"text"} for endpoints that asked
// for that format.
#pragma once

#include <string>

#include "flywheel/health/v1/health.pb.h"
#include "services/handoff/domain/webhooks.h"
#include "services/handoff/storage/exception_repository.h"

namespace flywheel::handoff {

std::string EncodeExceptionEvent(const ExceptionEventRecord& record, const WebhookEvent& event, WebhookFormat format,
                                 absl::CivilDay today);
std::string EncodeHealthChange(const flywheel::health::v1::HealthChange& change, const WebhookEvent& event,
                               WebhookFormat format);
std::string EncodeTestEvent(const WebhookEvent& event, WebhookFormat format);

// The webhook event of a health change (its id is derived from the change's resume token, so
// the same change read twice is the same event).
WebhookEvent HealthChangeEvent(const flywheel::health::v1::HealthChange& change);

}  // namespace flywheel::handoff
