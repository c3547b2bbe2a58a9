#include "services/handoff/storage/mysql_handoff_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/strings/str_cat.h"
#include "common/db/audit.h"
#include "common/db/request_log.h"
#include "common/db/sql_params.h"
#include "common/status/errors.h"
#include "services/handoff/storage/stored_enums.h"

namespace flywheel::handoff {
namespace {

using db::BindAll;
using db::Connection;
using db::ForEachRow;
using db::FormatDay;
using db::Placeholders;
using db::SqlParam;

int64_t Micros(absl::Time t) { return absl::ToUnixMicros(t); }
std::optional<absl::Time> OptionalTime(sql::ResultSet& rs, int column) {
  if (rs.isNull(column)) return std::nullopt;
  return absl::FromUnixMicros(rs.getInt64(column));
}
// Optional times are bound as microseconds, 0 for none (written as NULL through NULLIF(?, 0)).
int64_t MicrosOrZero(const std::optional<absl::Time>& t) { return t ? Micros(*t) : 0; }

// ---- paths ----

constexpr char kPathColumns[] = "path_id, product, name, active, version, create_time_us, update_time_us";

SuccessPath ReadPath(sql::ResultSet& rs) {
  SuccessPath p;
  p.id = rs.getString(1);
  p.product = rs.getString(2);
  p.name = rs.getString(3);
  p.active = rs.getBoolean(4);
  p.version = rs.getInt64(5);
  p.create_time = absl::FromUnixMicros(rs.getInt64(6));
  p.update_time = absl::FromUnixMicros(rs.getInt64(7));
  return p;
}

// Fills the milestones of `paths` (by id).
void LoadMilestones(Connection& conn, std::map<std::string, SuccessPath*>& paths) {
  if (paths.empty()) return;
  std::vector<SqlParam> ids;
  for (const auto& [id, p] : paths) ids.emplace_back(id);
  ForEachRow(conn,
             absl::StrCat("SELECT path_id, milestone_key, name, criterion, due_offset_days, remedy_title, remedy_link"
                          " FROM path_milestones WHERE path_id IN (", Placeholders(ids.size()), ") ORDER BY path_id, position"),
             ids, [&](sql::ResultSet& rs) {
               paths[rs.getString(1)]->milestones.push_back(
                   {rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5), rs.getString(6), rs.getString(7)});
             });
}

std::optional<SuccessPath> LoadPath(Connection& conn, const std::string& id, bool for_update) {
  std::optional<SuccessPath> out;
  ForEachRow(conn, absl::StrCat("SELECT ", kPathColumns, " FROM success_paths WHERE path_id = ?", for_update ? " FOR UPDATE" : ""),
             {id}, [&](sql::ResultSet& rs) { out = ReadPath(rs); });
  if (out) {
    std::map<std::string, SuccessPath*> one{{id, &*out}};
    LoadMilestones(conn, one);
  }
  return out;
}

void WriteMilestones(Connection& conn, const SuccessPath& p) {
  auto& del = conn.Prepare("DELETE FROM path_milestones WHERE path_id = ?");
  BindAll(del, {p.id});
  del.executeUpdate();
  for (size_t i = 0; i < p.milestones.size(); ++i) {
    const Milestone& m = p.milestones[i];
    auto& stmt = conn.Prepare(
        "INSERT INTO path_milestones (path_id, position, milestone_key, name, criterion, due_offset_days, remedy_title,"
        " remedy_link) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    BindAll(stmt, {p.id, static_cast<int64_t>(i), m.key, m.name, m.criterion, static_cast<int64_t>(m.due_offset_days),
                   m.remedy_title, m.remedy_link});
    stmt.executeUpdate();
  }
}

// FAILED_PRECONDITION when one more active path would break the product's limit. Locks the
// product's paths so that two creates cannot both pass.
absl::Status CheckLimit(Connection& conn, const std::string& product, const std::string& except_id) {
  int active = 0;
  ForEachRow(conn, "SELECT path_id, active FROM success_paths WHERE product = ? FOR UPDATE", {product},
             [&](sql::ResultSet& rs) { active += rs.getBoolean(2) && rs.getString(1) != except_id; });
  return CheckActivePathLimit(product, active);
}

// ---- handoffs ----

constexpr char kHandoffColumns[] =
    "handoff_id, account_id, from_team, to_team, sending_owner, receiving_owner, success_criteria, state,"
    " reject_reason, sla_days, submit_time_us, accept_time_us, version, create_time_us, update_time_us";

Handoff ReadHandoff(sql::ResultSet& rs) {
  Handoff h;
  h.id = rs.getString(1);
  h.account_id = rs.getString(2);
  h.from_team = FromStored(kStoredTeam, rs.getInt(3));
  h.to_team = FromStored(kStoredTeam, rs.getInt(4));
  h.sending_owner = rs.getString(5);
  h.receiving_owner = rs.getString(6);
  h.success_criteria = rs.getString(7);
  h.state = FromStored(kStoredState, rs.getInt(8));
  h.reject_reason = rs.getString(9);
  h.sla_days = rs.getInt(10);
  h.submit_time = OptionalTime(rs, 11);
  h.accept_time = OptionalTime(rs, 12);
  h.version = rs.getInt64(13);
  h.create_time = absl::FromUnixMicros(rs.getInt64(14));
  h.update_time = absl::FromUnixMicros(rs.getInt64(15));
  return h;
}

std::vector<SqlParam> HandoffValues(const Handoff& h) {
  return {Stored(h.from_team), Stored(h.to_team), h.sending_owner, h.receiving_owner,
          h.success_criteria, Stored(h.state), h.reject_reason, static_cast<int64_t>(h.sla_days),
          MicrosOrZero(h.submit_time), MicrosOrZero(SlaDue(h)), MicrosOrZero(h.accept_time), h.version,
          Micros(h.update_time)};
}

// ---- rules ----

std::map<Rule, StoredRule> LoadRules(Connection& conn, bool for_update) {
  std::map<Rule, StoredRule> out;
  for (const RuleConfig& r : DefaultRules()) out[r.rule] = {r, 0};
  ForEachRow(conn,
             absl::StrCat("SELECT rule, enabled, severity, sla_days, threshold, version FROM exception_rules",
                          for_update ? " FOR UPDATE" : ""),
             {}, [&](sql::ResultSet& rs) {
               Rule rule = FromStored(kStoredRule, rs.getInt(1));
               auto it = out.find(rule);
               if (it == out.end()) return;
               it->second = {{rule, rs.getBoolean(2), FromStored(kStoredSeverity, rs.getInt(3)), rs.getInt(4), rs.getDouble(5)},
                             rs.getInt64(6)};
             });
  return out;
}

}  // namespace

absl::StatusOr<CreateResult> MysqlHandoffRepository::CreatePath(const SuccessPath& p, const WriteContext& context,
                                                                const std::optional<IdempotencyRecord>& idempotency) {
  return db::CreateIdempotently(pool_, idempotency, "CreateSuccessPath", context.now, [&](Connection& conn) {
    if (p.active) {
      if (absl::Status s = CheckLimit(conn, p.product, ""); !s.ok()) return s;
    }
    auto& stmt = conn.Prepare(
        "INSERT INTO success_paths (path_id, product, name, active, version, create_time_us, update_time_us)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)");
    BindAll(stmt, {p.id, p.product, p.name, static_cast<int64_t>(p.active), p.version, Micros(p.create_time),
                   Micros(p.update_time)});
    stmt.executeUpdate();
    WriteMilestones(conn, p);
    db::WriteAudit(conn, {p.id, "", "CREATE", {}}, context);
    return absl::OkStatus();
  });
}

absl::StatusOr<SuccessPath> MysqlHandoffRepository::GetPath(const std::string& id) {
  std::optional<SuccessPath> found;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    found = LoadPath(conn, id, false);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!found) return NotFoundError("success path", id);
  return *std::move(found);
}

absl::StatusOr<std::vector<SuccessPath>> MysqlHandoffRepository::ListPaths(const PathQuery& q) {
  db::WhereClause where;
  if (!q.product.empty()) where.Add("product = ?", {q.product});
  if (q.active_only) where.Add("active");
  if (!q.after_id.empty()) where.Add("(product, name, path_id) > (?, ?, ?)", {q.after_product, q.after_name, q.after_id});
  where.params.emplace_back(static_cast<int64_t>(q.limit));
  std::vector<SuccessPath> out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    ForEachRow(conn,
               absl::StrCat("SELECT ", kPathColumns, " FROM success_paths WHERE ", where.sql,
                            " ORDER BY product, name, path_id LIMIT ?"),
               where.params, [&](sql::ResultSet& rs) { out.push_back(ReadPath(rs)); });
    std::map<std::string, SuccessPath*> refs;
    for (auto& p : out) refs[p.id] = &p;
    LoadMilestones(conn, refs);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<SuccessPath> MysqlHandoffRepository::UpdatePath(const std::string& id,
                                                               const std::function<absl::Status(SuccessPath&)>& mutate,
                                                               const std::vector<std::string>& changed,
                                                               const WriteContext& context) {
  return db::TransactionValue<SuccessPath>(pool_, [&](Connection& conn) -> absl::StatusOr<SuccessPath> {
    std::optional<SuccessPath> p = LoadPath(conn, id, true);
    if (!p) return NotFoundError("success path", id);
    bool was_active = p->active;
    if (absl::Status s = mutate(*p); !s.ok()) return s;
    if (p->active && !was_active) {
      if (absl::Status s = CheckLimit(conn, p->product, p->id); !s.ok()) return s;
    }
    p->version += 1;
    p->update_time = context.now;
    auto& stmt = conn.Prepare(
        "UPDATE success_paths SET name = ?, active = ?, version = ?, update_time_us = ? WHERE path_id = ?");
    BindAll(stmt, {p->name, static_cast<int64_t>(p->active), p->version, Micros(p->update_time), p->id});
    stmt.executeUpdate();
    WriteMilestones(conn, *p);
    db::WriteAudit(conn, {p->id, "", "UPDATE", changed}, context);
    return *p;
  });
}

absl::Status MysqlHandoffRepository::DeletePath(const std::string& id,
                                                const std::function<absl::Status(const SuccessPath&)>& check,
                                                const WriteContext& context) {
  return db::RunInTransaction(pool_, [&](Connection& conn) -> absl::Status {
    std::optional<SuccessPath> p = LoadPath(conn, id, true);
    if (!p) return NotFoundError("success path", id);
    if (absl::Status s = check(*p); !s.ok()) return s;
    int64_t assigned = 0;
    ForEachRow(conn, "SELECT COUNT(*) FROM path_assignments WHERE path_id = ?", {id},
               [&](sql::ResultSet& rs) { assigned = rs.getInt64(1); });
    if (assigned > 0) {
      return FailedPreconditionError(absl::StrCat("success path ", id, " is assigned to ", assigned, " accounts"),
                                     {{"IN_USE", id, "deactivate it instead (active = false)"}});
    }
    for (const char* sql : {"DELETE FROM path_milestones WHERE path_id = ?", "DELETE FROM success_paths WHERE path_id = ?"}) {
      auto& stmt = conn.Prepare(sql);
      BindAll(stmt, {id});
      stmt.executeUpdate();
    }
    db::WriteAudit(conn, {id, "", "DELETE", {}}, context);
    return absl::OkStatus();
  });
}

absl::StatusOr<PathAssignment> MysqlHandoffRepository::AssignPath(const std::string& account_id,
                                                                  const std::string& path_id,
                                                                  std::optional<absl::CivilDay> start_day,
                                                                  const WriteContext& context) {
  return db::TransactionValue<PathAssignment>(pool_, [&](Connection& conn) -> absl::StatusOr<PathAssignment> {
    std::optional<SuccessPath> p = LoadPath(conn, path_id, true);
    if (!p) return InvalidFieldError("path_id", absl::StrCat("no success path ", path_id));
    if (!p->active) {
      return FailedPreconditionError(absl::StrCat("success path ", path_id, " is not active"),
                                     {{"INACTIVE", path_id, "only an active path can be assigned"}});
    }
    PathAssignment a{account_id, path_id, start_day, context.now};
    auto& stmt = conn.Prepare(
        "INSERT INTO path_assignments (account_id, path_id, start_day, assign_time_us) VALUES (?, ?, NULLIF(?, ''), ?)"
        " ON DUPLICATE KEY UPDATE path_id = VALUES(path_id), start_day = VALUES(start_day),"
        " assign_time_us = VALUES(assign_time_us)");
    BindAll(stmt, {account_id, path_id, start_day ? FormatDay(*start_day) : "", Micros(context.now)});
    stmt.executeUpdate();
    db::WriteAudit(conn, {account_id, account_id, "ASSIGN_PATH", {path_id}}, context);
    return a;
  });
}

absl::StatusOr<std::map<std::string, PathAssignment>> MysqlHandoffRepository::Assignments(
    const std::vector<std::string>& account_ids) {
  std::map<std::string, PathAssignment> out;
  if (account_ids.empty()) return out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    ForEachRow(conn,
               absl::StrCat("SELECT account_id, path_id, start_day, assign_time_us FROM path_assignments WHERE account_id IN (",
                            Placeholders(account_ids.size()), ")"),
               std::vector<SqlParam>(account_ids.begin(), account_ids.end()), [&](sql::ResultSet& rs) {
                 PathAssignment a{rs.getString(1), rs.getString(2), db::ReadDay(rs, 3),
                                  absl::FromUnixMicros(rs.getInt64(4))};
                 out[a.account_id] = std::move(a);
               });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<CreateResult> MysqlHandoffRepository::CreateHandoff(const Handoff& h, const WriteContext& context,
                                                                   const std::optional<IdempotencyRecord>& idempotency) {
  return db::CreateIdempotently(pool_, idempotency, "CreateHandoff", context.now, [&](Connection& conn) {
    std::vector<SqlParam> params = {h.account_id, h.id};
    std::vector<SqlParam> values = HandoffValues(h);
    params.insert(params.end(), values.begin(), values.end());
    params.emplace_back(Micros(h.create_time));
    auto& stmt = conn.Prepare(
        "INSERT INTO handoffs (account_id, handoff_id, from_team, to_team, sending_owner, receiving_owner,"
        " success_criteria, state, reject_reason, sla_days, submit_time_us, sla_due_time_us, accept_time_us, version,"
        " update_time_us, create_time_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0),"
        " NULLIF(?, 0), ?, ?, ?)");
    BindAll(stmt, params);
    stmt.executeUpdate();
    db::WriteAudit(conn, {h.id, h.account_id, "CREATE", {}}, context);
    return absl::OkStatus();
  });
}

absl::StatusOr<Handoff> MysqlHandoffRepository::GetHandoff(const std::string& id) {
  return db::QueryOne<Handoff>(pool_, absl::StrCat("SELECT ", kHandoffColumns, " FROM handoffs WHERE handoff_id = ?"), id,
                               ReadHandoff, "handoff");
}

absl::StatusOr<std::vector<Handoff>> MysqlHandoffRepository::ListHandoffs(const HandoffQuery& q) {
  db::WhereClause where;
  if (q.state) where.Add("state = ?", {Stored(*q.state)});
  if (q.team) where.Add("(from_team = ? OR to_team = ?)", {Stored(*q.team), Stored(*q.team)});
  if (!q.owner.empty()) where.Add("(sending_owner = ? OR receiving_owner = ?)", {q.owner, q.owner});
  if (!q.account_id.empty()) where.Add("account_id = ?", {q.account_id});
  if (q.overdue_at) where.Add(absl::StrCat("state = ", Stored(HandoffState::kSubmitted), " AND sla_due_time_us < ?"), {Micros(*q.overdue_at)});
  if (q.before) where.Add("(create_time_us, handoff_id) < (?, ?)", {q.before->first, q.before->second});
  where.params.emplace_back(static_cast<int64_t>(q.limit));
  return db::QueryRows<Handoff>(pool_,
                                absl::StrCat("SELECT ", kHandoffColumns, " FROM handoffs WHERE ", where.sql,
                                             " ORDER BY create_time_us DESC, handoff_id DESC LIMIT ?"),
                                where.params, ReadHandoff);
}

absl::StatusOr<Handoff> MysqlHandoffRepository::UpdateHandoff(const std::string& id, const std::string& action,
                                                              const std::function<absl::Status(Handoff&)>& mutate,
                                                              const std::vector<std::string>& changed,
                                                              const WriteContext& context,
                                                              std::optional<absl::CivilDay> start_path_on) {
  return db::TransactionValue<Handoff>(pool_, [&](Connection& conn) -> absl::StatusOr<Handoff> {
    std::optional<Handoff> h;
    ForEachRow(conn, absl::StrCat("SELECT ", kHandoffColumns, " FROM handoffs WHERE handoff_id = ? FOR UPDATE"), {id},
               [&](sql::ResultSet& rs) { h = ReadHandoff(rs); });
    if (!h) return NotFoundError("handoff", id);
    if (absl::Status s = mutate(*h); !s.ok()) return s;
    h->version += 1;
    h->update_time = context.now;
    std::vector<SqlParam> params = HandoffValues(*h);
    params.insert(params.end(), {h->account_id, h->id});
    auto& stmt = conn.Prepare(
        "UPDATE handoffs SET from_team = ?, to_team = ?, sending_owner = ?, receiving_owner = ?, success_criteria = ?,"
        " state = ?, reject_reason = ?, sla_days = ?, submit_time_us = NULLIF(?, 0), sla_due_time_us = NULLIF(?, 0),"
        " accept_time_us = NULLIF(?, 0), version = ?, update_time_us = ? WHERE account_id = ? AND handoff_id = ?");
    BindAll(stmt, params);
    stmt.executeUpdate();
    if (start_path_on) {
      auto& start = conn.Prepare(
          "UPDATE path_assignments SET start_day = ? WHERE account_id = ? AND start_day IS NULL");
      BindAll(start, {FormatDay(*start_path_on), h->account_id});
      start.executeUpdate();
    }
    db::WriteAudit(conn, {h->id, h->account_id, action, changed}, context);
    return *h;
  });
}

absl::StatusOr<std::map<std::string, std::vector<Handoff>>> MysqlHandoffRepository::StalledHandoffs(
    const std::vector<std::string>& account_ids, absl::Time at) {
  std::map<std::string, std::vector<Handoff>> out;
  if (account_ids.empty()) return out;
  std::vector<SqlParam> params(account_ids.begin(), account_ids.end());
  params.emplace_back(Micros(at));
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    ForEachRow(conn,
               absl::StrCat("SELECT ", kHandoffColumns, " FROM handoffs WHERE account_id IN (",
                            Placeholders(account_ids.size()), ") AND state = ", Stored(HandoffState::kSubmitted), " AND sla_due_time_us < ?"),
               params, [&](sql::ResultSet& rs) {
                 Handoff h = ReadHandoff(rs);
                 out[h.account_id].push_back(std::move(h));
               });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::vector<StoredRule>> MysqlHandoffRepository::ListRules() {
  std::map<Rule, StoredRule> rules;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    rules = LoadRules(conn, false);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  std::vector<StoredRule> out;
  for (auto& [rule, r] : rules) out.push_back(r);
  return out;
}

absl::StatusOr<StoredRule> MysqlHandoffRepository::UpdateRule(Rule rule,
                                                              const std::function<absl::Status(StoredRule&)>& mutate,
                                                              const std::vector<std::string>& changed,
                                                              const WriteContext& context) {
  return db::TransactionValue<StoredRule>(pool_, [&](Connection& conn) -> absl::StatusOr<StoredRule> {
    auto rules = LoadRules(conn, true);
    auto it = rules.find(rule);
    if (it == rules.end()) return NotFoundError("rule", RuleName(rule));
    StoredRule r = it->second;
    if (absl::Status s = mutate(r); !s.ok()) return s;
    r.version += 1;
    auto& stmt = conn.Prepare(
        "INSERT INTO exception_rules (rule, enabled, severity, sla_days, threshold, version) VALUES (?, ?, ?, ?, ?, ?)"
        " ON DUPLICATE KEY UPDATE enabled = VALUES(enabled), severity = VALUES(severity), sla_days = VALUES(sla_days),"
        " threshold = VALUES(threshold), version = VALUES(version)");
    BindAll(stmt, {Stored(rule), static_cast<int64_t>(r.config.enabled),
                   Stored(r.config.severity), static_cast<int64_t>(r.config.sla_days), r.config.threshold,
                   r.version});
    stmt.executeUpdate();
    db::WriteAudit(conn, {RuleName(rule), "", "UPDATE", changed}, context);
    return r;
  });
}

}  // namespace flywheel::handoff
