#include "services/accounts/storage/mysql_account_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <map>
#include <memory>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/db/record_batches.h"
#include "common/db/request_log.h"
#include "common/db/sql_params.h"
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

void DecodeChildren(const std::string& encoded, Account& a) {
  for (absl::string_view entry : absl::StrSplit(encoded, ',', absl::SkipEmpty())) {
    std::vector<absl::string_view> parts = absl::StrSplit(entry, ':');
    if (parts.size() != 3) continue;
    (parts[0] == "x" ? a.external_ids : a.labels)[absl::HexStringToBytes(parts[1])] = absl::HexStringToBytes(parts[2]);
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
  DecodeChildren(std::string(rs.getString(21)), a);
  return a;
}

// Runs a SELECT of kColumns with `tail` ("WHERE …") and returns the accounts.
std::vector<Account> SelectAccounts(Connection& conn, const std::string& tail, const std::vector<Param>& params) {
  auto& stmt = conn.Prepare(absl::StrCat("SELECT ", kColumns, " FROM accounts ", tail));
  db::BindAll(stmt, params);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  std::vector<Account> out;
  while (rs->next()) out.push_back(ReadAccountRow(*rs));
  return out;
}

// The accounts with these ids (locked with for_update).
std::vector<Account> LoadByIds(Connection& conn, const std::vector<std::string>& ids, bool for_update) {
  if (ids.empty()) return {};
  std::vector<Param> params(ids.begin(), ids.end());
  return SelectAccounts(conn, absl::StrCat("WHERE account_id IN (", Placeholders(ids.size()), ")",
                                           for_update ? " FOR UPDATE" : ""), params);
}

std::optional<Account> LoadOne(Connection& conn, const std::string& id, bool for_update) {
  std::vector<Account> rows = LoadByIds(conn, {id}, for_update);
  if (rows.empty()) return std::nullopt;
  return std::move(rows[0]);
}

void SetNullableString(sql::PreparedStatement& stmt, int index, const std::string& value) {
  if (value.empty()) {
    stmt.setNull(index, sql::DataType::VARCHAR);
  } else {
    stmt.setString(index, value);
  }
}

void SetMoney(sql::PreparedStatement& stmt, int index, const std::optional<Money>& money) {
  if (money) {
    stmt.setString(index, money->currency_code);
    stmt.setInt64(index + 1, money->minor_units);
  } else {
    stmt.setNull(index, sql::DataType::CHAR);
    stmt.setNull(index + 1, sql::DataType::BIGINT);
  }
}

void SetDay(sql::PreparedStatement& stmt, int index, const std::optional<absl::CivilDay>& day) {
  if (day) {
    stmt.setString(index, FormatDay(*day));
  } else {
    stmt.setNull(index, sql::DataType::DATE);
  }
}

// Binds the account's columns in kColumns order, from parameter `first`.
void BindAccountColumns(sql::PreparedStatement& stmt, const Account& a, int first) {
  int i = first;
  stmt.setString(i++, a.id);
  stmt.setString(i++, a.name);
  SetNullableString(stmt, i++, a.parent_id);
  stmt.setString(i++, a.segment);
  stmt.setString(i++, a.industry);
  stmt.setString(i++, a.region);
  SetMoney(stmt, i, a.arr);
  i += 2;
  stmt.setInt64(i++, a.licensed_seats);
  stmt.setString(i++, std::string(StageName(a.lifecycle_stage)));
  stmt.setString(i++, a.csm_owner);
  SetDay(stmt, i++, a.contract_start);
  SetDay(stmt, i++, a.renewal_date);
  SetMoney(stmt, i, a.value_target ? std::optional<Money>(a.value_target->amount) : std::nullopt);
  i += 2;
  stmt.setString(i++, a.value_target ? a.value_target->description : "");
  stmt.setInt64(i++, a.version);
  stmt.setInt64(i++, absl::ToUnixMicros(a.create_time));
  stmt.setInt64(i++, absl::ToUnixMicros(a.update_time));
  if (a.delete_time) {
    stmt.setInt64(i++, absl::ToUnixMicros(*a.delete_time));
  } else {
    stmt.setNull(i++, sql::DataType::BIGINT);
  }
  stmt.setString(i++, EncodeChildren(a));
}

// Replaces the rows of a child table (account_id, key, value) with the entries of `entries`.
void ReplaceChildRows(Connection& conn, const std::string& table, const char* key_column, const char* value_column,
                      const std::string& account_id, const std::map<std::string, std::string>& entries) {
  auto& del = conn.Prepare(absl::StrCat("DELETE FROM ", table, " WHERE account_id = ?"));
  del.setString(1, account_id);
  del.executeUpdate();
  for (const auto& [key, value] : entries) {
    auto& ins = conn.Prepare(
        absl::StrCat("INSERT INTO ", table, " (account_id, ", key_column, ", ", value_column, ") VALUES (?, ?, ?)"));
    ins.setString(1, account_id);
    ins.setString(2, key);
    ins.setString(3, value);
    ins.executeUpdate();
  }
}

void ReplaceChildren(Connection& conn, const Account& a, bool external_ids, bool labels) {
  if (external_ids) ReplaceChildRows(conn, "account_external_ids", "source", "external_id", a.id, a.external_ids);
  if (labels) ReplaceChildRows(conn, "account_labels", "label_key", "label_value", a.id, a.labels);
}

void WriteAudit(Connection& conn, const Account& a, absl::string_view action,
                const std::vector<std::string>& changed, const WriteContext& context) {
  auto& stmt = conn.Prepare(
      "INSERT INTO account_audit (account_id, sequence, time_us, principal, action, changed_fields, request_id)"
      " VALUES (?, ?, ?, ?, ?, ?, ?)");
  stmt.setString(1, a.id);
  stmt.setInt64(2, a.version);
  stmt.setInt64(3, absl::ToUnixMicros(context.now));
  stmt.setString(4, context.principal);
  stmt.setString(5, std::string(action));
  stmt.setString(6, absl::StrJoin(changed, ","));
  stmt.setString(7, context.request_id);
  stmt.executeUpdate();
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
  BindAccountColumns(stmt, a, 1);
  stmt.executeUpdate();
  ReplaceChildren(conn, a, true, true);
  std::vector<std::string> all;
  for (const auto& f : WritableFields()) all.emplace_back(f.name);
  WriteAudit(conn, a, action, all, context);
  return absl::OkStatus();
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
  auto& stmt = conn.Prepare(
      "UPDATE accounts SET account_id = ?, name = ?, parent_id = ?, segment = ?, industry = ?, region = ?,"
      " arr_currency = ?, arr_minor = ?, licensed_seats = ?, lifecycle_stage = ?, csm_owner = ?,"
      " contract_start = ?, renewal_date = ?, value_target_currency = ?, value_target_minor = ?,"
      " value_target_description = ?, version = ?, create_time_us = ?, update_time_us = ?,"
      " delete_time_us = ?, children = ? WHERE account_id = ? AND version = ?");
  BindAccountColumns(stmt, after, 1);
  stmt.setString(kColumnCount + 1, before.id);
  stmt.setInt64(kColumnCount + 2, before.version);
  if (stmt.executeUpdate() != 1) return absl::AbortedError("account changed during the write; retry");
  ReplaceChildren(conn, after, ids_changed, before.labels != after.labels);
  if (deletion_changed && changed.empty()) changed.push_back("delete_time");
  WriteAudit(conn, after, action, changed, context);
  return changed;
}

std::optional<std::string> FindByExternalId(Connection& conn, const std::string& source, const std::string& external_id) {
  auto& stmt = conn.Prepare("SELECT account_id FROM account_external_ids WHERE source = ? AND external_id = ? FOR UPDATE");
  stmt.setString(1, source);
  stmt.setString(2, external_id);
  std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
  if (!rs->next()) return std::nullopt;
  return std::string(rs->getString(1));
}

absl::StatusOr<UpsertResult> UpsertInTransaction(Connection& conn, const UpsertInput& input, const WriteContext& context) {
  std::optional<std::string> existing_id = FindByExternalId(conn, input.source, input.external_id);
  if (!existing_id) {
    Account created = input.fields;
    created.id = ids::NewId("acc");
    created.external_ids[input.source] = input.external_id;
    created.version = 1;
    created.create_time = created.update_time = context.now;
    created.delete_time.reset();
    if (absl::Status s = InsertAccount(conn, created, "UPSERT", context); !s.ok()) return s;
    return UpsertResult{UpsertOutcome::kCreated, std::move(created)};
  }
  std::optional<Account> before = LoadOne(conn, *existing_id, /*for_update=*/true);
  if (!before) return absl::AbortedError("account vanished during upsert; retry");
  Account after = *before;
  ApplyFields(input.fields, input.paths, after);
  after.external_ids[input.source] = input.external_id;  // the key always stays
  auto changed = WriteChanges(conn, *before, after, "UPSERT", context);
  if (!changed.ok()) return changed.status();
  if (changed->empty()) return UpsertResult{UpsertOutcome::kUnchanged, std::move(*before)};
  return UpsertResult{UpsertOutcome::kUpdated, std::move(after)};
}

}  // namespace

std::pair<std::string, std::string> CursorOf(const Account& account, ListOrder order) {
  if (order == ListOrder::kUpdateTime) return {absl::StrCat(absl::ToUnixMicros(account.update_time)), account.id};
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
    rows = SelectAccounts(conn, tail, params);
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
  return db::TransactionValue<UpsertResult>(
      pool_, [&](Connection& conn) { return UpsertInTransaction(conn, input, context); });
}

absl::StatusOr<std::vector<absl::StatusOr<UpsertResult>>> MysqlAccountRepository::BulkUpsert(
    const std::vector<UpsertInput>& inputs, bool dry_run, const WriteContext& context) {
  return db::RunRecordBatches<UpsertResult>(
      pool_, inputs.size(), kBulkBatchSize, dry_run ? db::TransactionEnd::kRollback : db::TransactionEnd::kCommit,
      [&](Connection& conn, size_t i) { return UpsertInTransaction(conn, inputs[i], context); });
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

absl::StatusOr<std::vector<AuditEntry>> MysqlAccountRepository::ListHistory(const std::string& account_id,
                                                                           int64_t after_sequence, int limit) {
  std::vector<AuditEntry> out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    auto& stmt = conn.Prepare(
        "SELECT sequence, time_us, principal, action, changed_fields, request_id FROM account_audit"
        " WHERE account_id = ? AND sequence > ? ORDER BY sequence LIMIT ?");
    stmt.setString(1, account_id);
    stmt.setInt64(2, after_sequence);
    stmt.setInt(3, limit);
    std::unique_ptr<sql::ResultSet> rs(stmt.executeQuery());
    while (rs->next()) {
      AuditEntry e;
      e.sequence = rs->getInt64(1);
      e.time = absl::FromUnixMicros(rs->getInt64(2));
      e.principal = rs->getString(3);
      e.action = rs->getString(4);
      std::string fields = rs->getString(5);
      if (!fields.empty()) e.changed_fields = absl::StrSplit(fields, ',');
      e.request_id = rs->getString(6);
      out.push_back(std::move(e));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

}  // namespace flywheel::accounts
