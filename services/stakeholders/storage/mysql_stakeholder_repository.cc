#include "services/stakeholders/storage/mysql_stakeholder_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/db/audit.h"
#include "common/db/record_batches.h"
#include "common/db/request_log.h"
#include "common/db/sql_params.h"
#include "common/enums/enum_map.h"
#include "common/ids/ids.h"
#include "common/status/errors.h"

namespace flywheel::stakeholders {
namespace {

// How the stakeholder enums are stored: each pairing written once (see
// common/enums/enum_map.h). The numbers are those of the first migration's rows.
constexpr EnumMap<Role, int, 4> kStoredRole{
    {{{Role::kOwner, 1}, {Role::kChampion, 2}, {Role::kEnabler, 3}, {Role::kProducer, 4}}}};
constexpr EnumMap<Engagement, int, 5> kStoredEngagement{{{{Engagement::kUnknown, 1}, {Engagement::kAware, 2},
                                                          {Engagement::kInvolved, 3}, {Engagement::kEngaged, 4},
                                                          {Engagement::kAdvocate, 5}}}};
constexpr EnumMap<RaciLetter, int, 4> kStoredLetter{{{{RaciLetter::kResponsible, 1}, {RaciLetter::kAccountable, 2},
                                                      {RaciLetter::kConsulted, 3}, {RaciLetter::kInformed, 4}}}};
constexpr EnumMap<Impact, int, 3> kStoredImpact{
    {{{Impact::kPositive, 1}, {Impact::kNegative, 2}, {Impact::kNeutral, 3}}}};
constexpr EnumMap<AdkarStage, int, 5> kStoredStage{{{{AdkarStage::kAwareness, 1}, {AdkarStage::kDesire, 2},
                                                     {AdkarStage::kKnowledge, 3}, {AdkarStage::kAbility, 4},
                                                     {AdkarStage::kReinforcement, 5}}}};
constexpr EnumMap<FollowUpKind, int, 4> kStoredFollowUp{
    {{{FollowUpKind::kTrainingContent, 1}, {FollowUpKind::kFocusChange, 2}, {FollowUpKind::kCommunication, 3},
      {FollowUpKind::kOrganisationalChange, 4}}}};
constexpr EnumMap<EnablerFocus, int, 3> kStoredFocus{
    {{{EnablerFocus::kNone, 0}, {EnablerFocus::kIt, 1}, {EnablerFocus::kLearning, 2}}}};
static_assert(kStoredFocus.OneToOne() && kStoredRole.OneToOne() && kStoredEngagement.OneToOne() && kStoredLetter.OneToOne() &&
              kStoredImpact.OneToOne() && kStoredStage.OneToOne() && kStoredFollowUp.OneToOne());

int64_t Stored(Role v) { return kStoredRole.To(v); }
int64_t Stored(EnablerFocus v) { return kStoredFocus.To(v); }
int64_t Stored(Engagement v) { return kStoredEngagement.To(v); }
int64_t Stored(RaciLetter v) { return kStoredLetter.To(v); }
int64_t Stored(Impact v) { return kStoredImpact.To(v); }
int64_t Stored(AdkarStage v) { return kStoredStage.To(v); }
int64_t Stored(FollowUpKind v) { return kStoredFollowUp.To(v); }
using db::BindAll;
using db::Connection;
using db::ForEachRow;
using db::Placeholders;
using db::SqlParam;

constexpr char kColumns[] =
    "account_id, stakeholder_id, name, email, title, function_name, role, decision_authority, engagement,"
    " is_primary, version, create_time_us, update_time_us, delete_time_us, enabler_focus";
constexpr int kColumnCount = 15;
constexpr int kDeleteTimeColumn = 14;
constexpr size_t kBulkBatchSize = 500;


Stakeholder ReadRow(sql::ResultSet& rs) {
  Stakeholder s;
  s.account_id = rs.getString(1);
  s.id = rs.getString(2);
  s.name = rs.getString(3);
  s.email = rs.getString(4);
  s.title = rs.getString(5);
  s.function = rs.getString(6);
  s.role = FromStored(kStoredRole, rs.getInt(7));
  s.decision_authority = rs.getBoolean(8);
  s.engagement = FromStored(kStoredEngagement, rs.getInt(9));
  s.primary = rs.getBoolean(10);
  s.version = rs.getInt64(11);
  s.create_time = absl::FromUnixMicros(rs.getInt64(12));
  s.update_time = absl::FromUnixMicros(rs.getInt64(13));
  if (!rs.isNull(14)) s.delete_time = absl::FromUnixMicros(rs.getInt64(14));
  s.enabler_focus = FromStored(kStoredFocus, rs.getInt(15));
  return s;
}

void BindRow(sql::PreparedStatement& stmt, const Stakeholder& s) {
  BindAll(stmt, {s.account_id, s.id, s.name, s.email, s.title, s.function, Stored(s.role),
                 static_cast<int64_t>(s.decision_authority), Stored(s.engagement),
                 static_cast<int64_t>(s.primary), s.version, absl::ToUnixMicros(s.create_time),
                 absl::ToUnixMicros(s.update_time), int64_t{0}, Stored(s.enabler_focus)});
  if (s.delete_time) {
    stmt.setInt64(kDeleteTimeColumn, absl::ToUnixMicros(*s.delete_time));
  } else {
    stmt.setNull(kDeleteTimeColumn, sql::DataType::BIGINT);
  }
}

std::vector<Stakeholder> Select(Connection& conn, const std::string& tail, const std::vector<SqlParam>& params) {
  std::vector<Stakeholder> out;
  ForEachRow(conn, absl::StrCat("SELECT ", kColumns, " FROM stakeholders ", tail), params,
             [&](sql::ResultSet& rs) { out.push_back(ReadRow(rs)); });
  if (out.empty()) return out;
  std::unordered_map<std::string, Stakeholder*> by_id;
  std::vector<SqlParam> ids;
  for (auto& s : out) {
    by_id[s.id] = &s;
    ids.emplace_back(s.id);
  }
  ForEachRow(conn,
             absl::StrCat("SELECT stakeholder_id, source, external_id FROM stakeholder_external_ids WHERE stakeholder_id IN (",
                          Placeholders(ids.size()), ")"),
             ids, [&](sql::ResultSet& rs) { by_id[rs.getString(1)]->external_ids[rs.getString(2)] = rs.getString(3); });
  return out;
}

std::optional<Stakeholder> LoadOne(Connection& conn, const std::string& id, bool for_update) {
  auto rows = Select(conn, for_update ? "WHERE stakeholder_id = ? FOR UPDATE" : "WHERE stakeholder_id = ?", {id});
  if (rows.empty()) return std::nullopt;
  return std::move(rows[0]);
}

void ReplaceExternalIds(Connection& conn, const Stakeholder& s) {
  auto& del = conn.Prepare("DELETE FROM stakeholder_external_ids WHERE account_id = ? AND stakeholder_id = ?");
  BindAll(del, {s.account_id, s.id});
  del.executeUpdate();
  for (const auto& [source, external_id] : s.external_ids) {
    auto& ins = conn.Prepare(
        "INSERT INTO stakeholder_external_ids (account_id, stakeholder_id, source, external_id) VALUES (?, ?, ?, ?)");
    BindAll(ins, {s.account_id, s.id, source, external_id});
    ins.executeUpdate();
  }
}

void WriteAudit(Connection& conn, const Stakeholder& s, absl::string_view action, const std::vector<std::string>& changed,
                const WriteContext& context) {
  db::WriteAudit(conn, {s.id, s.account_id, std::string(action), changed}, context);
}

// ALREADY_EXISTS naming the conflict, when a unique key would be broken by `s`.
absl::Status Conflicts(Connection& conn, const Stakeholder& s) {
  if (!s.deleted()) {
    std::optional<std::string> holder;
    ForEachRow(conn, "SELECT stakeholder_id FROM stakeholders WHERE account_id = ? AND live_email = ?",
               {s.account_id, NormalizeEmail(s.email)}, [&](sql::ResultSet& rs) { holder = rs.getString(1); });
    if (holder && *holder != s.id) {
      return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("email ", s.email, " belongs to stakeholder ", *holder,
                                                                 " of this account")),
                           "EMAIL_TAKEN", {{"owner", *holder}});
    }
  }
  for (const auto& [source, external_id] : s.external_ids) {
    std::optional<std::string> holder;
    ForEachRow(conn, "SELECT stakeholder_id FROM stakeholder_external_ids WHERE source = ? AND external_id = ?",
               {source, external_id}, [&](sql::ResultSet& rs) { holder = rs.getString(1); });
    if (holder && *holder != s.id) {
      return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("external id ", source, "/", external_id,
                                                                 " belongs to stakeholder ", *holder)),
                           "EXTERNAL_ID_TAKEN", {{"owner", *holder}});
    }
  }
  return absl::OkStatus();
}

absl::Status Insert(Connection& conn, const Stakeholder& s, absl::string_view action, const WriteContext& context) {
  if (absl::Status c = Conflicts(conn, s); !c.ok()) return c;
  auto& stmt = conn.Prepare(absl::StrCat("INSERT INTO stakeholders (", kColumns, ") VALUES (", Placeholders(kColumnCount), ")"));
  BindRow(stmt, s);
  stmt.executeUpdate();
  ReplaceExternalIds(conn, s);
  std::vector<std::string> all;
  for (const auto& f : WritableFields()) all.emplace_back(f.name);
  WriteAudit(conn, s, action, all, context);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> WriteChanges(Connection& conn, const Stakeholder& before, Stakeholder& after,
                                                      absl::string_view action, const WriteContext& context) {
  std::vector<std::string> changed = ChangedFields(before, after);
  bool deletion_changed = before.delete_time != after.delete_time;
  if (changed.empty() && !deletion_changed) return changed;
  if (absl::Status c = Conflicts(conn, after); !c.ok()) return c;
  after.version = before.version + 1;
  after.update_time = context.now;
  auto& del = conn.Prepare("DELETE FROM stakeholders WHERE account_id = ? AND stakeholder_id = ? AND version = ?");
  BindAll(del, {before.account_id, before.id, before.version});
  if (del.executeUpdate() != 1) return absl::AbortedError("stakeholder changed during the write; retry");
  auto& ins = conn.Prepare(absl::StrCat("INSERT INTO stakeholders (", kColumns, ") VALUES (", Placeholders(kColumnCount), ")"));
  BindRow(ins, after);
  ins.executeUpdate();
  if (before.external_ids != after.external_ids) ReplaceExternalIds(conn, after);
  if (changed.empty()) changed.push_back("delete_time");
  WriteAudit(conn, after, action, changed, context);
  return changed;
}

absl::StatusOr<UpsertResult> UpsertInTransaction(Connection& conn, const UpsertInput& in, const WriteContext& context) {
  std::optional<std::string> existing;
  ForEachRow(conn, "SELECT stakeholder_id FROM stakeholder_external_ids WHERE source = ? AND external_id = ? FOR UPDATE",
             {in.source, in.external_id}, [&](sql::ResultSet& rs) { existing = rs.getString(1); });
  if (!existing) {
    Stakeholder created = in.fields;
    created.id = ids::NewId("stk");
    created.external_ids[in.source] = in.external_id;
    created.version = 1;
    created.create_time = created.update_time = context.now;
    created.delete_time.reset();
    if (absl::Status s = Insert(conn, created, "UPSERT", context); !s.ok()) return s;
    return UpsertResult{UpsertOutcome::kCreated, std::move(created)};
  }
  std::optional<Stakeholder> before = LoadOne(conn, *existing, true);
  if (!before) return absl::AbortedError("stakeholder vanished during upsert; retry");
  if (before->account_id != in.fields.account_id) {
    return InvalidFieldError("stakeholder.account_id", absl::StrCat("the external id belongs to a stakeholder of account ",
                                                                    before->account_id));
  }
  Stakeholder after = *before;
  ApplyFields(in.fields, in.paths, after);
  after.external_ids[in.source] = in.external_id;
  auto changed = WriteChanges(conn, *before, after, "UPSERT", context);
  if (!changed.ok()) return changed.status();
  if (changed->empty()) return UpsertResult{UpsertOutcome::kUnchanged, std::move(*before)};
  return UpsertResult{UpsertOutcome::kUpdated, std::move(after)};
}

void ReadInitiativeChildren(Connection& conn, std::vector<ChangeInitiative>& list) {
  for (auto& c : list) {
    ForEachRow(conn,
               "SELECT stakeholder_id, role, impact FROM initiative_impacts WHERE account_id = ? AND initiative_id = ?"
               " ORDER BY position",
               {c.account_id, c.id}, [&](sql::ResultSet& rs) {
                 StakeholderImpact i;
                 i.stakeholder_id = rs.getString(1);
                 if (rs.getInt(2) != 0) i.role = FromStored(kStoredRole, rs.getInt(2));
                 i.impact = FromStored(kStoredImpact, rs.getInt(3));
                 c.impacts.push_back(i);
               });
    ForEachRow(conn,
               "SELECT kind, role, assignee_stakeholder_id, description FROM initiative_follow_ups"
               " WHERE account_id = ? AND initiative_id = ? ORDER BY position",
               {c.account_id, c.id}, [&](sql::ResultSet& rs) {
                 c.follow_ups.push_back({FromStored(kStoredFollowUp, rs.getInt(1)), FromStored(kStoredRole, rs.getInt(2)),
                                         rs.getString(3), rs.getString(4)});
               });
  }
}

constexpr char kInitiativeColumns[] =
    "account_id, initiative_id, owner_stakeholder_id, title, description, needs_training, needs_communication,"
    " needs_organisational_change, awareness, stage, create_time_us, update_time_us";

std::vector<ChangeInitiative> SelectInitiatives(Connection& conn, const std::string& tail,
                                                const std::vector<SqlParam>& params) {
  std::vector<ChangeInitiative> out;
  ForEachRow(conn, absl::StrCat("SELECT ", kInitiativeColumns, " FROM change_initiatives ", tail), params,
             [&](sql::ResultSet& rs) {
               ChangeInitiative c;
               c.account_id = rs.getString(1);
               c.id = rs.getString(2);
               c.owner_stakeholder_id = rs.getString(3);
               c.title = rs.getString(4);
               c.description = rs.getString(5);
               c.needs_training = rs.getBoolean(6);
               c.needs_communication = rs.getBoolean(7);
               c.needs_organisational_change = rs.getBoolean(8);
               c.awareness = FromStored(kStoredEngagement, rs.getInt(9));
               c.stage = FromStored(kStoredStage, rs.getInt(10));
               c.create_time = absl::FromUnixMicros(rs.getInt64(11));
               c.update_time = absl::FromUnixMicros(rs.getInt64(12));
               out.push_back(std::move(c));
             });
  ReadInitiativeChildren(conn, out);
  return out;
}

}  // namespace

absl::StatusOr<CreateResult> MysqlStakeholderRepository::Create(const Stakeholder& s, const WriteContext& context,
                                                                const std::optional<IdempotencyRecord>& idempotency) {
  return db::CreateIdempotently(pool_, idempotency, "CreateStakeholder", context.now,
                                [&](Connection& conn) { return Insert(conn, s, "CREATE", context); });
}

absl::StatusOr<Stakeholder> MysqlStakeholderRepository::Get(const std::string& id) {
  std::optional<Stakeholder> found;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    found = LoadOne(conn, id, false);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!found) return NotFoundError("stakeholder", id);
  return *found;
}

absl::StatusOr<std::vector<Stakeholder>> MysqlStakeholderRepository::List(const StakeholderQuery& q) {
  std::vector<std::string> where = {"account_id = ?"};
  std::vector<SqlParam> params = {q.account_id};
  if (!q.show_deleted) where.push_back("delete_time_us IS NULL");
  if (q.role) {
    where.push_back("role = ?");
    params.emplace_back(Stored(*q.role));
  }
  if (q.engagement) {
    where.push_back("engagement = ?");
    params.emplace_back(Stored(*q.engagement));
  }
  if (q.after) {
    where.push_back("(name > ? OR (name = ? AND stakeholder_id > ?))");
    params.insert(params.end(), {q.after->first, q.after->first, q.after->second});
  }
  params.emplace_back(static_cast<int64_t>(q.limit));
  std::vector<Stakeholder> out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    out = Select(conn, absl::StrCat("WHERE ", absl::StrJoin(where, " AND "), " ORDER BY name, stakeholder_id LIMIT ?"),
                 params);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::map<std::string, std::vector<Stakeholder>>> MysqlStakeholderRepository::LiveByAccount(
    const std::vector<std::string>& account_ids) {
  std::map<std::string, std::vector<Stakeholder>> out;
  if (account_ids.empty()) return out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    std::vector<SqlParam> params(account_ids.begin(), account_ids.end());
    for (auto& s : Select(conn,
                          absl::StrCat("WHERE account_id IN (", Placeholders(account_ids.size()),
                                       ") AND delete_time_us IS NULL ORDER BY account_id, name, stakeholder_id"),
                          params)) {
      out[s.account_id].push_back(std::move(s));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<Stakeholder> MysqlStakeholderRepository::Update(const std::string& id,
                                                               const std::function<absl::Status(Stakeholder&)>& mutate,
                                                               absl::string_view action, const WriteContext& context) {
  return db::TransactionValue<Stakeholder>(pool_, [&](Connection& conn) -> absl::StatusOr<Stakeholder> {
    std::optional<Stakeholder> before = LoadOne(conn, id, true);
    if (!before) return NotFoundError("stakeholder", id);
    Stakeholder after = *before;
    if (absl::Status s = mutate(after); !s.ok()) return s;
    after.id = before->id;
    after.account_id = before->account_id;
    after.version = before->version;
    after.create_time = before->create_time;
    auto changed = WriteChanges(conn, *before, after, action, context);
    if (!changed.ok()) return changed.status();
    return changed->empty() ? *before : after;  // a deletion counts as a change
  });
}

absl::StatusOr<UpsertResult> MysqlStakeholderRepository::Upsert(const UpsertInput& input, const WriteContext& context) {
  return db::TransactionValue<UpsertResult>(
      pool_, [&](Connection& conn) { return UpsertInTransaction(conn, input, context); });
}

absl::StatusOr<std::vector<absl::StatusOr<UpsertResult>>> MysqlStakeholderRepository::BulkUpsert(
    const std::vector<UpsertInput>& inputs, bool dry_run, const WriteContext& context) {
  return db::RunRecordBatches<UpsertResult>(
      pool_, inputs.size(), kBulkBatchSize, dry_run ? db::TransactionEnd::kRollback : db::TransactionEnd::kCommit,
      [&](Connection& conn, size_t i) { return UpsertInTransaction(conn, inputs[i], context); });
}

absl::Status MysqlStakeholderRepository::CreateActivity(const RaciActivity& a, const WriteContext& context) {
  return db::RunInTransaction(pool_, [&](Connection& conn) {
    auto& stmt = conn.Prepare("INSERT INTO raci_activities (account_id, activity_id, name, description) VALUES (?, ?, ?, ?)");
    BindAll(stmt, {a.account_id, a.id, a.name, a.description});
    stmt.executeUpdate();
    db::WriteAudit(conn, {a.id, a.account_id, "CREATE", {"name", "description"}}, context);
    return absl::OkStatus();
  });
}

absl::StatusOr<RaciActivity> MysqlStakeholderRepository::GetActivity(const std::string& id) {
  std::optional<RaciActivity> found;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    ForEachRow(conn, "SELECT account_id, activity_id, name, description FROM raci_activities WHERE activity_id = ?", {id},
               [&](sql::ResultSet& rs) { found = RaciActivity{rs.getString(2), rs.getString(1), rs.getString(3), rs.getString(4)}; });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!found) return NotFoundError("RACI activity", id);
  return *found;
}

absl::Status MysqlStakeholderRepository::SetAssignments(const RaciActivity& a, const std::vector<RaciAssignment>& list,
                                                       const WriteContext& context) {
  return db::RunInTransaction(pool_, [&](Connection& conn) {
    auto& del = conn.Prepare("DELETE FROM raci_assignments WHERE account_id = ? AND activity_id = ?");
    BindAll(del, {a.account_id, a.id});
    del.executeUpdate();
    for (const auto& r : list) {
      auto& ins = conn.Prepare(
          "INSERT INTO raci_assignments (account_id, activity_id, stakeholder_id, letter) VALUES (?, ?, ?, ?)");
      BindAll(ins, {a.account_id, a.id, r.stakeholder_id, Stored(r.letter)});
      ins.executeUpdate();
    }
    db::WriteAudit(conn, {a.id, a.account_id, "SET_ASSIGNMENTS", {"assignments"}}, context);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<RaciRow>> MysqlStakeholderRepository::Matrix(const std::string& account_id) {
  std::vector<RaciRow> rows;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    std::map<std::string, size_t> index;
    ForEachRow(conn, "SELECT account_id, activity_id, name, description FROM raci_activities WHERE account_id = ? ORDER BY name",
               {account_id}, [&](sql::ResultSet& rs) {
                 index[rs.getString(2)] = rows.size();
                 rows.push_back({RaciActivity{rs.getString(2), rs.getString(1), rs.getString(3), rs.getString(4)}, {}});
               });
    ForEachRow(conn, "SELECT activity_id, stakeholder_id, letter FROM raci_assignments WHERE account_id = ?", {account_id},
               [&](sql::ResultSet& rs) {
                 auto it = index.find(rs.getString(1));
                 if (it != index.end()) {
                   rows[it->second].assignments.push_back({rs.getString(2), FromStored(kStoredLetter, rs.getInt(3))});
                 }
               });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return rows;
}

absl::StatusOr<CreateResult> MysqlStakeholderRepository::CreateInitiative(
    const ChangeInitiative& c, const WriteContext& context, const std::optional<IdempotencyRecord>& idempotency) {
  return db::CreateIdempotently(pool_, idempotency, "CreateChangeInitiative", context.now, [&](Connection& conn) {
    auto& stmt = conn.Prepare(absl::StrCat("INSERT INTO change_initiatives (", kInitiativeColumns, ") VALUES (",
                                           Placeholders(12), ")"));
    BindAll(stmt, {c.account_id, c.id, c.owner_stakeholder_id, c.title, c.description,
                   static_cast<int64_t>(c.needs_training), static_cast<int64_t>(c.needs_communication),
                   static_cast<int64_t>(c.needs_organisational_change), Stored(c.awareness),
                   Stored(c.stage), absl::ToUnixMicros(c.create_time), absl::ToUnixMicros(c.update_time)});
    stmt.executeUpdate();
    for (size_t i = 0; i < c.impacts.size(); ++i) {
      auto& ins = conn.Prepare(
          "INSERT INTO initiative_impacts (account_id, initiative_id, position, stakeholder_id, role, impact)"
          " VALUES (?, ?, ?, ?, ?, ?)");
      const auto& imp = c.impacts[i];
      BindAll(ins, {c.account_id, c.id, static_cast<int64_t>(i), imp.stakeholder_id,
                    imp.role ? Stored(*imp.role) : int64_t{0}, Stored(imp.impact)});
      ins.executeUpdate();
    }
    for (size_t i = 0; i < c.follow_ups.size(); ++i) {
      auto& ins = conn.Prepare(
          "INSERT INTO initiative_follow_ups (account_id, initiative_id, position, kind, role, assignee_stakeholder_id,"
          " description) VALUES (?, ?, ?, ?, ?, ?, ?)");
      const auto& f = c.follow_ups[i];
      BindAll(ins, {c.account_id, c.id, static_cast<int64_t>(i), Stored(f.kind),
                    Stored(f.role), f.assignee_stakeholder_id, f.description});
      ins.executeUpdate();
    }
    db::WriteAudit(conn, {c.id, c.account_id, "CREATE", {}}, context);
    return absl::OkStatus();
  });
}

absl::StatusOr<ChangeInitiative> MysqlStakeholderRepository::GetInitiative(const std::string& id) {
  std::vector<ChangeInitiative> found;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    found = SelectInitiatives(conn, "WHERE initiative_id = ?", {id});
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (found.empty()) return NotFoundError("change initiative", id);
  return found[0];
}

absl::StatusOr<std::vector<ChangeInitiative>> MysqlStakeholderRepository::ListInitiatives(const std::string& account_id) {
  std::vector<ChangeInitiative> found;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    found = SelectInitiatives(conn, "WHERE account_id = ? ORDER BY create_time_us, initiative_id", {account_id});
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<ChangeInitiative> MysqlStakeholderRepository::UpdateInitiative(
    const std::string& id, const std::function<absl::Status(ChangeInitiative&)>& mutate, const WriteContext& context) {
  ChangeInitiative result;
  absl::Status status = db::RunInTransaction(pool_, [&](Connection& conn) -> absl::Status {
    auto found = SelectInitiatives(conn, "WHERE initiative_id = ? FOR UPDATE", {id});
    if (found.empty()) return NotFoundError("change initiative", id);
    ChangeInitiative c = found[0];
    if (absl::Status s = mutate(c); !s.ok()) return s;
    c.update_time = context.now;
    auto& stmt = conn.Prepare("UPDATE change_initiatives SET stage = ?, update_time_us = ? WHERE initiative_id = ?");
    BindAll(stmt, {Stored(c.stage), absl::ToUnixMicros(context.now), id});
    stmt.executeUpdate();
    db::WriteAudit(conn, {c.id, c.account_id, "UPDATE", {"stage"}}, context);
    result = c;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

}  // namespace flywheel::stakeholders
