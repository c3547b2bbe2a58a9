#include "services/handoff/storage/mysql_exception_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/db/audit.h"
#include "common/db/change_log.h"
#include "common/db/sql_params.h"
#include "common/ids/ids.h"
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

constexpr int kApplyAttempts = 3;
constexpr size_t kRowsPerStatement = 200;

// Evidence and target people are stored as lines of C-escaped text, so any value survives.
std::string EncodeEvidence(const std::map<std::string, std::string>& evidence) {
  std::vector<std::string> lines;
  for (const auto& [k, v] : evidence) lines.push_back(absl::StrCat(absl::CEscape(k), "\t", absl::CEscape(v)));
  return absl::StrJoin(lines, "\n");
}

std::map<std::string, std::string> DecodeEvidence(const std::string& text) {
  std::map<std::string, std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(line, absl::MaxSplits('\t', 1));
    std::string k, v;
    absl::CUnescape(kv.first, &k);
    absl::CUnescape(kv.second, &v);
    out[k] = v;
  }
  return out;
}

std::string EncodePeople(const std::vector<std::string>& people) {
  std::vector<std::string> lines;
  for (const auto& p : people) lines.push_back(absl::CEscape(p));
  return absl::StrJoin(lines, "\n");
}

std::vector<std::string> DecodePeople(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::string p;
    absl::CUnescape(line, &p);
    out.push_back(std::move(p));
  }
  return out;
}

// How an exception's status and close source are stored.
constexpr EnumMap<ExceptionStatus, int, 5> kStoredStatus{{{{ExceptionStatus::kOpen, 1},
                                                           {ExceptionStatus::kAcknowledged, 2},
                                                           {ExceptionStatus::kResolved, 3},
                                                           {ExceptionStatus::kDismissed, 4},
                                                           {ExceptionStatus::kSnoozed, 5}}}};
static_assert(kStoredStatus.OneToOne());
constexpr EnumMap<CloseSource, int, 3> kStoredCloseSource{
    {{{CloseSource::kNone, 0}, {CloseSource::kUser, 1}, {CloseSource::kRule, 2}}}};
static_assert(kStoredCloseSource.OneToOne());

int64_t Stored(ExceptionStatus s) { return kStoredStatus.To(s); }
// A stored number this build does not know reads as open (it still shows, and can be closed).
ExceptionStatus StatusOf(int stored) { return kStoredStatus.From(stored).value_or(ExceptionStatus::kOpen); }

// Exceptions a user still works on: open, acknowledged, snoozed; and those past their due day.
const std::string kActive = absl::StrCat(
    "status IN (",
    StoredList(kStoredStatus, {ExceptionStatus::kOpen, ExceptionStatus::kAcknowledged, ExceptionStatus::kSnoozed}),
    ")");
const std::string kOverdueStatuses =
    absl::StrCat("status IN (", StoredList(kStoredStatus, {ExceptionStatus::kOpen, ExceptionStatus::kAcknowledged}), ")");
// Active exceptions and dismissals that still keep their condition quiet.
const std::string kExistingWhere = absl::StrCat("(", kActive, " OR (status = ", Stored(ExceptionStatus::kDismissed),
                                                " AND released = 0))");

ExistingException ReadExisting(sql::ResultSet& rs) {
  ExistingException e;
  e.id = rs.getString(1);
  e.rule = FromStored(kStoredRule, rs.getInt(2));
  e.subject = rs.getString(3);
  e.status = StatusOf(rs.getInt(4));
  e.snoozed_until = db::ReadDay(rs, 5);
  return e;
}

constexpr char kColumns[] =
    "account_id, exception_id, rule, subject, severity, status, evidence, remedy, remedy_detail, target_role,"
    " target_people, due_day, snoozed_until, close_source, opened_day, update_day, assignee, status_reason,"
    " close_day, version";

StoredException ReadStored(sql::ResultSet& rs) {
  StoredException e;
  e.account_id = rs.getString(1);
  e.id = rs.getString(2);
  e.finding.rule = FromStored(kStoredRule, rs.getInt(3));
  e.finding.subject = rs.getString(4);
  e.finding.severity = FromStored(kStoredSeverity, rs.getInt(5));
  e.status = StatusOf(rs.getInt(6));
  e.finding.evidence = DecodeEvidence(rs.getString(7));
  e.finding.remedy = FromStored(kStoredRemedy, rs.getInt(8));
  e.finding.remedy_detail = rs.getString(9);
  e.finding.target_role = rs.getString(10);
  e.finding.target_people = DecodePeople(rs.getString(11));
  e.finding.due_day = db::ReadDay(rs, 12).value_or(absl::CivilDay());
  e.snoozed_until = db::ReadDay(rs, 13);
  e.close_source = kStoredCloseSource.From(rs.getInt(14)).value_or(CloseSource::kNone);
  e.opened_day = db::ReadDay(rs, 15).value_or(absl::CivilDay());
  e.last_seen_day = db::ReadDay(rs, 16).value_or(absl::CivilDay());
  e.assignee = rs.getString(17);
  e.status_reason = rs.getString(18);
  e.close_day = db::ReadDay(rs, 19);
  e.version = rs.getInt64(20);
  return e;
}

std::string OptionalDay(const std::optional<absl::CivilDay>& day) { return day ? FormatDay(*day) : ""; }

// Runs `sql_head` + "IN (…)" over `ids` in padded chunks (one statement shape whatever the
// count), with `leading` parameters first.
void UpdateByIds(Connection& conn, const std::string& sql_head, const std::vector<SqlParam>& leading,
                 const std::vector<std::string>& ids) {
  db::ForEachInChunk(std::vector<SqlParam>(ids.begin(), ids.end()), kRowsPerStatement,
                     [&](const std::string& in, const std::vector<SqlParam>& chunk) {
                       std::vector<SqlParam> params = leading;
                       params.insert(params.end(), chunk.begin(), chunk.end());
                       auto& stmt = conn.Prepare(sql_head + in);
                       BindAll(stmt, params);
                       stmt.executeUpdate();
                     });
}

}  // namespace

absl::StatusOr<std::map<std::string, std::vector<ExistingException>>> MysqlExceptionRepository::Existing(
    const std::vector<std::string>& account_ids) {
  std::map<std::string, std::vector<ExistingException>> out;
  if (account_ids.empty()) return out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    std::vector<SqlParam> params(account_ids.begin(), account_ids.end());
    ForEachRow(conn,
               absl::StrCat("SELECT exception_id, rule, subject, status, snoozed_until, account_id FROM exceptions"
                            " WHERE account_id IN (", Placeholders(account_ids.size()), ") AND ", kExistingWhere),
               params, [&](sql::ResultSet& rs) { out[rs.getString(6)].push_back(ReadExisting(rs)); });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

constexpr char kInsertEvents[] = "INSERT INTO exception_events (account_id, exception_id, event, time_us) VALUES";

absl::StatusOr<ApplyCounts> MysqlExceptionRepository::ApplyBatch(const std::vector<AccountFindings>& batch,
                                                                 absl::CivilDay as_of,
                                                                 std::vector<StoredException>* touched) {
  ApplyCounts counts;
  if (batch.empty()) return counts;
  std::vector<SqlParam> account_ids;
  for (const auto& a : batch) account_ids.emplace_back(a.account_id);
  std::vector<StoredException> out;
  absl::Status status;
  // A concurrent run may commit the same open first: the unique key turns our insert into
  // ALREADY_EXISTS, and the next attempt sees that row and updates it instead.
  for (int attempt = 0; attempt < kApplyAttempts; ++attempt) {
    counts = ApplyCounts{};
    out.clear();
    status = db::RunInTransaction(pool_, [&](Connection& conn) {
      std::map<std::string, std::vector<ExistingException>> existing;
      std::map<std::string, std::pair<absl::CivilDay, std::string>> opened_and_assignee;  // by id
      std::map<std::string, std::pair<std::string, int>> evidence_and_severity;           // by id
      ForEachRow(conn,
                 absl::StrCat("SELECT exception_id, rule, subject, status, snoozed_until, account_id, opened_day,"
                              " assignee, evidence, severity FROM exceptions WHERE account_id IN (",
                              Placeholders(account_ids.size()), ") AND ", kExistingWhere, " FOR UPDATE"),
                 account_ids, [&](sql::ResultSet& rs) {
                   ExistingException e = ReadExisting(rs);
                   opened_and_assignee[e.id] = {db::ReadDay(rs, 7).value_or(as_of), rs.getString(8)};
                   evidence_and_severity[e.id] = {rs.getString(9), rs.getInt(10)};
                   existing[rs.getString(6)].push_back(std::move(e));
                 });
      const int64_t now_us = absl::ToUnixMicros(absl::Now());
      std::vector<std::vector<SqlParam>> events;
      auto event = [&](const std::string& account_id, const std::string& id, ExceptionEvent kind) {
        events.push_back({account_id, id, int64_t{static_cast<int>(kind)}, now_us});
      };
      std::string day = FormatDay(as_of);
      std::vector<std::vector<SqlParam>> inserts, updates;
      std::vector<std::string> resolve, release;
      for (const AccountFindings& a : batch) {
        const std::vector<ExistingException>& stored = existing[a.account_id];
        ReconcilePlan plan = Reconcile(a.findings, stored, as_of);
        for (const Finding& f : plan.open) {
          StoredException e{ids::NewId("exc"), a.account_id, f, a.assignee, ExceptionStatus::kOpen, as_of, as_of};
          event(a.account_id, e.id, ExceptionEvent::kOpened);
          inserts.push_back({e.account_id, e.id, Stored(f.rule), f.subject,
                             Stored(f.severity), EncodeEvidence(f.evidence),
                             Stored(f.remedy), f.remedy_detail, f.target_role,
                             EncodePeople(f.target_people), FormatDay(f.due_day), day, day, a.assignee,
                             Stored(ExceptionStatus::kOpen)});
          if (touched) out.push_back(std::move(e));
        }
        for (const auto& [id, f] : plan.update) {
          ExceptionStatus was = ExceptionStatus::kOpen;
          bool woke = false;
          for (const auto& s : stored) {
            if (s.id == id && s.status == ExceptionStatus::kAcknowledged) was = s.status;
            if (s.id == id && s.status == ExceptionStatus::kSnoozed) woke = true;
          }
          // Found again as it was: no event. New evidence or severity, or a snooze that ended: one.
          const auto& [old_evidence, old_severity] = evidence_and_severity[id];
          if (woke || old_evidence != EncodeEvidence(f.evidence) || old_severity != Stored(f.severity)) {
            event(a.account_id, id, ExceptionEvent::kUpdated);
          }
          // The row is rewritten through its primary key; every column not listed keeps its value.
          updates.push_back({a.account_id, id, Stored(f.rule), f.subject,
                             Stored(f.severity), EncodeEvidence(f.evidence),
                             Stored(f.remedy), f.remedy_detail, f.target_role,
                             EncodePeople(f.target_people), FormatDay(f.due_day), day, day, a.assignee,
                             Stored(ExceptionStatus::kOpen)});
          if (touched) {
            const auto& [opened, assignee] = opened_and_assignee[id];
            out.push_back(StoredException{id, a.account_id, f, assignee, was, opened, as_of});
          }
        }
        resolve.insert(resolve.end(), plan.resolve.begin(), plan.resolve.end());
        for (const std::string& id : plan.resolve) event(a.account_id, id, ExceptionEvent::kResolved);
        release.insert(release.end(), plan.release.begin(), plan.release.end());
        counts.opened += plan.open.size();
        counts.updated += plan.update.size();
        counts.resolved += plan.resolve.size();
      }
      constexpr char kInsert[] =
          "INSERT INTO exceptions (account_id, exception_id, rule, subject, severity, evidence, remedy,"
          " remedy_detail, target_role, target_people, due_day, opened_day, update_day, assignee, status) VALUES";
      db::InsertRows(conn, kInsert, "", 15, inserts, kRowsPerStatement);
      // Fresh evidence on an existing row (matched by its primary key); an expired snooze
      // becomes open again. Due day, assignee and opened day stay as they were.
      static const std::string kRefresh = absl::StrCat(
          " ON DUPLICATE KEY UPDATE severity = VALUES(severity), evidence = VALUES(evidence),"
          " remedy = VALUES(remedy), remedy_detail = VALUES(remedy_detail), target_role = VALUES(target_role),"
          " target_people = VALUES(target_people), snoozed_until = IF(status = ", Stored(ExceptionStatus::kSnoozed),
          ", NULL, snoozed_until), status = IF(status = ", Stored(ExceptionStatus::kSnoozed), ", ",
          Stored(ExceptionStatus::kOpen), ", status), update_day = VALUES(update_day)");
      db::InsertRows(conn, kInsert, kRefresh, 15, updates, kRowsPerStatement);
      static const std::string kResolveByRule = absl::StrCat(
          "UPDATE exceptions SET status = ", Stored(ExceptionStatus::kResolved),
          ", close_source = ", kStoredCloseSource.To(CloseSource::kRule),
          ", close_day = ?, version = version + 1 WHERE exception_id");
      UpdateByIds(conn, kResolveByRule, {day}, resolve);
      UpdateByIds(conn, "UPDATE exceptions SET released = 1 WHERE exception_id", {}, release);
      // Those of the batch's accounts that passed their due day since they were last seen: once.
      std::vector<std::string> due;
      ForEachRow(conn,
                 absl::StrCat("SELECT exception_id, account_id FROM exceptions WHERE account_id IN (",
                              Placeholders(account_ids.size()), ") AND ", kOverdueStatuses,
                              " AND due_announced = 0 AND due_day < ?"),
                 [&] {
                   std::vector<SqlParam> p = account_ids;
                   p.emplace_back(day);
                   return p;
                 }(),
                 [&](sql::ResultSet& rs) {
                   due.push_back(rs.getString(1));
                   event(rs.getString(2), due.back(), ExceptionEvent::kDue);
                 });
      UpdateByIds(conn, "UPDATE exceptions SET due_announced = 1 WHERE exception_id", {}, due);
      db::InsertRows(conn, kInsertEvents, "", 4, events, kRowsPerStatement);
      return absl::OkStatus();
    });
    if (status.code() != absl::StatusCode::kAlreadyExists) break;
  }
  if (!status.ok()) return status;
  if (touched) *touched = std::move(out);
  return counts;
}

absl::Status MysqlExceptionRepository::RecordRun(const ReportRun& run) {
  return db::RunInTransaction(pool_, [&](Connection& conn) {
    auto& stmt = conn.Prepare(
        "INSERT INTO report_runs (run_id, as_of, shard_index, shard_count, dry_run, accounts_scanned, accounts_skipped,"
        " opened, updated, resolved, seconds, finish_time_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    BindAll(stmt, {run.id, FormatDay(run.as_of), static_cast<int64_t>(run.shard_index),
                   static_cast<int64_t>(run.shard_count), static_cast<int64_t>(run.dry_run), run.accounts_scanned,
                   run.accounts_skipped,
                   run.counts.opened, run.counts.updated, run.counts.resolved, run.total_seconds,
                   absl::ToUnixMicros(run.finish_time)});
    stmt.executeUpdate();
    return absl::OkStatus();
  });
}

absl::StatusOr<StoredException> MysqlExceptionRepository::Get(const std::string& id) {
  return db::QueryOne<StoredException>(pool_, absl::StrCat("SELECT ", kColumns, " FROM exceptions WHERE exception_id = ?"),
                                       id, ReadStored, "exception");
}

absl::StatusOr<std::vector<StoredException>> MysqlExceptionRepository::List(const ExceptionQuery& q) {
  db::WhereClause where;
  if (q.status) where.Add("status = ?", {Stored(*q.status)});
  if (q.severity) where.Add("severity = ?", {Stored(*q.severity)});
  if (q.rule) where.Add("rule = ?", {Stored(*q.rule)});
  if (!q.assignee.empty()) where.Add("assignee = ?", {q.assignee});
  if (!q.account_id.empty()) where.Add("account_id = ?", {q.account_id});
  if (q.overdue_on) where.Add(absl::StrCat(kOverdueStatuses, " AND due_day < ?"), {FormatDay(*q.overdue_on)});
  if (q.active_only) where.Add(kActive);
  if (!q.after_account_id.empty() || !q.after_id.empty()) {
    where.Add("(account_id, exception_id) > (?, ?)", {q.after_account_id, q.after_id});
  }
  where.params.emplace_back(static_cast<int64_t>(q.limit));
  return db::QueryRows<StoredException>(
      pool_, absl::StrCat("SELECT ", kColumns, " FROM exceptions WHERE ", where.sql, " ORDER BY account_id, exception_id LIMIT ?"),
      where.params, ReadStored);
}

absl::StatusOr<StoredException> MysqlExceptionRepository::Update(
    const std::string& id, const std::string& action, const std::function<absl::Status(StoredException&)>& mutate,
    const WriteContext& context) {
  return db::TransactionValue<StoredException>(pool_, [&](Connection& conn) -> absl::StatusOr<StoredException> {
    std::optional<StoredException> found;
    ForEachRow(conn, absl::StrCat("SELECT ", kColumns, " FROM exceptions WHERE exception_id = ? FOR UPDATE"), {id},
               [&](sql::ResultSet& rs) { found = ReadStored(rs); });
    if (!found) return NotFoundError("exception", id);
    StoredException before = *found;
    if (absl::Status s = mutate(*found); !s.ok()) return s;
    StoredException& e = *found;
    e.version = before.version + 1;
    auto& stmt = conn.Prepare(
        "UPDATE exceptions SET status = ?, snoozed_until = NULLIF(?, ''), status_reason = ?, close_source = ?,"
        " close_day = NULLIF(?, ''), assignee = ?, version = ? WHERE account_id = ? AND exception_id = ?");
    BindAll(stmt, {Stored(e.status), OptionalDay(e.snoozed_until), e.status_reason,
                   int64_t{kStoredCloseSource.To(e.close_source)}, OptionalDay(e.close_day), e.assignee, e.version, e.account_id,
                   e.id});
    stmt.executeUpdate();
    db::WriteAudit(conn, {e.id, e.account_id, action, {}}, context);
    db::InsertRows(conn, kInsertEvents, "", 4,
                   {{e.account_id, e.id, int64_t{static_cast<int>(EventOfUserChange(before.status, e.status))},
                     absl::ToUnixMicros(context.now)}});
    return e;
  });
}

absl::StatusOr<std::vector<ExceptionEventRecord>> MysqlExceptionRepository::EventsAfter(int64_t after, int limit,
                                                                                    absl::Time now) {
  std::vector<ExceptionEventRecord> out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    std::vector<SqlParam> ids;
    ForEachRow(conn,
               "SELECT sequence, event, time_us, exception_id FROM exception_events WHERE sequence > ?"
               " ORDER BY sequence LIMIT ?",
               {after, int64_t{limit}}, [&](sql::ResultSet& rs) {
                 ExceptionEventRecord e;
                 e.sequence = rs.getInt64(1);
                 e.event = static_cast<ExceptionEvent>(rs.getInt(2));
                 e.time = absl::FromUnixMicros(rs.getInt64(3));
                 e.exception.id = rs.getString(4);
                 ids.emplace_back(e.exception.id);
                 out.push_back(std::move(e));
               });
    db::KeepDeliverable(after, out, now);
    ids.resize(out.size());
    if (ids.empty()) return absl::OkStatus();
    std::map<std::string, StoredException> current;
    ForEachRow(conn,
               absl::StrCat("SELECT ", kColumns, " FROM exceptions WHERE exception_id IN (", Placeholders(ids.size()), ")"),
               ids, [&](sql::ResultSet& rs) {
                 StoredException e = ReadStored(rs);
                 current[e.id] = std::move(e);
               });
    for (auto& e : out) e.exception = current[e.exception.id];
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<int64_t> MysqlExceptionRepository::LastEventSequence() {
  return db::LastSequence(pool_, "exception_events");
}

}  // namespace flywheel::handoff
