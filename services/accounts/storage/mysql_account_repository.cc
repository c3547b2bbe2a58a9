#include "services/accounts/storage/mysql_account_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <memory>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/db/change_log.h"
#include "common/db/batch_claims.h"
#include "common/db/record_batches.h"
#include "common/db/request_log.h"
#include "common/db/sql_params.h"
#include "common/fields/writable_fields.h"
#include "common/ids/ids.h"
#include "common/status/errors.h"
#include "services/accounts/domain/hierarchy.h"

namespace flywheel::accounts {
namespace {

using db::Connection;
using Param = db::SqlParam;
using db::FormatDay;
using db::Placeholders;
using db::ReadDay;

constexpr char kColumns[] =
    "account_id, name, parent_id, segment, industry, region, arr_currency, arr_minor, licensed_seats,"
    " lifecycle_stage, csm_owner, contract_start, renewal_date, value_target_currency,"
    " value_target_minor, value_target_description, version, create_time_us, update_time_us,"
    " delete_time_us, children";
constexpr int kColumnCount = 21;
constexpr int kBulkBatchSize = 500;
constexpr size_t kInChunk = 100;  // values per IN list or multi-row write (one statement shape)

std::optional<Money> ReadMoney(sql::ResultSet& rs, int currency_column) {
  if (rs.isNull(currency_column)) return std::nullopt;
  return Money{rs.getString(currency_column), rs.getInt64(currency_column + 1)};
}

// The children column (see migration 0002): "x:HEX(source):HEX(id)" and "l:HEX(key):HEX(value)".
std::string EncodeChildren(const Account& a) {
  std::vector<std::string> entries;
  for (const auto& [source, id] : a.external_ids) {
    entries.push_back(absl::StrCat("x:", absl::BytesToHexString(source), ":", absl::BytesToHexString(id)));
  }
  for (const auto& [key, value] : a.labels) {
    entries.push_back(absl::StrCat("l:", absl::BytesToHexString(key), ":", absl::BytesToHexString(value)));
  }
  return absl::StrJoin(entries, ",");
}

// Read on every account of a page: the entry is cut at its two colons in place (splitting each
// into a vector of parts was a visible share of the page in the profile).
void DecodeChildren(absl::string_view encoded, Account& a) {
  for (absl::string_view entry : absl::StrSplit(encoded, ',', absl::SkipEmpty())) {
    size_t first = entry.find(':');
    size_t second = first == absl::string_view::npos ? first : entry.find(':', first + 1);
    if (second == absl::string_view::npos || entry.find(':', second + 1) != absl::string_view::npos) continue;
    (entry.substr(0, first) == "x" ? a.external_ids : a.labels)[absl::HexStringToBytes(
        entry.substr(first + 1, second - first - 1))] = absl::HexStringToBytes(entry.substr(second + 1));
  }
}

Account ReadAccountRow(sql::ResultSet& rs) {
  Account a;
  a.id = rs.getString(1);
  a.name = rs.getString(2);
  a.parent_id = rs.isNull(3) ? "" : std::string(rs.getString(3));
  a.segment = rs.getString(4);
  a.industry = rs.getString(5);
  a.region = rs.getString(6);
  a.arr = ReadMoney(rs, 7);
  a.licensed_seats = rs.getInt64(9);
  a.lifecycle_stage = StageFromName(std::string(rs.getString(10))).value_or(LifecycleStage::kSales);
  a.csm_owner = rs.getString(11);
  a.contract_start = ReadDay(rs, 12);
  a.renewal_date = ReadDay(rs, 13);
  if (auto amount = ReadMoney(rs, 14)) a.value_target = ValueTarget{*amount, rs.getString(16)};
  a.version = rs.getInt64(17);
  a.create_time = absl::FromUnixMicros(rs.getInt64(18));
  a.update_time = absl::FromUnixMicros(rs.getInt64(19));
  if (!rs.isNull(20)) a.delete_time = absl::FromUnixMicros(rs.getInt64(20));
  DecodeChildren(rs.getString(21).asStdString(), a);
  return a;
}

// Runs a SELECT of kColumns with `tail` ("WHERE …") and appends the accounts to `out` (which
// callers reserve, so that a page is not moved account by account as the vector grows).
void AppendAccounts(Connection& conn, const std::string& tail, const std::vector<Param>& params,
                    std::vector<Account>& out) {
  db::ForEachRow(conn, absl::StrCat("SELECT ", kColumns, " FROM accounts ", tail), params,
                 [&](sql::ResultSet& rs) { out.push_back(ReadAccountRow(rs)); });
}

std::vector<Account> SelectAccounts(Connection& conn, const std::string& tail, const std::vector<Param>& params) {
  std::vector<Account> out;
  AppendAccounts(conn, tail, params, out);
  return out;
}

// The accounts with these ids (locked with for_update).
std::vector<Account> LoadByIds(Connection& conn, const std::vector<std::string>& ids, bool for_update) {
  const char* lock = for_update ? " FOR UPDATE" : "";
  if (ids.size() == 1) return SelectAccounts(conn, absl::StrCat("WHERE account_id = ?", lock), {ids[0]});
  std::vector<Account> out;
  out.reserve(ids.size());
  db::ForEachInChunk(std::vector<Param>(ids.begin(), ids.end()), db::IdChunkFor(ids.size()),
                     [&](const std::string& in, const std::vector<Param>& params) {
                       AppendAccounts(conn, absl::StrCat("WHERE account_id", in, lock), params, out);
                     });
  return out;
}

std::optional<Account> LoadOne(Connection& conn, const std::string& id, bool for_update) {
  std::vector<Account> rows = LoadByIds(conn, {id}, for_update);
  if (rows.empty()) return std::nullopt;
  return std::move(rows[0]);
}

void AddMoney(const std::optional<Money>& money, std::vector<Param>& out) {
  out.push_back(money ? Param(money->currency_code) : db::kSqlNull);
  out.push_back(money ? Param(money->minor_units) : db::kSqlNull);
}

// The account's values in kColumns order.
std::vector<Param> AccountParams(const Account& a) {
  std::vector<Param> p;
  p.reserve(kColumnCount);
  p.emplace_back(a.id);
  p.emplace_back(a.name);
  p.push_back(a.parent_id.empty() ? db::kSqlNull : Param(a.parent_id));
  p.emplace_back(a.segment);
  p.emplace_back(a.industry);
  p.emplace_back(a.region);
  AddMoney(a.arr, p);
  p.emplace_back(a.licensed_seats);
  p.emplace_back(std::string(StageName(a.lifecycle_stage)));
  p.emplace_back(a.csm_owner);
  p.push_back(a.contract_start ? Param(FormatDay(*a.contract_start)) : db::kSqlNull);
  p.push_back(a.renewal_date ? Param(FormatDay(*a.renewal_date)) : db::kSqlNull);
  AddMoney(a.value_target ? std::optional<Money>(a.value_target->amount) : std::nullopt, p);
  p.emplace_back(a.value_target ? a.value_target->description : "");
  p.emplace_back(a.version);
  p.emplace_back(absl::ToUnixMicros(a.create_time));
  p.emplace_back(absl::ToUnixMicros(a.update_time));
  p.push_back(a.delete_time ? Param(absl::ToUnixMicros(*a.delete_time)) : db::kSqlNull);
  p.emplace_back(EncodeChildren(a));
  return p;
}

// The child tables: (account_id, key, value) rows.
struct ChildTable {
  const char* name;
  const char* insert;
  std::map<std::string, std::string> Account::*entries;
};
const ChildTable kExternalIds{"account_external_ids",
                              "INSERT INTO account_external_ids (account_id, source, external_id) VALUES",
                              &Account::external_ids};
const ChildTable kLabels{"account_labels", "INSERT INTO account_labels (account_id, label_key, label_value) VALUES",
                         &Account::labels};

void AddChildRows(const ChildTable& table, const Account& a, std::vector<std::vector<Param>>& rows) {
  for (const auto& [key, value] : a.*table.entries) rows.push_back({a.id, key, value});
}

// Replaces the rows of a child table with the account's entries.
void ReplaceChildRows(Connection& conn, const ChildTable& table, const Account& a) {
  auto& del = conn.Prepare(absl::StrCat("DELETE FROM ", table.name, " WHERE account_id = ?"));
  del.setString(1, a.id);
  del.executeUpdate();
  std::vector<std::vector<Param>> rows;
  AddChildRows(table, a, rows);
  db::InsertRows(conn, table.insert, "", 3, rows);
}

void ReplaceChildren(Connection& conn, const Account& a, bool external_ids, bool labels) {
  if (external_ids) ReplaceChildRows(conn, kExternalIds, a);
  if (labels) ReplaceChildRows(conn, kLabels, a);
}

constexpr char kInsertAudit[] =
    "INSERT INTO account_audit (account_id, sequence, time_us, principal, action, changed_fields, request_id) VALUES";

std::vector<Param> AuditParams(const Account& a, absl::string_view action, const std::vector<std::string>& changed,
                               const WriteContext& context) {
  return {a.id,    a.version, absl::ToUnixMicros(context.now), context.principal, std::string(action),
          absl::StrJoin(changed, ","), context.request_id};
}

// Writes audit entries (AuditParams rows) and, for each, the change WatchAccountChanges sends.
void WriteAuditRows(Connection& conn, const std::vector<std::vector<Param>>& audit_rows, size_t rows_per_statement) {
  db::InsertRows(conn, kInsertAudit, "", 7, audit_rows, rows_per_statement);
  std::vector<std::vector<Param>> changes;
  changes.reserve(audit_rows.size());
  for (const auto& p : audit_rows) changes.push_back({p[0], p[1], p[4], p[5], p[2]});
  db::InsertRows(conn, "INSERT INTO account_changes (account_id, version, action, changed_fields, time_us) VALUES",
                 "", 5, changes, rows_per_statement);
}

void WriteAudit(Connection& conn, const Account& a, absl::string_view action,
                const std::vector<std::string>& changed, const WriteContext& context) {
  WriteAuditRows(conn, {AuditParams(a, action, changed, context)}, 1);
}

// An ALREADY_EXISTS that names the external id another account holds.
absl::Status ExternalIdConflict(Connection& conn, const Account& a) {
  for (const auto& [source, external_id] : a.external_ids) {
    auto& stmt = conn.Prepare("SELECT account_id FROM account_external_ids WHERE source = ? AND external_id = ?");
    stmt.setString(1, source);
    stmt.setString(2, external_id);
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    if (rs->next() && rs->getString(1) != a.id) {
      std::string owner = rs->getString(1);
      return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("external id ", source, "/", external_id,
                                                                 " belongs to account ", owner)),
                           "EXTERNAL_ID_TAKEN", {{"source", source}, {"owner", owner}});
    }
  }
  return absl::OkStatus();
}

absl::Status CheckParentInTransaction(Connection& conn, const Account& a) {
  return CheckParent(a.id, a.parent_id, [&](const std::string& id) -> absl::StatusOr<std::optional<ParentLink>> {
    auto& stmt = conn.Prepare("SELECT parent_id, delete_time_us IS NOT NULL FROM accounts WHERE account_id = ?");
    stmt.setString(1, id);
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    if (!rs->next()) return std::nullopt;
    return ParentLink{rs->isNull(1) ? "" : std::string(rs->getString(1)), rs->getBoolean(2)};
  });
}

// Inserts a new account with its children and audit entry. Expects a validated account.
absl::Status InsertAccount(Connection& conn, const Account& a, absl::string_view action, const WriteContext& context) {
  if (absl::Status s = CheckParentInTransaction(conn, a); !s.ok()) return s;
  if (absl::Status s = ExternalIdConflict(conn, a); !s.ok()) return s;
  auto& stmt = conn.Prepare(absl::StrCat("INSERT INTO accounts (", kColumns, ") VALUES (", Placeholders(kColumnCount), ")"));
  db::BindAll(stmt, AccountParams(a));
  stmt.executeUpdate();
  ReplaceChildren(conn, a, true, true);
  std::vector<std::string> all;
  for (const auto& f : WritableFields()) all.emplace_back(f.name);
  WriteAudit(conn, a, action, all, context);
  return absl::OkStatus();
}

// "column = <value of column>, …" over kColumns; `keep_identity` leaves out the id and the
// creation time (for overwriting a row in place).
std::string ColumnAssignments(bool keep_identity, const std::function<std::string(absl::string_view)>& value) {
  std::vector<std::string> sets;
  for (absl::string_view column : absl::StrSplit(kColumns, ',', absl::SkipWhitespace())) {
    column = absl::StripAsciiWhitespace(column);
    if (keep_identity && (column == "account_id" || column == "create_time_us")) continue;
    sets.push_back(absl::StrCat(column, " = ", value(column)));
  }
  return absl::StrJoin(sets, ", ");
}

// Writes `after` over `before` (same id) when anything changed; returns the fields that did.
absl::StatusOr<std::vector<std::string>> WriteChanges(Connection& conn, const Account& before, Account& after,
                                                      absl::string_view action, const WriteContext& context) {
  std::vector<std::string> changed = ChangedFields(before, after);
  bool deletion_changed = before.delete_time != after.delete_time;
  if (changed.empty() && !deletion_changed) return changed;
  bool parent_changed = before.parent_id != after.parent_id;
  bool ids_changed = before.external_ids != after.external_ids;
  if (parent_changed) {
    if (absl::Status s = CheckParentInTransaction(conn, after); !s.ok()) return s;
  }
  if (ids_changed) {
    if (absl::Status s = ExternalIdConflict(conn, after); !s.ok()) return s;
  }
  after.version = before.version + 1;
  after.update_time = context.now;
  static const std::string kUpdate = absl::StrCat(
      "UPDATE accounts SET ", ColumnAssignments(false, [](absl::string_view) { return std::string("?"); }),
      " WHERE account_id = ? AND version = ?");
  auto& stmt = conn.Prepare(kUpdate);
  db::BindAll(stmt, AccountParams(after));
  stmt.setString(kColumnCount + 1, before.id);
  stmt.setInt64(kColumnCount + 2, before.version);
  if (stmt.executeUpdate() != 1) return absl::AbortedError("account changed during the write; retry");
  ReplaceChildren(conn, after, ids_changed, before.labels != after.labels);
  if (deletion_changed && changed.empty()) changed.push_back("delete_time");
  WriteAudit(conn, after, action, changed, context);
  return changed;
}

// Upserts inputs[first, last), whose (source, external id) keys are distinct, with a fixed
// number of statements whatever their count: one lookup of the keys, one load of the accounts
// they name (both locking), then one multi-row write per table. Only records that change a
// parent or carry other external ids run their own checks. A record that fails a check
// (missing parent, external id taken) gets its error and is not written; the others are.
//
// With `claim` (batches written side by side, see BulkUpsert), the ids of the existing accounts
// the keys name are passed to it once they are known and before any of them is locked; when it
// answers false, nothing is written and nullopt returned.
using ClaimAccounts = std::function<bool(const std::vector<std::string>& account_ids)>;

std::optional<std::vector<absl::StatusOr<UpsertResult>>> UpsertBatch(Connection& conn,
                                                                     const std::vector<UpsertInput>& inputs,
                                                                     size_t first, size_t last,
                                                                     const WriteContext& context,
                                                                     const ClaimAccounts& claim = nullptr) {
  // Which keys exist, and their accounts, locked until the transaction ends.
  std::map<std::string, std::vector<Param>> ids_by_source;
  for (size_t i = first; i < last; ++i) ids_by_source[inputs[i].source].emplace_back(inputs[i].external_id);
  std::map<std::pair<std::string, std::string>, std::string> owner;
  for (const auto& [source, external_ids] : ids_by_source) {
    db::ForEachInChunk(external_ids, kInChunk, [&](const std::string& in, const std::vector<Param>& params) {
      std::vector<Param> all{source};
      all.insert(all.end(), params.begin(), params.end());
      db::ForEachRow(conn,
                     absl::StrCat("SELECT external_id, account_id FROM account_external_ids WHERE source = ?"
                                  " AND external_id", in, " FOR UPDATE"),
                     all, [&](sql::ResultSet& rs) { owner[{source, rs.getString(1)}] = rs.getString(2); });
    });
  }
  std::vector<std::string> existing_ids;
  for (const auto& [key, id] : owner) existing_ids.push_back(id);
  if (claim && !claim(existing_ids)) return std::nullopt;
  std::map<std::string, Account> existing;
  for (Account& a : LoadByIds(conn, existing_ids, /*for_update=*/true)) existing.emplace(a.id, std::move(a));

  std::vector<absl::StatusOr<UpsertResult>> results;
  std::vector<std::vector<Param>> account_rows, audit_rows, child_rows[2];
  std::vector<Param> replaced_children[2];  // existing accounts whose external ids / labels change
  std::vector<std::string> all_fields;
  for (const auto& f : WritableFields()) all_fields.emplace_back(f.name);
  for (size_t i = first; i < last; ++i) {
    const UpsertInput& input = inputs[i];
    auto found = owner.find({input.source, input.external_id});
    if (found == owner.end()) {
      Account created = input.fields;
      created.id = ids::NewId("acc");
      created.external_ids[input.source] = input.external_id;
      created.version = 1;
      created.create_time = created.update_time = context.now;
      created.delete_time.reset();
      absl::Status check = created.parent_id.empty() ? absl::OkStatus() : CheckParentInTransaction(conn, created);
      if (check.ok() && created.external_ids.size() > 1) check = ExternalIdConflict(conn, created);
      if (!check.ok()) {
        results.push_back(check);
        continue;
      }
      account_rows.push_back(AccountParams(created));
      audit_rows.push_back(AuditParams(created, "UPSERT", all_fields, context));
      AddChildRows(kExternalIds, created, child_rows[0]);
      AddChildRows(kLabels, created, child_rows[1]);
      results.push_back(UpsertResult{UpsertOutcome::kCreated, std::move(created)});
      continue;
    }
    auto loaded = existing.find(found->second);
    if (loaded == existing.end()) {
      results.push_back(absl::AbortedError("account vanished during upsert; retry"));
      continue;
    }
    const Account& before = loaded->second;
    if (before.deleted()) {  // as UpdateAccount: a CRM sync does not silently write to a deleted account
      results.push_back(DeletedError("account", before.id, "synced (UndeleteAccount restores it)"));
      continue;
    }
    Account after = before;
    ApplyFields(input.fields, input.paths, after);
    after.external_ids[input.source] = input.external_id;  // the key always stays
    std::vector<std::string> changed = ChangedFields(before, after);
    if (changed.empty()) {
      results.push_back(UpsertResult{UpsertOutcome::kUnchanged, before});
      continue;
    }
    bool ids_changed = before.external_ids != after.external_ids;
    absl::Status check = before.parent_id == after.parent_id ? absl::OkStatus() : CheckParentInTransaction(conn, after);
    if (check.ok() && ids_changed) check = ExternalIdConflict(conn, after);
    if (!check.ok()) {
      results.push_back(check);
      continue;
    }
    after.version = before.version + 1;
    after.update_time = context.now;
    account_rows.push_back(AccountParams(after));
    audit_rows.push_back(AuditParams(after, "UPSERT", changed, context));
    if (ids_changed) {
      replaced_children[0].emplace_back(after.id);
      AddChildRows(kExternalIds, after, child_rows[0]);
    }
    if (before.labels != after.labels) {
      replaced_children[1].emplace_back(after.id);
      AddChildRows(kLabels, after, child_rows[1]);
    }
    results.push_back(UpsertResult{UpsertOutcome::kUpdated, std::move(after)});
  }

  static const std::string kOverwriteExisting = absl::StrCat(
      " ON DUPLICATE KEY UPDATE ",
      ColumnAssignments(true, [](absl::string_view column) { return absl::StrCat("VALUES(", column, ")"); }));
  db::InsertRows(conn, absl::StrCat("INSERT INTO accounts (", kColumns, ") VALUES"), kOverwriteExisting, kColumnCount,
                 account_rows, kInChunk);
  const ChildTable* tables[] = {&kExternalIds, &kLabels};
  for (int t = 0; t < 2; ++t) {
    db::ForEachInChunk(replaced_children[t], kInChunk, [&](const std::string& in, const std::vector<Param>& params) {
      auto& del = conn.Prepare(absl::StrCat("DELETE FROM ", tables[t]->name, " WHERE account_id", in));
      db::BindAll(del, params);
      del.executeUpdate();
    });
    db::InsertRows(conn, tables[t]->insert, "", 3, child_rows[t], kInChunk);
  }
  WriteAuditRows(conn, audit_rows, kInChunk);
  return results;
}

// True when no two of inputs[first, last) share a (source, external id) key.
bool KeysDistinct(const std::vector<UpsertInput>& inputs, size_t first, size_t last) {
  std::set<std::pair<std::string, std::string>> keys;
  for (size_t i = first; i < last; ++i) {
    if (!keys.insert({inputs[i].source, inputs[i].external_id}).second) return false;
  }
  return true;
}

// True when the batches of `inputs` can be written side by side with their order kept by
// BatchClaims, which sees only the existing accounts that the records' keys name. Records that
// reach other rows are left out: a key given twice (both records would create), a parent set
// on update (two batches could each pass the cycle check without the other's change), or
// external ids besides the key (a create writes them whatever its paths, and another batch's
// key could name the account it creates).
bool MayWriteSideBySide(const std::vector<UpsertInput>& inputs) {
  for (const UpsertInput& input : inputs) {
    if (!input.fields.parent_id.empty() && PathsName(input.paths, "parent_id")) return false;
    for (const auto& [source, id] : input.fields.external_ids) {
      if (source != input.source) return false;
    }
  }
  return KeysDistinct(inputs, 0, inputs.size());
}

enum class BatchOutcome { kWritten, kRefused };

// Writes inputs[first, last) in one transaction into `out` (one result per record), or record by
// record when a statement fails for one of them. kRefused when `claim` refused (nothing written).
absl::StatusOr<BatchOutcome> WriteUpsertBatch(db::ConnectionPool& pool, const std::vector<UpsertInput>& inputs,
                                              size_t first, size_t last, bool dry_run, const WriteContext& context,
                                              const ClaimAccounts& claim,
                                              std::vector<absl::StatusOr<UpsertResult>>& out) {
  const db::TransactionEnd end = dry_run ? db::TransactionEnd::kRollback : db::TransactionEnd::kCommit;
  bool refused = false;
  absl::Status status = absl::InternalError("not attempted");
  if (KeysDistinct(inputs, first, last)) {
    status = db::RunInTransaction(
        pool,
        [&](Connection& conn) {
          auto batch = UpsertBatch(conn, inputs, first, last, context, claim);
          refused = !batch;
          if (refused) return absl::AbortedError("an earlier batch writes one of these accounts");
          out = std::move(*batch);
          return absl::OkStatus();
        },
        end);
    if (refused) return BatchOutcome::kRefused;
    if (!status.ok() && (status.code() == absl::StatusCode::kUnavailable || status.code() == absl::StatusCode::kAborted)) {
      return status;
    }
  }
  if (status.ok()) return BatchOutcome::kWritten;
  // A repeated key, or a statement that failed for one record: record by record, each under its
  // own savepoint, so one failure is reported alone and the rest are written. (The accounts
  // are those the batch claimed, so this keeps the order too.)
  auto one_by_one = db::RunRecordBatches<UpsertResult>(
      pool, last - first, kBulkBatchSize, end, [&](Connection& conn, size_t i) {
        return std::move((*UpsertBatch(conn, inputs, first + i, first + i + 1, context))[0]);
      });
  if (!one_by_one.ok()) return one_by_one.status();
  out = std::move(*one_by_one);
  return BatchOutcome::kWritten;
}

}  // namespace

std::pair<std::string, std::string> CursorOf(const Account& account, ListOrder order) {
  if (order == ListOrder::kUpdateTime) return {absl::StrCat(absl::ToUnixMicros(account.update_time)), account.id};
  if (order == ListOrder::kId) return {account.id, account.id};
  return {account.name, account.id};
}

absl::StatusOr<CreateResult> MysqlAccountRepository::Create(const Account& account, const WriteContext& context,
                                                            const std::optional<IdempotencyRecord>& idempotency) {
  return db::CreateIdempotently(pool_, idempotency, "CreateAccount", context.now,
                                [&](Connection& conn) { return InsertAccount(conn, account, "CREATE", context); });
}

absl::StatusOr<Account> MysqlAccountRepository::Get(const std::string& id) {
  std::optional<Account> found;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    found = LoadOne(conn, id, false);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!found) return NotFoundError("account", id);
  return std::move(*found);
}

absl::StatusOr<std::vector<Account>> MysqlAccountRepository::BatchGet(const std::vector<std::string>& ids) {
  std::vector<Account> rows;
  if (ids.empty()) return rows;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    rows = LoadByIds(conn, ids, /*for_update=*/false);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return rows;
}

absl::StatusOr<std::vector<Account>> MysqlAccountRepository::List(const AccountQuery& q) {
  std::vector<std::string> where;
  std::vector<Param> params;
  if (!q.show_deleted) where.push_back("delete_time_us IS NULL");
  if (q.stage) {
    where.push_back("lifecycle_stage = ?");
    params.emplace_back(std::string(StageName(*q.stage)));
  }
  if (!q.segment.empty()) {
    where.push_back("segment = ?");
    params.emplace_back(q.segment);
  }
  if (!q.csm_owner.empty()) {
    where.push_back("csm_owner = ?");
    params.emplace_back(q.csm_owner);
  }
  if (!q.parent_id.empty()) {
    where.push_back("parent_id = ?");
    params.emplace_back(q.parent_id);
  }
  if (!q.label_key.empty()) {
    std::string clause =
        "EXISTS (SELECT 1 FROM account_labels l WHERE l.account_id = accounts.account_id AND l.label_key = ?";
    params.emplace_back(q.label_key);
    if (q.label_value) {
      clause += " AND l.label_value = ?";
      params.emplace_back(*q.label_value);
    }
    where.push_back(clause + ")");
  }
  if (q.updated_since) {
    where.push_back("update_time_us >= ?");
    params.emplace_back(absl::ToUnixMicros(*q.updated_since));
  }
  std::string order;
  if (q.order == ListOrder::kName) {
    order = "ORDER BY name, account_id";
    if (q.after) {
      where.push_back("(name > ? OR (name = ? AND account_id > ?))");
      params.emplace_back(q.after->first);
      params.emplace_back(q.after->first);
      params.emplace_back(q.after->second);
    }
  } else if (q.order == ListOrder::kId) {
    order = "ORDER BY account_id";
    if (q.after) {
      where.push_back("account_id > ?");
      params.emplace_back(q.after->second);
    }
  } else {
    order = "ORDER BY update_time_us DESC, account_id DESC";
    if (q.after) {
      int64_t micros = 0;
      if (!absl::SimpleAtoi(q.after->first, &micros)) return InvalidFieldError("page_token", "is malformed");
      where.push_back("(update_time_us < ? OR (update_time_us = ? AND account_id < ?))");
      params.emplace_back(micros);
      params.emplace_back(micros);
      params.emplace_back(q.after->second);
    }
  }
  std::string tail = where.empty() ? "" : absl::StrCat("WHERE ", absl::StrJoin(where, " AND "), " ");
  absl::StrAppend(&tail, order, " LIMIT ?");
  params.emplace_back(static_cast<int64_t>(q.limit));
  std::vector<Account> rows;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    rows.clear();
    rows.reserve(static_cast<size_t>(q.limit));
    AppendAccounts(conn, tail, params, rows);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return rows;
}

absl::StatusOr<Account> MysqlAccountRepository::Update(const std::string& id,
                                                       const std::function<absl::Status(Account&)>& mutate,
                                                       absl::string_view action, const WriteContext& context) {
  return db::TransactionValue<Account>(pool_, [&](Connection& conn) -> absl::StatusOr<Account> {
    std::optional<Account> before = LoadOne(conn, id, /*for_update=*/true);
    if (!before) return NotFoundError("account", id);
    Account after = *before;
    if (absl::Status s = mutate(after); !s.ok()) return s;
    after.id = before->id;
    after.version = before->version;
    after.create_time = before->create_time;
    auto changed = WriteChanges(conn, *before, after, action, context);
    if (!changed.ok()) return changed.status();
    return changed->empty() ? *before : after;  // a deletion counts as a change
  });
}

absl::StatusOr<UpsertResult> MysqlAccountRepository::Upsert(const UpsertInput& input, const WriteContext& context) {
  std::vector<UpsertInput> one{input};
  return db::TransactionValue<UpsertResult>(
      pool_, [&](Connection& conn) { return std::move((*UpsertBatch(conn, one, 0, 1, context))[0]); });
}

// Batches of kBulkBatchSize, side by side through run_pieces_ when MayWriteSideBySide (a batch
// that BatchClaims refuses is written again after the others, in order), else one after another.
absl::StatusOr<std::vector<absl::StatusOr<UpsertResult>>> MysqlAccountRepository::BulkUpsert(
    const std::vector<UpsertInput>& inputs, bool dry_run, const WriteContext& context) {
  std::vector<std::pair<size_t, size_t>> batches;
  for (size_t first = 0; first < inputs.size(); first += kBulkBatchSize) {
    batches.emplace_back(first, std::min(inputs.size(), first + kBulkBatchSize));
  }
  std::vector<std::vector<absl::StatusOr<UpsertResult>>> written(batches.size());
  std::vector<size_t> in_order;  // batches still to write one after another
  if (batches.size() > 1 && MayWriteSideBySide(inputs)) {
    db::BatchClaims claims(batches.size());
    std::vector<char> refused(batches.size(), 0);
    std::vector<std::function<absl::Status()>> pieces;
    for (size_t b = 0; b < batches.size(); ++b) {
      pieces.push_back([&, b]() -> absl::Status {
        claims.WaitForEarlier(b);
        auto outcome = WriteUpsertBatch(
            pool_, inputs, batches[b].first, batches[b].second, dry_run, context,
            [&](const std::vector<std::string>& ids) { return claims.Claim(b, ids); }, written[b]);
        claims.Release(b);
        if (!outcome.ok()) return outcome.status();
        refused[b] = *outcome == BatchOutcome::kRefused;
        return absl::OkStatus();
      });
    }
    if (absl::Status s = run_pieces_(std::move(pieces)); !s.ok()) return s;
    for (size_t b = 0; b < batches.size(); ++b) {
      if (refused[b]) in_order.push_back(b);
    }
  } else {
    for (size_t b = 0; b < batches.size(); ++b) in_order.push_back(b);
  }
  for (size_t b : in_order) {
    auto outcome =
        WriteUpsertBatch(pool_, inputs, batches[b].first, batches[b].second, dry_run, context, nullptr, written[b]);
    if (!outcome.ok()) return outcome.status();
  }
  std::vector<absl::StatusOr<UpsertResult>> results;
  results.reserve(inputs.size());
  for (auto& batch : written) std::move(batch.begin(), batch.end(), std::back_inserter(results));
  return results;
}

absl::StatusOr<std::vector<Account>> MysqlAccountRepository::GetSubtree(const std::string& root_id) {
  std::vector<Account> rows;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    rows = SelectAccounts(
        conn,
        absl::StrCat("WHERE account_id IN (WITH RECURSIVE tree (account_id, depth) AS ("
                     " SELECT account_id, 0 FROM accounts WHERE account_id = ? AND delete_time_us IS NULL"
                     " UNION ALL SELECT a.account_id, t.depth + 1 FROM accounts a JOIN tree t"
                     " ON a.parent_id = t.account_id WHERE a.delete_time_us IS NULL AND t.depth < ",
                     kMaxHierarchyDepth, ") SELECT account_id FROM tree)"),
        {root_id});
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (rows.empty()) return NotFoundError("account", root_id);
  return rows;
}

absl::Status MysqlAccountRepository::CheckParentOf(const Account& account) {
  absl::Status problem;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    problem = CheckParentInTransaction(conn, account);
    return absl::OkStatus();
  });
  return status.ok() ? problem : status;
}

absl::StatusOr<std::vector<AuditEntry>> MysqlAccountRepository::ListHistory(const std::string& account_id,
                                                                           int64_t after_sequence, int limit) {
  std::vector<AuditEntry> out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    db::ForEachRow(conn,
                   "SELECT sequence, time_us, principal, action, changed_fields, request_id FROM account_audit"
                   " WHERE account_id = ? AND sequence > ? ORDER BY sequence LIMIT ?",
                   {account_id, after_sequence, int64_t{limit}}, [&](sql::ResultSet& rs) {
                     AuditEntry e;
                     e.sequence = rs.getInt64(1);
                     e.time = absl::FromUnixMicros(rs.getInt64(2));
                     e.principal = rs.getString(3);
                     e.action = rs.getString(4);
                     std::string fields = rs.getString(5);
                     if (!fields.empty()) e.changed_fields = absl::StrSplit(fields, ',');
                     e.request_id = rs.getString(6);
                     out.push_back(std::move(e));
                   });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::vector<AccountChange>> MysqlAccountRepository::ChangesAfter(int64_t after, int limit,
                                                                             absl::Time now) {
  std::vector<AccountChange> out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    db::ForEachRow(conn,
                   "SELECT sequence, account_id, version, action, changed_fields, time_us FROM account_changes"
                   " WHERE sequence > ? ORDER BY sequence LIMIT ?",
                   {after, int64_t{limit}}, [&](sql::ResultSet& rs) {
                     AccountChange c;
                     c.sequence = rs.getInt64(1);
                     c.account_id = rs.getString(2);
                     c.version = rs.getInt64(3);
                     c.action = rs.getString(4);
                     std::string fields = rs.getString(5);
                     if (!fields.empty()) c.changed_fields = absl::StrSplit(fields, ',');
                     c.time = absl::FromUnixMicros(rs.getInt64(6));
                     out.push_back(std::move(c));
                   });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  db::KeepDeliverable(after, out, now);
  return out;
}

absl::StatusOr<int64_t> MysqlAccountRepository::LastChangeSequence() {
  return db::LastSequence(pool_, "account_changes");
}

}  // namespace flywheel::accounts
