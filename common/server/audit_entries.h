// The read of a service's audit trail (db/audit.h), as every service but accounts serves it:
// ListAuditEntries by resource_id, by account_id or both, oldest first, paged with a token
// bound to the query. The request and response messages are each service's own (same fields).
#pragma once

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/convert/type_convert.h"
#include "common/db/audit.h"
#include "common/ids/ids.h"
#include "common/paging/page_token.h"
#include "common/server/service_context.h"

namespace flywheel {

template <typename Request, typename Response>
grpc::ServerUnaryReactor* ServeAuditEntries(grpc::CallbackServerContext* ctx, const ServiceContext& service,
                                            const Request* request, Response* response) {
  return RunUnary(ctx, service, "ListAuditEntries", [=, &service]() -> absl::Status {
    FieldViolations v;
    if (request->resource_id().empty() && request->account_id().empty()) {
      v.Add("resource_id", "give resource_id, account_id or both");
    }
    if (request->resource_id().size() > 40) v.Add("resource_id", "must be at most 40 bytes");
    if (!request->account_id().empty()) ids::RequireId(request->account_id(), "acc", "account_id", v);
    auto page_size = paging::NormalizePageSize(request->page_size());
    v.AddFrom(page_size.status());
    Request query = *request;
    query.clear_page_size();
    query.clear_page_token();
    std::string canonical = absl::StrCat("audit:", query.SerializeAsString());
    int64_t after = 0;
    if (auto cursor = service.page_tokens.DecodeCursor(request->page_token(), canonical, 1, v);
        cursor && !absl::SimpleAtoi((*cursor)[0], &after)) {
      v.Add("page_token", "is malformed");
    }
    if (!v.empty()) return v.ToStatus();
    auto rows = db::ListAudit(service.pool, {request->resource_id(), request->account_id(), after, *page_size + 1});
    if (!rows.ok()) return rows.status();
    bool more = static_cast<int>(rows->size()) > *page_size;
    if (more) rows->resize(*page_size);
    for (const auto& row : *rows) {
      auto* e = response->add_entries();
      *e = convert::ToProto(row.entry);
      e->set_resource_id(row.resource_id);
      e->set_account_id(row.account_id);
    }
    if (more) response->set_next_page_token(service.page_tokens.Encode(canonical, {absl::StrCat(rows->back().entry.sequence)}));
    return absl::OkStatus();
  });
}

}  // namespace flywheel
