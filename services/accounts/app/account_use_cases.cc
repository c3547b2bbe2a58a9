#include "services/accounts/app/account_use_cases.h"

#include <algorithm>
#include <unordered_map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/ids/ids.h"
#include "services/accounts/domain/validation.h"

namespace flywheel::accounts {
namespace {

// The draft's problems and the rules' violations, named from `prefix`.
void CheckDraft(const AccountDraft& draft, const std::string& prefix, FieldViolations& v) {
  FieldViolations local = draft.problems;
  ValidateAccount(draft.account, local);
  v.AddAll(prefix, local);
}

// Keeps only the violations about fields named in `paths` (or nested in them).
FieldViolations OnlyMasked(const FieldViolations& all, const std::vector<std::string>& paths) {
  FieldViolations kept;
  for (const auto& violation : all.items()) {
    for (const auto& path : paths) {
      if (violation.field == path || absl::StartsWith(violation.field, path + ".") ||
          absl::StartsWith(violation.field, path + "[")) {
        kept.Add(violation.field, violation.description);
        break;
      }
    }
  }
  return kept;
}

bool IsAccountField(absl::string_view field) {
  absl::string_view top = field.substr(0, field.find_first_of(".["));
  return top == "id" || top == "etag" || FindWritableField(top) != nullptr;
}

}  // namespace

absl::Status InAccount(absl::Status status) { return UnderField(std::move(status), "account.", IsAccountField); }

absl::StatusOr<Created<Account>> AccountUseCases::Create(std::optional<AccountDraft> draft, const std::string& request_id,
                                                         const WriteContext& write,
                                                         const RecordResponse<Account>& record) {
  FieldViolations v;
  if (!draft) v.Add("account", "is required");
  if (draft) CheckDraft(*draft, "account.", v);
  Account account = draft ? std::move(draft->account) : Account{};
  ids::CheckRequestId(request_id, v);
  // Every bad field in one answer: the parent (which the write checks anyway) is read too.
  bool parent_id_well_formed = std::none_of(v.items().begin(), v.items().end(),
                                            [](const FieldViolation& f) { return f.field == "account.parent_id"; });
  if (!v.empty() && !account.parent_id.empty() && parent_id_well_formed) {
    v.AddFrom(InAccount(repository_.CheckParentOf(account)));
  }
  if (!v.empty()) return v.ToStatus();
  account.id = ids::NewId("acc");
  account.version = 1;
  account.create_time = account.update_time = write.now;
  account.delete_time.reset();
  auto result = repository_.Create(account, write, record(account));
  if (!result.ok()) return InAccount(result.status());
  return Created<Account>{std::move(account), *result};
}

absl::StatusOr<std::vector<Account>> AccountUseCases::BatchGet(const std::vector<std::string>& ids) {
  FieldViolations v;
  if (ids.size() > kMaxBatchGet) v.Add("ids", absl::StrCat("at most ", kMaxBatchGet, " ids"));
  for (size_t i = 0; i < ids.size(); ++i) ids::RequireId(ids[i], "acc", absl::StrCat("ids[", i, "]"), v);
  if (!v.empty()) return v.ToStatus();
  auto found = repository_.BatchGet(ids);
  if (!found.ok()) return found.status();
  std::unordered_map<std::string, const Account*> by_id;
  for (const auto& a : *found) by_id[a.id] = &a;
  std::vector<Account> ordered;
  std::vector<std::string> missing;
  for (const auto& id : ids) {
    auto it = by_id.find(id);
    if (it == by_id.end()) {
      missing.push_back(id);
    } else {
      ordered.push_back(*it->second);
    }
  }
  if (!missing.empty()) {
    return WithErrorInfo(absl::NotFoundError(absl::StrCat("accounts not found: ", absl::StrJoin(missing, ", "))),
                         "RESOURCE_NOT_FOUND", {{"resource_type", "account"}, {"ids", absl::StrJoin(missing, ",")}});
  }
  return ordered;
}

absl::StatusOr<std::vector<Account>> AccountUseCases::List(const AccountQuery& query) {
  return repository_.List(query);
}

absl::StatusOr<Account> AccountUseCases::Update(const std::string& id, AccountDraft patch,
                                                const std::vector<std::string>& paths, const std::string& etag,
                                                const WriteContext& write) {
  FieldViolations v;
  ids::RequireId(id, "acc", "account.id", v);
  CheckMask(WritableFields(), paths, "update_mask", /*required=*/true, v);
  // Decoding problems count only for the fields the mask writes.
  v.AddAll("account.", OnlyMasked(patch.problems, paths));
  if (!v.empty()) return v.ToStatus();
  auto updated = repository_.Update(
      id,
      [&](Account& current) -> absl::Status {
        if (current.deleted()) return DeletedError("account", current.id, "updated (UndeleteAccount restores it)");
        if (absl::Status s = CheckEtag(current, etag); !s.ok()) return s;
        ApplyFields(patch.account, paths, current);
        FieldViolations after;
        ValidateAccount(current, after);
        FieldViolations named;
        named.AddAll("account.", after);
        return named.ToStatus();
      },
      "UPDATE", write);
  if (!updated.ok()) return InAccount(updated.status());
  return updated;
}

absl::StatusOr<Account> AccountUseCases::Delete(const std::string& id, const std::string& etag,
                                                const WriteContext& write) {
  if (absl::Status s = ids::Required(id, "acc", "id"); !s.ok()) return s;
  return repository_.Update(
      id,
      [&](Account& current) -> absl::Status {
        if (current.deleted()) return DeletedError("account", current.id, "deleted again");
        if (absl::Status s = CheckEtag(current, etag); !s.ok()) return s;
        current.delete_time = write.now;
        return absl::OkStatus();
      },
      "DELETE", write);
}

absl::StatusOr<Account> AccountUseCases::Undelete(const std::string& id, const WriteContext& write) {
  if (absl::Status s = ids::Required(id, "acc", "id"); !s.ok()) return s;
  return repository_.Update(
      id,
      [&](Account& current) -> absl::Status {
        if (!current.deleted()) {
          return FailedPreconditionError(absl::StrCat("account ", current.id, " is not deleted"),
                                         {{"NOT_DELETED", current.id, "only a deleted account can be restored"}});
        }
        current.delete_time.reset();
        return absl::OkStatus();
      },
      "UNDELETE", write);
}

absl::StatusOr<std::vector<TreeNode>> AccountUseCases::Tree(const std::string& root_id) {
  if (absl::Status s = ids::Required(root_id, "acc", "id"); !s.ok()) return s;
  auto accounts = repository_.GetSubtree(root_id);
  if (!accounts.ok()) return accounts.status();
  return BuildTree(root_id, *accounts);
}

UpsertInput AccountUseCases::CheckUpsert(UpsertRecord record, const std::string& prefix, FieldViolations& v) {
  ids::CheckExternalKey(record.source, record.external_id, prefix, v);
  if (!record.draft) v.Add(prefix + "account", "is required");
  UpsertInput input;
  input.source = std::move(record.source);
  input.external_id = std::move(record.external_id);
  if (record.draft) {
    CheckDraft(*record.draft, prefix + "account.", v);
    input.fields = std::move(record.draft->account);
  }
  CheckMask(WritableFields(), record.paths, prefix + "update_mask", /*required=*/false, v);
  // By default an upsert writes every field but external_ids, which it only adds to, so one
  // CRM's sync never drops another's identifier.
  input.paths = record.paths.empty() ? FieldNamesBut(WritableFields(), "external_ids") : std::move(record.paths);
  input.fields.external_ids[input.source] = input.external_id;
  return input;
}

absl::StatusOr<UpsertResult> AccountUseCases::Upsert(const UpsertInput& input, const WriteContext& write) {
  auto result = repository_.Upsert(input, write);
  if (!result.ok()) return InAccount(result.status());
  return result;
}

absl::StatusOr<std::vector<absl::StatusOr<UpsertResult>>> AccountUseCases::BulkUpsert(
    const std::vector<UpsertInput>& inputs, bool dry_run, const WriteContext& write) {
  return repository_.BulkUpsert(inputs, dry_run, write);
}

absl::StatusOr<std::vector<AuditEntry>> AccountUseCases::History(const std::string& account_id, int64_t after,
                                                                 int limit) {
  if (auto account = repository_.Get(account_id); !account.ok()) return account.status();
  return repository_.ListHistory(account_id, after, limit);
}

}  // namespace flywheel::accounts
