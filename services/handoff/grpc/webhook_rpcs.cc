// The webhook RPCs of HandoffServiceImpl: decode, call WebhookUseCases, encode.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/server/idempotency.h"
#include "common/server/list_page.h"
#include "services/handoff/grpc/handoff_proto.h"
#include "services/handoff/grpc/handoff_service.h"

namespace flywheel::handoff {

grpc::ServerUnaryReactor* HandoffServiceImpl::CreateWebhook(Ctx* ctx, const v1::CreateWebhookRequest* request,
                                                            v1::Webhook* response) {
  return RunUnary(ctx, context_, "CreateWebhook", [=]() -> absl::Status {
    // The stored first response has no secret: a replay does not return it either.
    return AnswerCreate<Webhook>(request->request_id(), *request, *response,
                                 [](const Webhook& created) { return ToProto(created); },
                                 [&](const RecordResponse<Webhook>& record) {
                                   return webhooks_.Create(FromProto(request->webhook()), request->request_id(),
                                                           WriteContextOf(context_, ctx, request->request_id()), record);
                                 });
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::ListWebhooks(Ctx* ctx, const v1::ListWebhooksRequest*,
                                                           v1::ListWebhooksResponse* response) {
  return RunUnary(ctx, context_, "ListWebhooks", [=]() -> absl::Status {
    auto hooks = webhooks_.List();
    if (!hooks.ok()) return hooks.status();
    for (const Webhook& w : *hooks) *response->add_webhooks() = ToProto(w);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::DeleteWebhook(Ctx* ctx, const v1::DeleteWebhookRequest* request,
                                                            v1::DeleteWebhookResponse*) {
  return RunUnary(ctx, context_, "DeleteWebhook",
                  [=]() { return webhooks_.Delete(request->id(), WriteContextOf(context_, ctx)); });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::TestWebhook(Ctx* ctx, const v1::TestWebhookRequest* request,
                                                          v1::WebhookDelivery* response) {
  return RunUnary(ctx, context_, "TestWebhook", [=]() -> absl::Status {
    auto delivery = webhooks_.Test(request->id());
    if (!delivery.ok()) return delivery.status();
    *response = ToProto(*delivery);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::ListWebhookDeliveries(Ctx* ctx,
                                                                    const v1::ListWebhookDeliveriesRequest* request,
                                                                    v1::ListWebhookDeliveriesResponse* response) {
  return RunUnary(ctx, context_, "ListWebhookDeliveries", [=]() -> absl::Status {
    FieldViolations v;
    DeliveryQuery query;
    query.webhook_id = request->webhook_id();
    if (request->state() != v1::DELIVERY_STATE_UNSPECIFIED) {
      query.state = DeliveryStateFromProto(request->state());
      if (!query.state) v.Add("state", "is not a delivery state");
    }
    ListPage page(context_.page_tokens, *request, 1, v);
    if (page.cursor() && !absl::SimpleAtoi((*page.cursor())[0], &query.before_sequence)) {
      v.Add("page_token", "is malformed");
    }
    if (!v.empty()) return v.ToStatus();
    query.limit = page.limit();
    auto deliveries = webhooks_.Deliveries(query);
    if (!deliveries.ok()) return deliveries.status();
    response->set_next_page_token(page.Finish(*deliveries, [](const QueuedDelivery& last) {
      return std::vector<std::string>{absl::StrCat(last.sequence)};
    }));
    for (const QueuedDelivery& d : *deliveries) *response->add_deliveries() = ToProto(d.delivery);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* HandoffServiceImpl::ReplayWebhookDeliveries(Ctx* ctx,
                                                                      const v1::ReplayWebhookDeliveriesRequest* request,
                                                                      v1::ReplayWebhookDeliveriesResponse* response) {
  return RunUnary(ctx, context_, "ReplayWebhookDeliveries", [=]() -> absl::Status {
    auto replayed = webhooks_.Replay(request->webhook_id(),
                                     {request->delivery_ids().begin(), request->delivery_ids().end()});
    if (!replayed.ok()) return replayed.status();
    response->set_replayed(static_cast<int32_t>(*replayed));
    return absl::OkStatus();
  });
}

}  // namespace flywheel::handoff
