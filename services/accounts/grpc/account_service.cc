#include "services/accounts/grpc/account_service.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/convert/type_convert.h"
#include "common/ids/ids.h"
#include "common/server/bulk_upsert_reactor.h"
#include "common/server/idempotency.h"
#include "common/server/list_page.h"
#include "common/server/watch_stream.h"
#include "services/accounts/grpc/account_proto.h"

namespace flywheel::accounts {
namespace {

AccountDraft Decoded(const pb::Account& message) {
  AccountDraft draft;
  draft.account = FromProto(message, draft.problems);
  return draft;
}

std::vector<std::string> MaskPaths(const google::protobuf::FieldMask& mask) {
  return {mask.paths().begin(), mask.paths().end()};
}

AccountUseCases::UpsertRecord RecordOf(const v1::UpsertAccountRequest& r) {
  AccountUseCases::UpsertRecord record{r.source(), r.external_id(), std::nullopt, MaskPaths(r.update_mask())};
  if (r.has_account()) record.draft = Decoded(r.account());
  return record;
}

}  // namespace

grpc::ServerUnaryReactor* AccountServiceImpl::CreateAccount(grpc::CallbackServerContext* ctx,
                                                            const v1::CreateAccountRequest* request,
                                                            v1::Account* response) {
  return RunUnary(ctx, context_, "CreateAccount", [=]() -> absl::Status {
    std::optional<AccountDraft> draft;
    if (request->has_account()) draft = Decoded(request->account());
    return AnswerCreate<Account>(request->request_id(), request->account(), *response,
                                 [](const Account& a) { return ToProto(a); },
                                 [&](const RecordResponse<Account>& record) {
                                   return use_cases_.Create(std::move(draft), request->request_id(),
                                                            WriteContextOf(context_, ctx, request->request_id()),
                                                            record);
                                 });
  });
}

AccountServiceImpl::AccountServiceImpl(ServiceContext& context, AccountRepository& repository)
    : context_(context),
      repository_(repository),
      use_cases_(repository),
      account_reads_(
          context.workers, kCoalescedReadsPerBatch,
          [this](const std::vector<std::string>& ids) -> absl::StatusOr<absl::flat_hash_map<std::string, Account>> {
            auto found = repository_.BatchGet(ids);
            if (!found.ok()) return found.status();
            absl::flat_hash_map<std::string, Account> by_id;
            for (auto& a : *found) by_id.emplace(a.id, std::move(a));
            return by_id;
          },
          [](const std::string& id) -> absl::StatusOr<Account> { return NotFoundError("account", id); }) {
  SetMessageAllocatorFor_ListAccounts(&list_messages_);
  SetMessageAllocatorFor_BatchGetAccounts(&batch_get_messages_);
}

grpc::ServerUnaryReactor* AccountServiceImpl::GetAccount(grpc::CallbackServerContext* ctx,
                                                         const v1::GetAccountRequest* request, v1::Account* response) {
  FieldViolations v;
  ids::RequireId(request->id(), "acc", "id", v);
  return RunCoalescedRead<Account>(ctx, context_, "GetAccount", account_reads_, request->id(), v.ToStatus(),
                                   [response](const Account& account) {
                                     ToProto(account, *response);
                                     return absl::OkStatus();
                                   });
}

grpc::ServerUnaryReactor* AccountServiceImpl::BatchGetAccounts(grpc::CallbackServerContext* ctx,
                                                               const v1::BatchGetAccountsRequest* request,
                                                               v1::BatchGetAccountsResponse* response) {
  return RunUnary(ctx, context_, "BatchGetAccounts", [=]() -> absl::Status {
    auto found = use_cases_.BatchGet({request->ids().begin(), request->ids().end()});
    if (!found.ok()) return found.status();
    response->mutable_accounts()->Reserve(static_cast<int>(found->size()));
    for (auto& a : *found) ToProto(std::move(a), *response->add_accounts());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountServiceImpl::ListAccounts(grpc::CallbackServerContext* ctx,
                                                           const v1::ListAccountsRequest* request,
                                                           v1::ListAccountsResponse* response) {
  return RunUnary(ctx, context_, "ListAccounts", [=]() -> absl::Status {
    FieldViolations v;
    ListPage page(context_.page_tokens, *request, 2, v);
    AccountQuery query;
    query.stage = StageFromProto(request->lifecycle_stage(), "lifecycle_stage", v);
    query.segment = request->segment();
    query.csm_owner = request->csm_owner();
    query.parent_id = request->parent_id();
    if (!query.parent_id.empty()) ids::RequireId(query.parent_id, "acc", "parent_id", v);
    if (!request->label().empty()) {
      size_t eq = request->label().find('=');
      query.label_key = request->label().substr(0, eq);
      if (eq != std::string::npos) query.label_value = request->label().substr(eq + 1);
      if (query.label_key.empty()) v.Add("label", "must be \"key\" or \"key=value\"");
    }
    if (request->has_updated_since()) query.updated_since = convert::FromTimestamp(request->updated_since(), "updated_since", v);
    switch (request->order_by()) {
      case v1::ListAccountsRequest::ORDER_BY_UNSPECIFIED:
      case v1::ListAccountsRequest::ORDER_BY_NAME: query.order = ListOrder::kName; break;
      case v1::ListAccountsRequest::ORDER_BY_UPDATE_TIME: query.order = ListOrder::kUpdateTime; break;
      case v1::ListAccountsRequest::ORDER_BY_ID: query.order = ListOrder::kId; break;
      default: v.Add("order_by", absl::StrCat(request->order_by(), " is not an order"));
    }
    query.show_deleted = request->show_deleted();
    if (page.cursor()) query.after = std::make_pair((*page.cursor())[0], (*page.cursor())[1]);
    if (!v.empty()) return v.ToStatus();
    query.limit = page.limit();
    auto rows = use_cases_.List(query);
    if (!rows.ok()) return rows.status();
    response->set_next_page_token(page.Finish(*rows, [&](const Account& last) {
      auto [key, id] = CursorOf(last, query.order);
      return std::vector<std::string>{key, id};
    }));
    response->mutable_accounts()->Reserve(static_cast<int>(rows->size()));
    for (auto& a : *rows) ToProto(std::move(a), *response->add_accounts());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountServiceImpl::UpdateAccount(grpc::CallbackServerContext* ctx,
                                                            const v1::UpdateAccountRequest* request,
                                                            v1::Account* response) {
  return RunUnary(ctx, context_, "UpdateAccount", [=]() -> absl::Status {
    auto updated = use_cases_.Update(request->account().id(), Decoded(request->account()),
                                     MaskPaths(request->update_mask()), request->account().etag(),
                                     WriteContextOf(context_, ctx));
    if (!updated.ok()) return updated.status();
    ToProto(*std::move(updated), *response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountServiceImpl::DeleteAccount(grpc::CallbackServerContext* ctx,
                                                            const v1::DeleteAccountRequest* request,
                                                            v1::Account* response) {
  return RunUnary(ctx, context_, "DeleteAccount", [=]() -> absl::Status {
    auto deleted = use_cases_.Delete(request->id(), request->etag(), WriteContextOf(context_, ctx));
    if (!deleted.ok()) return deleted.status();
    ToProto(*std::move(deleted), *response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountServiceImpl::UndeleteAccount(grpc::CallbackServerContext* ctx,
                                                              const v1::UndeleteAccountRequest* request,
                                                              v1::Account* response) {
  return RunUnary(ctx, context_, "UndeleteAccount", [=]() -> absl::Status {
    auto restored = use_cases_.Undelete(request->id(), WriteContextOf(context_, ctx));
    if (!restored.ok()) return restored.status();
    ToProto(*std::move(restored), *response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountServiceImpl::GetAccountTree(grpc::CallbackServerContext* ctx,
                                                             const v1::GetAccountTreeRequest* request,
                                                             v1::AccountTree* response) {
  return RunUnary(ctx, context_, "GetAccountTree", [=]() -> absl::Status {
    auto tree = use_cases_.Tree(request->id());
    if (!tree.ok()) return tree.status();
    response->set_root_id(request->id());
    for (const auto& node : *tree) *response->add_nodes() = ToProto(node);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountServiceImpl::UpsertAccount(grpc::CallbackServerContext* ctx,
                                                            const v1::UpsertAccountRequest* request,
                                                            v1::UpsertAccountResponse* response) {
  return RunUnary(ctx, context_, "UpsertAccount", [=]() -> absl::Status {
    FieldViolations v;
    UpsertInput input = AccountUseCases::CheckUpsert(RecordOf(*request), "", v);
    if (!v.empty()) return v.ToStatus();
    auto result = use_cases_.Upsert(input, WriteContextOf(context_, ctx));
    if (!result.ok()) return result.status();
    *response->mutable_account() = ToProto(result->account);
    response->set_outcome(ToProto(result->outcome));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountServiceImpl::ListAccountHistory(grpc::CallbackServerContext* ctx,
                                                                 const v1::ListAccountHistoryRequest* request,
                                                                 v1::ListAccountHistoryResponse* response) {
  return RunUnary(ctx, context_, "ListAccountHistory", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->account_id(), "acc", "account_id", v);
    ListPage page(context_.page_tokens, *request, 1, v);
    int64_t after = 0;
    if (page.cursor() && !absl::SimpleAtoi((*page.cursor())[0], &after)) v.Add("page_token", "is malformed");
    if (!v.empty()) return v.ToStatus();
    auto entries = use_cases_.History(request->account_id(), after, page.limit());
    if (!entries.ok()) return entries.status();
    response->set_next_page_token(
        page.Finish(*entries, [](const AuditEntry& last) { return std::vector<std::string>{absl::StrCat(last.sequence)}; }));
    for (const auto& e : *entries) *response->add_entries() = convert::ToProto(e);
    return absl::OkStatus();
  });
}

grpc::ServerWriteReactor<v1::AccountChange>* AccountServiceImpl::WatchAccountChanges(
    grpc::CallbackServerContext* ctx, const v1::WatchAccountChangesRequest* request) {
  absl::StatusOr<auth::Caller> caller = context_.gate.Admit(ctx, "WatchAccountChanges");
  WatchSource<v1::AccountChange> source;
  source.query = "accounts.watch";
  source.last = [this] { return use_cases_.LastChange(); };
  source.fetch = [this](int64_t after) -> absl::StatusOr<WatchPage<v1::AccountChange>> {
    auto changes = use_cases_.Changes(after, 500, context_.clock.Now());
    if (!changes.ok()) return changes.status();
    WatchPage<v1::AccountChange> page;
    page.scanned_to = after;
    for (const AccountChange& c : *changes) {
      v1::AccountChange m;
      m.set_account_id(c.account_id);
      m.set_version(c.version);
      m.set_action(c.action);
      for (const auto& f : c.changed_fields) m.add_changed_fields(f);
      *m.mutable_time() = convert::ToTimestamp(c.time);
      page.changes.emplace_back(c.sequence, std::move(m));
      page.scanned_to = c.sequence;
    }
    return page;
  };
  return StartWatch(CallRecord(ctx, "WatchAccountChanges", caller.ok() ? caller->principal : ""), caller.status(),
                    request->resume_token(), request->from_beginning(), std::move(source));
}

grpc::ServerReadReactor<grpc::ByteBuffer>* AccountServiceImpl::BulkUpsertAccounts(grpc::CallbackServerContext* ctx,
                                                                                 grpc::ByteBuffer* response) {
  using Reactor = BulkUpsertReactor<v1::BulkUpsertAccountsRequest, v1::BulkUpsertAccountsResponse, UpsertInput>;
  Reactor::Hooks hooks;
  hooks.check = [](const v1::UpsertAccountRequest& record, FieldViolations& v) {
    return AccountUseCases::CheckUpsert(RecordOf(record), "", v);
  };
  hooks.write = [this, ctx](const std::vector<UpsertInput>& inputs,
                            bool dry_run) -> absl::StatusOr<std::vector<BulkWritten>> {
    auto written = use_cases_.BulkUpsert(inputs, dry_run, WriteContextOf(context_, ctx));
    if (!written.ok()) return written.status();
    std::vector<BulkWritten> out;
    for (auto& r : *written) {
      out.push_back(r.ok() ? BulkWritten{absl::OkStatus(), r->outcome, r->account.id} : BulkWritten{r.status()});
    }
    return out;
  };
  hooks.set_id = [](v1::BulkUpsertResult& r, const std::string& id) { r.set_account_id(id); };
  return new Reactor(ctx, "BulkUpsertAccounts", context_, response, std::move(hooks));
}

}  // namespace flywheel::accounts
