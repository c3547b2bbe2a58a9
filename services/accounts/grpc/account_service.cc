#include "services/accounts/grpc/account_service.h"

#include <algorithm>
#include <memory>
#include <unordered_map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/convert/type_convert.h"
#include "common/db/request_log.h"
#include "common/ids/ids.h"
#include "common/server/idempotency.h"
#include "common/paging/page_token.h"
#include "common/server/bulk_upsert_reactor.h"
#include "common/status/grpc_status.h"
#include "services/accounts/domain/hierarchy.h"
#include "services/accounts/domain/validation.h"
#include "services/accounts/grpc/account_proto.h"

namespace flywheel::accounts {
namespace {

constexpr size_t kMaxRequestIdLength = 128;
constexpr size_t kMaxBatchGet = 1000;

// The account in `message`, checked; violations are named from `prefix` ("account.").
Account CheckedAccount(const pb::Account& message, const std::string& prefix, FieldViolations& v) {
  FieldViolations local;
  Account a = FromProto(message, local);
  ValidateAccount(a, local);
  v.AddAll(prefix, local);
  return a;
}

std::vector<std::string> MaskPaths(const google::protobuf::FieldMask& mask) {
  return {mask.paths().begin(), mask.paths().end()};
}

// Keeps only the violations about fields named in `paths` (or nested in them).
FieldViolations OnlyMasked(const FieldViolations& all, const std::string& prefix, const std::vector<std::string>& paths) {
  FieldViolations kept;
  for (const auto& violation : all.items()) {
    for (const auto& path : paths) {
      std::string field = prefix + path;
      if (violation.field == field || absl::StartsWith(violation.field, field + ".") ||
          absl::StartsWith(violation.field, field + "[")) {
        kept.Add(violation.field, violation.description);
        break;
      }
    }
  }
  return kept;
}

// The canonical form of a list query, to which its page tokens are bound.
std::string CanonicalQuery(const v1::ListAccountsRequest& r) {
  v1::ListAccountsRequest copy = r;
  copy.clear_page_size();
  copy.clear_page_token();
  std::string out;
  copy.SerializeToString(&out);
  return absl::StrCat("accounts.list:", out);
}

// Checks one upsert record and turns it into repository input. Violations use `prefix`.
UpsertInput CheckedUpsert(const v1::UpsertAccountRequest& r, const std::string& prefix, FieldViolations& v) {
  ids::CheckExternalKey(r.source(), r.external_id(), prefix, v);
  if (!r.has_account()) v.Add(prefix + "account", "is required");
  UpsertInput input;
  input.source = r.source();
  input.external_id = r.external_id();
  input.fields = CheckedAccount(r.account(), prefix + "account.", v);
  input.paths = MaskPaths(r.update_mask());
  ValidateFieldMask(input.paths, prefix + "update_mask", /*required=*/false, v);
  if (input.paths.empty()) {
    // By default an upsert writes every field but external_ids, which it only adds to, so
    // one CRM's sync never drops another's identifier.
    for (const auto& f : WritableFields()) {
      if (f.name != "external_ids") input.paths.emplace_back(f.name);
    }
  }
  input.fields.external_ids[r.source()] = r.external_id();
  return input;
}

// An error naming fields of the account (the repository's "parent_id") as the request holds
// them ("account.parent_id"); fields named already, or of the request itself, are kept.
absl::Status InAccount(absl::Status status) {
  return UnderField(std::move(status), "account.", [](absl::string_view field) {
    return v1::Account::descriptor()->FindFieldByName(std::string(field.substr(0, field.find('.')))) != nullptr;
  });
}

}  // namespace

grpc::ServerUnaryReactor* AccountServiceImpl::CreateAccount(grpc::CallbackServerContext* ctx,
                                                            const v1::CreateAccountRequest* request,
                                                            v1::Account* response) {
  return RunUnary(ctx, context_, "CreateAccount", [=]() -> absl::Status {
    FieldViolations v;
    if (!request->has_account()) v.Add("account", "is required");
    Account account = CheckedAccount(request->account(), "account.", v);
    if (request->request_id().size() > kMaxRequestIdLength) {
      v.Add("request_id", absl::StrCat("must be at most ", kMaxRequestIdLength, " bytes"));
    }
    // Every bad field in one answer: the parent (which the write checks anyway) is read too.
    bool parent_id_well_formed = std::none_of(v.items().begin(), v.items().end(),
                                              [](const FieldViolation& f) { return f.field == "account.parent_id"; });
    if (!v.empty() && !account.parent_id.empty() && parent_id_well_formed) {
      v.AddFrom(InAccount(repository_.CheckParentOf(account)));
    }
    if (!v.empty()) return v.ToStatus();

    WriteContext write = WriteContextOf(context_, ctx, request->request_id());
    account.id = ids::NewId("acc");
    account.version = 1;
    account.create_time = account.update_time = write.now;
    account.delete_time.reset();
    *response = ToProto(account);
    std::optional<IdempotencyRecord> idempotency = IdempotencyFor(request->request_id(), request->account(), *response);
    auto result = repository_.Create(account, write, idempotency);
    if (!result.ok()) return InAccount(result.status());
    if (result->replayed && !response->ParseFromString(result->replayed_response)) {
      return absl::InternalError("stored response for request_id cannot be read");
    }
    return absl::OkStatus();
  });
}

AccountServiceImpl::AccountServiceImpl(ServiceContext& context, AccountRepository& repository)
    : context_(context),
      repository_(repository),
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
    FieldViolations v;
    if (static_cast<size_t>(request->ids_size()) > kMaxBatchGet) {
      v.Add("ids", absl::StrCat("at most ", kMaxBatchGet, " ids"));
    }
    for (int i = 0; i < request->ids_size(); ++i) ids::RequireId(request->ids(i), "acc", absl::StrCat("ids[", i, "]"), v);
    if (!v.empty()) return v.ToStatus();
    std::vector<std::string> ids(request->ids().begin(), request->ids().end());
    auto found = repository_.BatchGet(ids);
    if (!found.ok()) return found.status();
    std::unordered_map<std::string, const Account*> by_id;
    for (const auto& a : *found) by_id[a.id] = &a;
    std::vector<std::string> missing;
    for (const auto& id : ids) {
      auto it = by_id.find(id);
      if (it == by_id.end()) {
        missing.push_back(id);
      } else {
        ToProto(*it->second, *response->add_accounts());
      }
    }
    if (!missing.empty()) {
      response->Clear();
      return WithErrorInfo(absl::NotFoundError(absl::StrCat("accounts not found: ", absl::StrJoin(missing, ", "))),
                           "RESOURCE_NOT_FOUND", {{"resource_type", "account"}, {"ids", absl::StrJoin(missing, ",")}});
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountServiceImpl::ListAccounts(grpc::CallbackServerContext* ctx,
                                                           const v1::ListAccountsRequest* request,
                                                           v1::ListAccountsResponse* response) {
  return RunUnary(ctx, context_, "ListAccounts", [=]() -> absl::Status {
    FieldViolations v;
    AccountQuery query;
    auto page_size = paging::NormalizePageSize(request->page_size());
    v.AddFrom(page_size.status());
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
    std::string canonical = CanonicalQuery(*request);
    if (auto cursor = context_.page_tokens.DecodeCursor(request->page_token(), canonical, 2, v)) {
      query.after = std::make_pair((*cursor)[0], (*cursor)[1]);
    }
    if (!v.empty()) return v.ToStatus();
    query.limit = *page_size + 1;  // one more tells whether another page exists
    auto rows = repository_.List(query);
    if (!rows.ok()) return rows.status();
    bool more = static_cast<int>(rows->size()) > *page_size;
    if (more) {
      rows->resize(*page_size);
      auto [key, id] = CursorOf(rows->back(), query.order);
      response->set_next_page_token(context_.page_tokens.Encode(canonical, {key, id}));
    }
    response->mutable_accounts()->Reserve(static_cast<int>(rows->size()));
    for (auto& a : *rows) ToProto(std::move(a), *response->add_accounts());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountServiceImpl::UpdateAccount(grpc::CallbackServerContext* ctx,
                                                            const v1::UpdateAccountRequest* request,
                                                            v1::Account* response) {
  return RunUnary(ctx, context_, "UpdateAccount", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->account().id(), "acc", "account.id", v);
    std::vector<std::string> paths = MaskPaths(request->update_mask());
    ValidateFieldMask(paths, "update_mask", /*required=*/true, v);
    // Conversion errors count only for the fields the mask writes.
    FieldViolations conversion;
    Account patch = FromProto(request->account(), conversion);
    FieldViolations prefixed;
    prefixed.AddAll("account.", conversion);
    v.AddAll("", OnlyMasked(prefixed, "account.", paths));
    if (!v.empty()) return v.ToStatus();
    std::string etag = request->account().etag();
    auto updated = repository_.Update(
        request->account().id(),
        [&](Account& current) -> absl::Status {
          if (current.deleted()) {
            return DeletedError("account", current.id, "updated (UndeleteAccount restores it)");
          }
          if (absl::Status s = CheckEtag(current, etag); !s.ok()) return s;
          ApplyFields(patch, paths, current);
          FieldViolations after;
          ValidateAccount(current, after);
          FieldViolations prefixed;
          prefixed.AddAll("account.", after);
          return prefixed.ToStatus();
        },
        "UPDATE", WriteContextOf(context_, ctx));
    if (!updated.ok()) return InAccount(updated.status());
    *response = ToProto(*updated);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountServiceImpl::DeleteAccount(grpc::CallbackServerContext* ctx,
                                                            const v1::DeleteAccountRequest* request,
                                                            v1::Account* response) {
  return RunUnary(ctx, context_, "DeleteAccount", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->id(), "acc", "id", v);
    if (!v.empty()) return v.ToStatus();
    WriteContext write = WriteContextOf(context_, ctx);
    auto deleted = repository_.Update(
        request->id(),
        [&](Account& current) -> absl::Status {
          if (current.deleted()) {
            return DeletedError("account", current.id, "deleted again");
          }
          if (absl::Status s = CheckEtag(current, request->etag()); !s.ok()) return s;
          current.delete_time = write.now;
          return absl::OkStatus();
        },
        "DELETE", write);
    if (!deleted.ok()) return deleted.status();
    *response = ToProto(*deleted);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountServiceImpl::UndeleteAccount(grpc::CallbackServerContext* ctx,
                                                              const v1::UndeleteAccountRequest* request,
                                                              v1::Account* response) {
  return RunUnary(ctx, context_, "UndeleteAccount", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->id(), "acc", "id", v);
    if (!v.empty()) return v.ToStatus();
    auto restored = repository_.Update(
        request->id(),
        [&](Account& current) -> absl::Status {
          if (!current.deleted()) {
            return FailedPreconditionError(absl::StrCat("account ", current.id, " is not deleted"),
                                           {{"NOT_DELETED", current.id, "only a deleted account can be restored"}});
          }
          current.delete_time.reset();
          return absl::OkStatus();
        },
        "UNDELETE", WriteContextOf(context_, ctx));
    if (!restored.ok()) return restored.status();
    *response = ToProto(*restored);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountServiceImpl::GetAccountTree(grpc::CallbackServerContext* ctx,
                                                             const v1::GetAccountTreeRequest* request,
                                                             v1::AccountTree* response) {
  return RunUnary(ctx, context_, "GetAccountTree", [=]() -> absl::Status {
    FieldViolations v;
    ids::RequireId(request->id(), "acc", "id", v);
    if (!v.empty()) return v.ToStatus();
    auto accounts = repository_.GetSubtree(request->id());
    if (!accounts.ok()) return accounts.status();
    response->set_root_id(request->id());
    for (const auto& node : BuildTree(request->id(), *accounts)) *response->add_nodes() = ToProto(node);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccountServiceImpl::UpsertAccount(grpc::CallbackServerContext* ctx,
                                                            const v1::UpsertAccountRequest* request,
                                                            v1::UpsertAccountResponse* response) {
  return RunUnary(ctx, context_, "UpsertAccount", [=]() -> absl::Status {
    FieldViolations v;
    UpsertInput input = CheckedUpsert(*request, "", v);
    if (!v.empty()) return v.ToStatus();
    auto result = repository_.Upsert(input, WriteContextOf(context_, ctx));
    if (!result.ok()) return InAccount(result.status());
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
    auto page_size = paging::NormalizePageSize(request->page_size());
    v.AddFrom(page_size.status());
    std::string canonical = absl::StrCat("accounts.history:", request->account_id());
    int64_t after = 0;
    if (auto cursor = context_.page_tokens.DecodeCursor(request->page_token(), canonical, 1, v);
        cursor && !absl::SimpleAtoi((*cursor)[0], &after)) {
      v.Add("page_token", "is malformed");
    }
    if (!v.empty()) return v.ToStatus();
    if (auto account = repository_.Get(request->account_id()); !account.ok()) return account.status();
    auto entries = repository_.ListHistory(request->account_id(), after, *page_size + 1);
    if (!entries.ok()) return entries.status();
    bool more = static_cast<int>(entries->size()) > *page_size;
    if (more) entries->resize(*page_size);
    for (const auto& e : *entries) *response->add_entries() = convert::ToProto(e);
    if (more) {
      response->set_next_page_token(
          context_.page_tokens.Encode(canonical, {absl::StrCat(entries->back().sequence)}));
    }
    return absl::OkStatus();
  });
}

grpc::ServerReadReactor<grpc::ByteBuffer>* AccountServiceImpl::BulkUpsertAccounts(grpc::CallbackServerContext* ctx,
                                                                                 grpc::ByteBuffer* response) {
  using Reactor = BulkUpsertReactor<v1::BulkUpsertAccountsRequest, v1::BulkUpsertAccountsResponse, UpsertInput>;
  Reactor::Hooks hooks;
  hooks.check = [](const v1::UpsertAccountRequest& record, FieldViolations& v) { return CheckedUpsert(record, "", v); };
  hooks.write = [this, ctx](const std::vector<UpsertInput>& inputs,
                            bool dry_run) -> absl::StatusOr<std::vector<BulkWritten>> {
    auto written = repository_.BulkUpsert(inputs, dry_run, WriteContextOf(context_, ctx));
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
