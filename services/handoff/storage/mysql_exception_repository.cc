#include "services/handoff/storage/mysql_exception_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/db/sql_params.h"
#include "common/ids/ids.h"

namespace flywheel::handoff {
namespace {

using db::BindAll;
using db::Connection;
using db::ForEachRow;
using db::FormatDay;
using db::SqlParam;

constexpr int kCloseSourceRule = 1;
constexpr int kApplyAttempts = 3;

ExistingException ReadExisting(sql::ResultSet& rs) {
  ExistingException e;
  e.id = rs.getString(1);
  e.rule = static_cast<Rule>(rs.getInt(2));
  e.subject = rs.getString(3);
  e.status = static_cast<ExceptionStatus>(rs.getInt(4));
  e.snoozed_until = db::ReadDay(rs, 5);
  return e;
}

std::string EvidenceText(const Finding& f) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : f.evidence) parts.push_back(absl::StrCat(k, "=", v));
  return absl::StrJoin(parts, ";");
}

constexpr char kExistingSql[] =
    "SELECT exception_id, rule, subject, status, snoozed_until FROM exceptions WHERE account_id = ?"
    " AND status IN (1, 2, 4, 5)";

}  // namespace

absl::StatusOr<std::map<std::string, std::vector<ExistingException>>> MysqlExceptionRepository::Existing(
    const std::vector<std::string>& account_ids) {
  std::map<std::string, std::vector<ExistingException>> out;
  if (account_ids.empty()) return out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    std::vector<SqlParam> params(account_ids.begin(), account_ids.end());
    ForEachRow(conn,
               absl::StrCat("SELECT exception_id, rule, subject, status, snoozed_until, account_id FROM exceptions"
                            " WHERE account_id IN (", db::Placeholders(account_ids.size()), ") AND status IN (1, 2, 4, 5)"),
               params, [&](sql::ResultSet& rs) { out[rs.getString(6)].push_back(ReadExisting(rs)); });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<ApplyCounts> MysqlExceptionRepository::Apply(const std::string& account_id,
                                                            const std::vector<Finding>& findings,
                                                            absl::CivilDay as_of) {
  ApplyCounts counts;
  absl::Status status;
  // A concurrent run may commit the same open first: the unique key turns our insert into
  // ALREADY_EXISTS, and the next attempt sees that row and updates it instead.
  for (int attempt = 0; attempt < kApplyAttempts; ++attempt) {
    counts = ApplyCounts{};
    status = db::RunInTransaction(pool_, [&](Connection& conn) {
      std::vector<ExistingException> existing;
      ForEachRow(conn, absl::StrCat(kExistingSql, " FOR UPDATE"), {account_id},
                 [&](sql::ResultSet& rs) { existing.push_back(ReadExisting(rs)); });
      ReconcilePlan plan = Reconcile(findings, existing, as_of);
      std::string day = FormatDay(as_of);
      for (const Finding& f : plan.open) {
        auto& stmt = conn.Prepare(
            "INSERT INTO exceptions (account_id, exception_id, rule, subject, severity, status, evidence, remedy,"
            " remedy_detail, target_role, target_people, due_day, opened_day, update_day)"
            " VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)");
        BindAll(stmt, {account_id, ids::NewId("exc"), static_cast<int64_t>(f.rule), f.subject,
                       static_cast<int64_t>(f.severity), EvidenceText(f), static_cast<int64_t>(f.remedy), f.remedy_detail,
                       f.target_role, absl::StrJoin(f.target_people, ","), FormatDay(f.due_day), day, day});
        stmt.executeUpdate();
        ++counts.opened;
      }
      for (const auto& [id, f] : plan.update) {
        // Fresh evidence; an expired snooze becomes open again.
        auto& stmt = conn.Prepare(
            "UPDATE exceptions SET severity = ?, evidence = ?, remedy = ?, remedy_detail = ?, target_role = ?,"
            " target_people = ?, status = IF(status = 5, 1, status), snoozed_until = IF(status = 1, NULL, snoozed_until),"
            " update_day = ? WHERE account_id = ? AND exception_id = ?");
        BindAll(stmt, {static_cast<int64_t>(f.severity), EvidenceText(f), static_cast<int64_t>(f.remedy), f.remedy_detail,
                       f.target_role, absl::StrJoin(f.target_people, ","), day, account_id, id});
        stmt.executeUpdate();
        ++counts.updated;
      }
      for (const auto& id : plan.resolve) {
        auto& stmt = conn.Prepare(
            "UPDATE exceptions SET status = 3, close_source = ?, update_day = ? WHERE account_id = ? AND exception_id = ?");
        BindAll(stmt, {int64_t{kCloseSourceRule}, day, account_id, id});
        stmt.executeUpdate();
        ++counts.resolved;
      }
      return absl::OkStatus();
    });
    if (status.code() != absl::StatusCode::kAlreadyExists) break;
  }
  if (!status.ok()) return status;
  return counts;
}

absl::Status MysqlExceptionRepository::RecordRun(const ReportRun& run) {
  return db::RunInTransaction(pool_, [&](Connection& conn) {
    auto& stmt = conn.Prepare(
        "INSERT INTO report_runs (run_id, as_of, shard_index, shard_count, dry_run, accounts_scanned, opened, updated,"
        " resolved, seconds, finish_time_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    BindAll(stmt, {run.id, FormatDay(run.as_of), static_cast<int64_t>(run.shard_index),
                   static_cast<int64_t>(run.shard_count), static_cast<int64_t>(run.dry_run), run.accounts_scanned,
                   run.counts.opened, run.counts.updated, run.counts.resolved, run.seconds,
                   absl::ToUnixMicros(absl::Now())});
    stmt.executeUpdate();
    return absl::OkStatus();
  });
}

}  // namespace flywheel::handoff
