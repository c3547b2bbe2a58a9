#include "services/health/storage/mysql_health_repository.h"

#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/types/span.h"
#include "common/db/audit.h"
#include "common/db/change_log.h"
#include "common/db/request_log.h"
#include "common/db/sql_params.h"
#include "common/db/stream_cursor.h"
#include "common/enums/enum_map.h"
#include "common/status/errors.h"

namespace flywheel::health {
namespace {

// How scores' enums are stored: each pairing written once (see common/enums/enum_map.h). The
// numbers are those of the first migration's rows.
constexpr EnumMap<Band, int, 4> kStoredBand{
    {{{Band::kUnknown, 1}, {Band::kRed, 2}, {Band::kAmber, 3}, {Band::kGreen, 4}}}};
constexpr EnumMap<Quadrant, int, 5> kStoredQuadrant{{{{Quadrant::kUnknown, 1}, {Quadrant::kThriving, 2},
                                                      {Quadrant::kCaptive, 3}, {Quadrant::kDormant, 4},
                                                      {Quadrant::kAtRisk, 5}}}};
constexpr EnumMap<Trend, int, 4> kStoredTrend{
    {{{Trend::kUnknown, 1}, {Trend::kUp, 2}, {Trend::kFlat, 3}, {Trend::kDown, 4}}}};
constexpr EnumMap<ValueLevel, int, 5> kStoredValueLevel{{{{ValueLevel::kNone, 1}, {ValueLevel::kPresence, 2},
                                                          {ValueLevel::kUseCases, 3}, {ValueLevel::kValue, 4},
                                                          {ValueLevel::kRoi, 5}}}};
static_assert(kStoredBand.OneToOne() && kStoredQuadrant.OneToOne() && kStoredTrend.OneToOne() &&
              kStoredValueLevel.OneToOne());

int64_t Stored(Band v) { return kStoredBand.To(v); }
int64_t Stored(Quadrant v) { return kStoredQuadrant.To(v); }
int64_t Stored(Trend v) { return kStoredTrend.To(v); }
int64_t Stored(ValueLevel v) { return kStoredValueLevel.To(v); }

using db::BindAll;
using db::Connection;
using db::EpochDay;
using db::ForEachRow;
using db::FormatDay;
using db::Placeholders;
using db::ReadEpochDay;
using db::SqlParam;

constexpr size_t kRowsPerInsert = 500;
// A large write of readings is split between this many transactions, run as pieces (side by
// side in the service: one connection's statements run on one database core), from
// kSplitReadingsFrom readings on (below, another transaction costs more than it saves).
constexpr size_t kUsageWriters = 3;
constexpr size_t kSplitReadingsFrom = 2000;
constexpr char kScoreColumns[] =
    "account_id, as_of, overall, band, quadrant, trend, trend_delta, value_level, account_name, csm_owner,"
    " arr_currency, arr_minor, value_currency, value_target_minor, value_projected_minor, value_gap_minor";
constexpr char kScorecardColumns[] =
    "scorecard_id, version, name, w_presence, w_use_cases, w_value, w_nps, w_csat, red_max, amber_max,"
    " key_use_cases, presence_target, update_time_us";

std::vector<SqlParam> IdParams(const std::vector<std::string>& ids) { return {ids.begin(), ids.end()}; }

absl::CivilDay Day(sql::ResultSet& rs, int column) { return db::ReadDay(rs, column).value_or(absl::CivilDay()); }

UsageReading ReadUsage(sql::ResultSet& rs) {
  return UsageReading{rs.getString(1), Day(rs, 2), rs.getString(3), static_cast<double>(rs.getDouble(4)),
                      rs.getString(5)};
}

SurveyResponse ReadSurvey(sql::ResultSet& rs) {
  SurveyResponse s;
  s.account_id = rs.getString(1);
  s.response_id = rs.getString(2);
  s.kind = static_cast<SurveyKind>(rs.getInt(3));
  s.score = rs.getInt(4);
  s.respondent = rs.getString(5);
  s.reason = rs.getString(6);
  s.channel = rs.getString(7);
  s.time = absl::FromUnixMicros(rs.getInt64(8));
  return s;
}
constexpr char kSurveyColumns[] = "account_id, response_id, kind, score, respondent, reason, channel, time_us";

ValueRecord ReadValue(sql::ResultSet& rs) {
  return ValueRecord{rs.getString(1), rs.getString(2), Money{rs.getString(3), rs.getInt64(4)}, Day(rs, 5),
                     rs.getString(6)};
}
constexpr char kValueColumns[] = "account_id, record_id, currency, minor_units, day, description";


Scorecard ReadScorecard(sql::ResultSet& rs) {
  Scorecard s;
  s.id = rs.getString(1);
  s.version = rs.getInt64(2);
  s.name = rs.getString(3);
  s.weights = {rs.getDouble(4), rs.getDouble(5), rs.getDouble(6), rs.getDouble(7), rs.getDouble(8)};
  s.red_max = rs.getDouble(9);
  s.amber_max = rs.getDouble(10);
  std::string keys = rs.getString(11);
  if (!keys.empty()) s.key_use_cases = absl::StrSplit(keys, ',');
  s.presence_target = rs.getDouble(12);
  s.update_time = absl::FromUnixMicros(rs.getInt64(13));
  return s;
}

std::vector<SqlParam> ScorecardParams(const Scorecard& s) {
  return {s.id, s.version, s.name, s.weights.presence, s.weights.use_cases, s.weights.value, s.weights.nps,
          s.weights.csat, s.red_max, s.amber_max, absl::StrJoin(s.key_use_cases, ","), s.presence_target,
          absl::ToUnixMicros(s.update_time)};
}

StoredScore ReadScore(sql::ResultSet& rs) {
  StoredScore s;
  s.account_id = rs.getString(1);
  s.as_of = Day(rs, 2);
  if (!rs.isNull(3)) s.overall = rs.getDouble(3);
  s.band = FromStored(kStoredBand, rs.getInt(4));
  s.quadrant = FromStored(kStoredQuadrant, rs.getInt(5));
  s.trend = FromStored(kStoredTrend, rs.getInt(6));
  s.trend_delta = rs.getDouble(7);
  s.value_level = FromStored(kStoredValueLevel, rs.getInt(8));
  s.account_name = rs.getString(9);
  s.csm_owner = rs.getString(10);
  std::string arr_currency = rs.getString(11);
  if (!arr_currency.empty()) s.arr = Money{arr_currency, rs.getInt64(12)};
  std::string value_currency = rs.getString(13);
  if (!value_currency.empty()) s.value_target = Money{value_currency, rs.getInt64(14)};
  s.value_projected_minor = rs.getInt64(15);
  s.value_gap_minor = rs.getInt64(16);
  return s;
}

std::vector<SqlParam> ScoreParams(const StoredScore& s) {
  SqlParam overall = s.overall ? SqlParam(*s.overall) : db::kSqlNull;
  return {s.account_id,
          FormatDay(s.as_of),
          overall,
          Stored(s.band),
          Stored(s.quadrant),
          Stored(s.trend),
          s.trend_delta,
          Stored(s.value_level),
          s.account_name,
          s.csm_owner,
          s.arr ? s.arr->currency_code : "",
          s.arr ? s.arr->minor_units : 0,
          s.value_target ? s.value_target->currency_code : "",
          s.value_target ? s.value_target->minor_units : 0,
          s.value_projected_minor,
          s.value_gap_minor};
}

// One transaction that inserts or replaces `readings`, kRowsPerInsert to a statement.
// Marks `account_ids` for the live rescore in the caller's transaction, in id order (so that
// writers lock marks in one order); an existing mark keeps its time.
void Mark(Connection& conn, std::vector<std::string> account_ids) {
  std::sort(account_ids.begin(), account_ids.end());
  account_ids.erase(std::unique(account_ids.begin(), account_ids.end()), account_ids.end());
  int64_t now = absl::ToUnixMicros(absl::Now());
  for (size_t start = 0; start < account_ids.size(); start += kRowsPerInsert) {
    size_t n = std::min(kRowsPerInsert, account_ids.size() - start);
    std::string sql = "INSERT INTO rescore_marks (account_id, mark_time_us) VALUES ";
    std::vector<SqlParam> params;
    for (size_t i = 0; i < n; ++i) {
      sql.append(i == 0 ? "(?, ?)" : ", (?, ?)");
      params.insert(params.end(), {account_ids[start + i], now});
    }
    sql.append(" ON DUPLICATE KEY UPDATE mark_time_us = mark_time_us");
    auto& stmt = conn.Prepare(sql);
    BindAll(stmt, params);
    stmt.executeUpdate();
  }
}

absl::Status WriteUsage(db::ConnectionPool& pool, absl::Span<const UsageReading* const> readings, int64_t now,
                        bool mark) {
  return db::RunInTransaction(pool, [&](Connection& conn) {
    if (mark) {
      std::vector<std::string> marked;
      marked.reserve(readings.size());
      for (const UsageReading* r : readings) marked.push_back(r->account_id);
      Mark(conn, std::move(marked));
    }
    for (size_t start = 0; start < readings.size(); start += kRowsPerInsert) {
      size_t n = std::min(kRowsPerInsert, readings.size() - start);
      std::string sql = "INSERT INTO usage_readings (account_id, metric, day, source, value, recorded_us) VALUES ";
      for (size_t i = 0; i < n; ++i) sql.append(i == 0 ? "(?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?)");
      sql.append(" ON DUPLICATE KEY UPDATE value = VALUES(value), recorded_us = VALUES(recorded_us)");
      std::vector<SqlParam> params;
      params.reserve(n * 6);
      for (size_t i = start; i < start + n; ++i) {
        const UsageReading& r = *readings[i];
        params.insert(params.end(), {r.account_id, r.metric, FormatDay(r.day), r.source, r.value, now});
      }
      auto& stmt = conn.Prepare(sql);
      BindAll(stmt, params);
      stmt.executeUpdate();
    }
    return absl::OkStatus();
  });
}

}  // namespace

absl::StatusOr<int64_t> MysqlHealthRepository::RecordUsage(const std::vector<UsageReading>& readings) {
  const int64_t now = absl::ToUnixMicros(absl::Now());
  std::vector<const UsageReading*> ordered;
  ordered.reserve(readings.size());
  for (const auto& r : readings) ordered.push_back(&r);
  absl::Status status;
  if (readings.size() < kSplitReadingsFrom) {
    status = WriteUsage(pool_, ordered, now, mark_inputs_);
  } else {
    // Grouped by account (stable: a key given twice keeps its last value), then cut between
    // accounts into parts of about equal size, which share no key, so their order does not matter.
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const UsageReading* a, const UsageReading* b) { return a->account_id < b->account_id; });
    std::vector<absl::Span<const UsageReading* const>> parts;
    size_t begin = 0;
    for (size_t k = 1; k <= kUsageWriters && begin < ordered.size(); ++k) {
      size_t end = ordered.size() * k / kUsageWriters;
      while (end > begin && end < ordered.size() && ordered[end]->account_id == ordered[end - 1]->account_id) ++end;
      if (end <= begin) continue;
      parts.push_back(absl::MakeConstSpan(ordered).subspan(begin, end - begin));
      begin = end;
    }
    std::vector<std::function<absl::Status()>> writes;
    for (const auto& part : parts) writes.push_back([this, part, now] { return WriteUsage(pool_, part, now, mark_inputs_); });
    status = run_pieces_(std::move(writes));
  }
  if (!status.ok()) return status;
  return static_cast<int64_t>(readings.size());
}

absl::StatusOr<SurveyResponse> MysqlHealthRepository::RecordSurvey(const SurveyResponse& r) {
  SurveyResponse stored;
  absl::Status status = db::RunInTransaction(pool_, [&](Connection& conn) {
    auto& insert = conn.Prepare(absl::StrCat("INSERT IGNORE INTO survey_responses (", kSurveyColumns,
                                             ", day) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    BindAll(insert, {r.account_id, r.response_id, static_cast<int64_t>(r.kind), static_cast<int64_t>(r.score),
                     r.respondent, r.reason, r.channel, absl::ToUnixMicros(r.time),
                     FormatDay(absl::ToCivilDay(r.time, absl::UTCTimeZone()))});
    insert.executeUpdate();
    ForEachRow(conn, absl::StrCat("SELECT ", kSurveyColumns, " FROM survey_responses WHERE account_id = ? AND response_id = ?"),
               {r.account_id, r.response_id}, [&](sql::ResultSet& rs) { stored = ReadSurvey(rs); });
    if (mark_inputs_) Mark(conn, {r.account_id});
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return stored;
}

absl::StatusOr<ValueRecord> MysqlHealthRepository::RecordValue(const ValueRecord& r) {
  ValueRecord stored;
  absl::Status status = db::RunInTransaction(pool_, [&](Connection& conn) {
    auto& insert = conn.Prepare(absl::StrCat("INSERT IGNORE INTO value_records (", kValueColumns, ") VALUES (?, ?, ?, ?, ?, ?)"));
    BindAll(insert, {r.account_id, r.record_id, r.amount.currency_code, r.amount.minor_units, FormatDay(r.day), r.description});
    insert.executeUpdate();
    ForEachRow(conn, absl::StrCat("SELECT ", kValueColumns, " FROM value_records WHERE account_id = ? AND record_id = ?"),
               {r.account_id, r.record_id}, [&](sql::ResultSet& rs) { stored = ReadValue(rs); });
    if (mark_inputs_) Mark(conn, {r.account_id});
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return stored;
}

absl::StatusOr<SignalWindow> MysqlHealthRepository::ListSignals(const std::string& account_id, SignalFilter kind,
                                                                const std::string& metric, absl::CivilDay start,
                                                                absl::CivilDay end) {
  SignalWindow out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    std::vector<SqlParam> range = {account_id, FormatDay(start), FormatDay(end)};
    if (kind == SignalFilter::kAll || kind == SignalFilter::kUsage) {
      std::vector<SqlParam> params = range;
      std::string sql =
          "SELECT account_id, day, metric, value, source FROM usage_readings WHERE account_id = ? AND day BETWEEN ? AND ?";
      if (!metric.empty()) {
        sql += " AND metric = ?";
        params.emplace_back(metric);
      }
      ForEachRow(conn, sql + " ORDER BY day, metric, source", params,
                 [&](sql::ResultSet& rs) { out.usage.push_back(ReadUsage(rs)); });
    }
    if (kind == SignalFilter::kAll || kind == SignalFilter::kSurvey) {
      ForEachRow(conn, absl::StrCat("SELECT ", kSurveyColumns, " FROM survey_responses WHERE account_id = ? AND day BETWEEN ? AND ? ORDER BY time_us, response_id"),
                 range, [&](sql::ResultSet& rs) { out.surveys.push_back(ReadSurvey(rs)); });
    }
    if (kind == SignalFilter::kAll || kind == SignalFilter::kValue) {
      ForEachRow(conn, absl::StrCat("SELECT ", kValueColumns, " FROM value_records WHERE account_id = ? AND day BETWEEN ? AND ? ORDER BY day, record_id"),
                 range, [&](sql::ResultSet& rs) { out.values.push_back(ReadValue(rs)); });
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::map<std::string, SignalWindow>> MysqlHealthRepository::LoadScoringSignals(
    const std::vector<std::string>& ids, absl::CivilDay as_of) {
  std::map<std::string, SignalWindow> out;
  if (ids.empty()) return out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    std::string in = Placeholders(ids.size());
    auto params = [&](absl::CivilDay first) {
      std::vector<SqlParam> p = IdParams(ids);
      p.emplace_back(FormatDay(first));
      p.emplace_back(FormatDay(as_of));
      return p;
    };
    // Usage is reduced in the database to what scoring reads: per day, the largest
    // active_users_28d of the presence window, and each use case with an event in its window
    // (as one reading on the last day it had one).
    auto reduced = [&](sql::ResultSet& rs) {
      UsageReading r{rs.getString(1), *ReadEpochDay(rs, 2), rs.getString(3), rs.getDouble(4), ""};
      out[r.account_id].usage.push_back(std::move(r));
    };
    ForEachRow(conn,
               absl::StrCat("SELECT account_id, ", EpochDay("day"), ", metric, MAX(value) FROM usage_readings"
                            " WHERE account_id IN (", in, ") AND metric = 'active_users_28d' AND day > ? AND day <= ?"
                            " GROUP BY account_id, day"),
               params(as_of - kPresenceWindowDays), reduced);
    ForEachRow(conn,
               absl::StrCat("SELECT account_id, ", EpochDay("MAX(day)"), ", metric, 1 FROM usage_readings"
                            " WHERE account_id IN (", in, ") AND metric LIKE 'use\\_case.%' AND value >= 1"
                            " AND day > ? AND day <= ? GROUP BY account_id, metric"),
               params(as_of - kUseCaseWindowDays), reduced);
    ForEachRow(conn,
               absl::StrCat("SELECT ", kSurveyColumns, " FROM survey_responses WHERE account_id IN (", in,
                            ") AND day > ? AND day <= ?"),
               params(as_of - kSurveyWindowDays), [&](sql::ResultSet& rs) {
                 SurveyResponse s = ReadSurvey(rs);
                 out[s.account_id].surveys.push_back(std::move(s));
               });
    ForEachRow(conn,
               absl::StrCat("SELECT ", kValueColumns, " FROM value_records WHERE account_id IN (", in,
                            ") AND day >= ? AND day <= ?"),
               params(SignalWindowStart(as_of)), [&](sql::ResultSet& rs) {
                 ValueRecord v = ReadValue(rs);
                 out[v.account_id].values.push_back(std::move(v));
               });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::map<std::string, SignalWindow>> MysqlHealthRepository::LoadSeriesSignals(
    const std::vector<std::string>& ids, const std::vector<std::string>& metrics, bool surveys, absl::CivilDay first,
    absl::CivilDay end) {
  std::map<std::string, SignalWindow> out;
  if (ids.empty()) return out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    std::string in = Placeholders(ids.size());
    if (!metrics.empty()) {
      std::vector<SqlParam> p = IdParams(ids);
      for (const auto& m : metrics) p.emplace_back(m);
      p.emplace_back(FormatDay(first));
      p.emplace_back(FormatDay(end));
      ForEachRow(conn,
                 absl::StrCat("SELECT account_id, ", EpochDay("day"), ", metric, MAX(value) FROM usage_readings"
                              " WHERE account_id IN (", in, ") AND metric IN (", Placeholders(metrics.size()),
                              ") AND day >= ? AND day <= ? GROUP BY account_id, metric, day"),
                 p, [&](sql::ResultSet& rs) {
                   UsageReading r{rs.getString(1), *ReadEpochDay(rs, 2), rs.getString(3),
                                  rs.getDouble(4), ""};
                   out[r.account_id].usage.push_back(std::move(r));
                 });
    }
    if (surveys) {
      std::vector<SqlParam> p = IdParams(ids);
      p.emplace_back(FormatDay(first));
      p.emplace_back(FormatDay(end));
      ForEachRow(conn,
                 absl::StrCat("SELECT ", kSurveyColumns, " FROM survey_responses WHERE account_id IN (", in,
                              ") AND day >= ? AND day <= ?"),
                 p, [&](sql::ResultSet& rs) {
                   SurveyResponse s = ReadSurvey(rs);
                   out[s.account_id].surveys.push_back(std::move(s));
                 });
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::Status MysqlHealthRepository::EnsureDefaultScorecard(const Scorecard& scorecard) {
  return db::RunOnConnection(pool_, [&](Connection& conn) {
    auto& stmt = conn.Prepare(absl::StrCat("INSERT IGNORE INTO scorecards (", kScorecardColumns, ") VALUES (",
                                           Placeholders(13), ")"));
    BindAll(stmt, ScorecardParams(scorecard));
    stmt.executeUpdate();
    return absl::OkStatus();
  });
}

absl::StatusOr<Scorecard> MysqlHealthRepository::GetScorecard(const std::string& id) {
  std::optional<Scorecard> found;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    ForEachRow(conn, absl::StrCat("SELECT ", kScorecardColumns, " FROM scorecards WHERE scorecard_id = ?"), {id},
               [&](sql::ResultSet& rs) { found = ReadScorecard(rs); });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!found) return NotFoundError("scorecard", id);
  return *found;
}

absl::StatusOr<std::vector<Scorecard>> MysqlHealthRepository::ListScorecards() {
  std::vector<Scorecard> out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    ForEachRow(conn, absl::StrCat("SELECT ", kScorecardColumns, " FROM scorecards ORDER BY scorecard_id"), {},
               [&](sql::ResultSet& rs) { out.push_back(ReadScorecard(rs)); });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<CreateResult> MysqlHealthRepository::CreateScorecard(const Scorecard& scorecard,
                                                                    const WriteContext& context,
                                                                    const std::optional<IdempotencyRecord>& idempotency) {
  return db::CreateIdempotently(pool_, idempotency, "CreateScorecard", context.now, [&](Connection& conn) {
    auto& stmt = conn.Prepare(absl::StrCat("INSERT INTO scorecards (", kScorecardColumns, ") VALUES (", Placeholders(13), ")"));
    BindAll(stmt, ScorecardParams(scorecard));
    stmt.executeUpdate();
    db::WriteAudit(conn, {scorecard.id, "", "CREATE", {}}, context);
    return absl::OkStatus();
  });
}

absl::StatusOr<Scorecard> MysqlHealthRepository::UpdateScorecard(const std::string& id,
                                                                  const std::function<absl::Status(Scorecard&)>& mutate,
                                                                  const WriteContext& context) {
  Scorecard result;
  absl::Status status = db::RunInTransaction(pool_, [&](Connection& conn) -> absl::Status {
    std::optional<Scorecard> current;
    ForEachRow(conn, absl::StrCat("SELECT ", kScorecardColumns, " FROM scorecards WHERE scorecard_id = ? FOR UPDATE"),
               {id}, [&](sql::ResultSet& rs) { current = ReadScorecard(rs); });
    if (!current) return NotFoundError("scorecard", id);
    Scorecard next = *current;
    if (absl::Status s = mutate(next); !s.ok()) return s;
    next.id = current->id;
    next.version = current->version + 1;
    next.update_time = context.now;
    auto& stmt = conn.Prepare(
        "UPDATE scorecards SET scorecard_id = ?, version = ?, name = ?, w_presence = ?, w_use_cases = ?, w_value = ?,"
        " w_nps = ?, w_csat = ?, red_max = ?, amber_max = ?, key_use_cases = ?, presence_target = ?,"
        " update_time_us = ? WHERE scorecard_id = ?");
    std::vector<SqlParam> params = ScorecardParams(next);
    params.emplace_back(id);
    BindAll(stmt, params);
    stmt.executeUpdate();
    db::WriteAudit(conn, {id, "", "UPDATE", {}}, context);
    // The accounts assigned this scorecard score by its new version. (The default scorecard's
    // accounts are every unassigned one; they are not marked: a full RescorePortfolio covers them.)
    std::vector<std::string> assigned;
    ForEachRow(conn, "SELECT account_id FROM scorecard_assignments WHERE scorecard_id = ?", {id},
               [&](sql::ResultSet& rs) { assigned.push_back(rs.getString(1)); });
    if (mark_inputs_) Mark(conn, std::move(assigned));
    result = next;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::Status MysqlHealthRepository::AssignScorecard(const std::string& account_id, const std::string& scorecard_id,
                                                    const WriteContext& context) {
  return db::RunInTransaction(pool_, [&](Connection& conn) {
    if (scorecard_id == kDefaultScorecardId) {
      auto& del = conn.Prepare("DELETE FROM scorecard_assignments WHERE account_id = ?");
      BindAll(del, {account_id});
      del.executeUpdate();
    } else {
      auto& up = conn.Prepare(
          "INSERT INTO scorecard_assignments (account_id, scorecard_id) VALUES (?, ?)"
          " ON DUPLICATE KEY UPDATE scorecard_id = VALUES(scorecard_id)");
      BindAll(up, {account_id, scorecard_id});
      up.executeUpdate();
    }
    db::WriteAudit(conn, {account_id, account_id, "ASSIGN_SCORECARD", {scorecard_id}}, context);
    if (mark_inputs_) Mark(conn, {account_id});
    return absl::OkStatus();
  });
}

absl::StatusOr<std::map<std::string, std::string>> MysqlHealthRepository::Assignments(const std::vector<std::string>& ids) {
  std::map<std::string, std::string> out;
  if (ids.empty()) return out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    ForEachRow(conn,
               absl::StrCat("SELECT account_id, scorecard_id FROM scorecard_assignments WHERE account_id IN (",
                            Placeholders(ids.size()), ")"),
               IdParams(ids), [&](sql::ResultSet& rs) { out[rs.getString(1)] = rs.getString(2); });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::Status MysqlHealthRepository::SetOverride(const std::string& account_id, const Override& o,
                                                const WriteContext& context) {
  return db::RunInTransaction(pool_, [&](Connection& conn) {
    auto& stmt = conn.Prepare(
        "REPLACE INTO overrides (account_id, value, reason, author, expire_time_us, create_time_us, on_behalf_of)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)");
    BindAll(stmt, {account_id, o.value, o.reason, o.author, absl::ToUnixMicros(o.expire_time),
                   absl::ToUnixMicros(o.create_time), o.on_behalf_of});
    stmt.executeUpdate();
    db::WriteAudit(conn, {account_id, account_id, "SET_OVERRIDE", {"value", "reason", "expire_time"}}, context);
    if (mark_inputs_) Mark(conn, {account_id});
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> MysqlHealthRepository::ClearOverride(const std::string& account_id, const WriteContext& context) {
  int removed = 0;
  absl::Status status = db::RunInTransaction(pool_, [&](Connection& conn) {
    auto& stmt = conn.Prepare("DELETE FROM overrides WHERE account_id = ?");
    BindAll(stmt, {account_id});
    removed = stmt.executeUpdate();
    if (removed > 0) {
      db::WriteAudit(conn, {account_id, account_id, "CLEAR_OVERRIDE", {}}, context);
      if (mark_inputs_) Mark(conn, {account_id});
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return removed > 0;
}

absl::StatusOr<std::map<std::string, Override>> MysqlHealthRepository::Overrides(const std::vector<std::string>& ids) {
  std::map<std::string, Override> out;
  if (ids.empty()) return out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    ForEachRow(conn,
               absl::StrCat("SELECT account_id, value, reason, author, expire_time_us, create_time_us, on_behalf_of"
                            " FROM overrides WHERE account_id IN (", Placeholders(ids.size()), ")"),
               IdParams(ids), [&](sql::ResultSet& rs) {
                 out[rs.getString(1)] =
                     Override{rs.getDouble(2), rs.getString(3), rs.getString(4), absl::FromUnixMicros(rs.getInt64(5)),
                              absl::FromUnixMicros(rs.getInt64(6)), rs.getString(7)};
               });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<int64_t> MysqlHealthRepository::StoreScores(const std::vector<StoredScore>& scores, ScoreCause cause) {
  int64_t changes = 0;
  if (scores.empty()) return changes;
  absl::Status status = db::RunInTransaction(pool_, [&](Connection& conn) {
    changes = 0;
    std::vector<std::string> ids;
    for (const auto& s : scores) ids.push_back(s.account_id);
    struct Previous {
      absl::CivilDay as_of;
      Band band;
      Quadrant quadrant;
    };
    std::map<std::string, Previous> previous;
    ForEachRow(conn,
               absl::StrCat("SELECT account_id, as_of, band, quadrant FROM health_latest WHERE account_id IN (",
                            Placeholders(ids.size()), ") FOR UPDATE"),
               IdParams(ids), [&](sql::ResultSet& rs) {
                 previous[rs.getString(1)] = {Day(rs, 2), FromStored(kStoredBand, rs.getInt(3)), FromStored(kStoredQuadrant, rs.getInt(4))};
               });
    int64_t now = absl::ToUnixMicros(absl::Now());
    // History: every score, in multi-row statements.
    std::vector<std::unique_ptr<std::istringstream>> details;
    for (size_t first = 0; first < scores.size(); first += kRowsPerInsert) {
      size_t n = std::min(kRowsPerInsert, scores.size() - first);
      std::string sql = absl::StrCat("REPLACE INTO health_scores (", kScoreColumns, ", detail, compute_time_us) VALUES ");
      for (size_t i = 0; i < n; ++i) absl::StrAppend(&sql, i ? ", (" : "(", Placeholders(18), ")");
      auto& history = conn.Prepare(sql);
      for (size_t i = 0; i < n; ++i) {
        const StoredScore& s = scores[first + i];
        int base = static_cast<int>(i * 18) + 1;
        db::BindAll(history, ScoreParams(s), base);
        details.push_back(std::make_unique<std::istringstream>(s.detail));
        history.setBlob(base + 16, details.back().get());
        history.setInt64(base + 17, absl::ToUnixMicros(s.compute_time));
      }
      history.executeUpdate();
      details.clear();
    }
    // Latest: scores for a day no older than the account's current latest.
    std::vector<const StoredScore*> newer;
    for (const auto& s : scores) {
      auto it = previous.find(s.account_id);
      if (it == previous.end() || it->second.as_of <= s.as_of) newer.push_back(&s);
    }
    std::vector<std::vector<SqlParam>> latest;
    for (const StoredScore* s : newer) latest.push_back(ScoreParams(*s));
    db::InsertRows(conn, absl::StrCat("REPLACE INTO health_latest (", kScoreColumns, ") VALUES"), "", 16, latest,
                   kRowsPerInsert);
    // Changes: band or quadrant differ from the previous latest.
    for (const StoredScore* s : newer) {
      auto it = previous.find(s->account_id);
      Band before_band = it == previous.end() ? Band::kUnknown : it->second.band;
      Quadrant before_quadrant = it == previous.end() ? Quadrant::kUnknown : it->second.quadrant;
      const bool moved = before_band != s->band || before_quadrant != s->quadrant;
      if (!moved && cause != ScoreCause::kSignal) continue;
      auto& change = conn.Prepare(
          "INSERT INTO health_changes (account_id, as_of, previous_band, band, previous_quadrant, quadrant, overall,"
          " csm_owner, time_us, cause) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      BindAll(change, {s->account_id, FormatDay(s->as_of), Stored(before_band),
                       Stored(s->band), Stored(before_quadrant),
                       Stored(s->quadrant), s->overall.value_or(-1), s->csm_owner, now,
                       int64_t{static_cast<int>(cause)}});
      if (!s->overall) change.setNull(7, sql::DataType::DOUBLE);
      change.executeUpdate();
      if (moved) ++changes;
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return changes;
}

absl::StatusOr<std::vector<StoredScore>> MysqlHealthRepository::GetScores(const std::vector<std::string>& account_ids,
                                                                          absl::CivilDay day) {
  std::vector<StoredScore> found;
  if (account_ids.empty()) return found;
  const std::string head =
      absl::StrCat("SELECT ", kScoreColumns, ", detail, compute_time_us FROM health_scores WHERE as_of = ? AND account_id");
  auto read = [&](sql::ResultSet& rs) {
    StoredScore score = ReadScore(rs);
    score.detail = rs.getString(17);
    score.compute_time = absl::FromUnixMicros(rs.getInt64(18));
    found.push_back(std::move(score));
  };
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    if (account_ids.size() == 1) {
      ForEachRow(conn, head + " = ?", {FormatDay(day), account_ids[0]}, read);
      return absl::OkStatus();
    }
    db::ForEachInChunk(IdParams(account_ids), db::IdChunkFor(account_ids.size()),
                       [&](const std::string& in, const std::vector<SqlParam>& ids) {
                         std::vector<SqlParam> params = {FormatDay(day)};
                         params.insert(params.end(), ids.begin(), ids.end());
                         ForEachRow(conn, head + in, params, read);
                       });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<std::map<std::string, std::optional<double>>> MysqlHealthRepository::OverallOn(
    const std::vector<std::string>& ids, absl::CivilDay day) {
  std::map<std::string, std::optional<double>> out;
  if (ids.empty()) return out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    std::vector<SqlParam> params = IdParams(ids);
    params.emplace_back(FormatDay(day));
    ForEachRow(conn,
               absl::StrCat("SELECT account_id, overall FROM health_scores WHERE account_id IN (", Placeholders(ids.size()),
                            ") AND as_of = ?"),
               params, [&](sql::ResultSet& rs) {
                 out[rs.getString(1)] = rs.isNull(2) ? std::nullopt : std::optional<double>(rs.getDouble(2));
               });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::vector<StoredScore>> MysqlHealthRepository::ListLatest(const LatestFilter& f) {
  std::vector<std::string> where = {"account_id > ?"};
  std::vector<SqlParam> params = {f.after_account_id};
  if (f.band) {
    where.push_back("band = ?");
    params.emplace_back(Stored(*f.band));
  }
  if (f.quadrant) {
    where.push_back("quadrant = ?");
    params.emplace_back(Stored(*f.quadrant));
  }
  if (f.trend) {
    where.push_back("trend = ?");
    params.emplace_back(Stored(*f.trend));
  }
  if (f.value_level) {
    where.push_back("value_level = ?");
    params.emplace_back(Stored(*f.value_level));
  }
  if (!f.csm_owner.empty()) {
    where.push_back("csm_owner = ?");
    params.emplace_back(f.csm_owner);
  }
  params.emplace_back(static_cast<int64_t>(f.limit));
  std::vector<StoredScore> out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    ForEachRow(conn,
               absl::StrCat("SELECT ", kScoreColumns, " FROM health_latest WHERE ", absl::StrJoin(where, " AND "),
                            " ORDER BY account_id LIMIT ?"),
               params, [&](sql::ResultSet& rs) { out.push_back(ReadScore(rs)); });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::vector<StoredScore>> MysqlHealthRepository::History(const std::string& account_id,
                                                                       absl::CivilDay start, absl::CivilDay end) {
  std::vector<StoredScore> out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    ForEachRow(conn,
               absl::StrCat("SELECT ", kScoreColumns, " FROM health_scores WHERE account_id = ? AND as_of BETWEEN ? AND ?"
                            " ORDER BY as_of"),
               {account_id, FormatDay(start), FormatDay(end)}, [&](sql::ResultSet& rs) { out.push_back(ReadScore(rs)); });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::vector<HealthChangeRecord>> MysqlHealthRepository::ChangesAfter(int64_t sequence, int limit,
                                                                                  absl::Time now) {
  std::vector<HealthChangeRecord> out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    ForEachRow(conn,
               "SELECT sequence, account_id, as_of, previous_band, band, previous_quadrant, quadrant, overall, csm_owner,"
               " time_us, cause FROM health_changes WHERE sequence > ? ORDER BY sequence LIMIT ?",
               {sequence, static_cast<int64_t>(limit)}, [&](sql::ResultSet& rs) {
                 HealthChangeRecord c;
                 c.sequence = rs.getInt64(1);
                 c.account_id = rs.getString(2);
                 c.as_of = Day(rs, 3);
                 c.previous_band = FromStored(kStoredBand, rs.getInt(4));
                 c.band = FromStored(kStoredBand, rs.getInt(5));
                 c.previous_quadrant = FromStored(kStoredQuadrant, rs.getInt(6));
                 c.quadrant = FromStored(kStoredQuadrant, rs.getInt(7));
                 if (!rs.isNull(8)) c.overall = rs.getDouble(8);
                 c.csm_owner = rs.getString(9);
                 c.time = absl::FromUnixMicros(rs.getInt64(10));
                 c.cause = rs.getInt(11) == 1 ? ScoreCause::kSignal : ScoreCause::kRescore;
                 out.push_back(std::move(c));
               });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  db::KeepDeliverable(sequence, out, now);
  return out;
}

absl::StatusOr<int64_t> MysqlHealthRepository::LastChangeSequence() {
  return db::LastSequence(pool_, "health_changes");
}

absl::Status MysqlHealthRepository::MarkAccounts(const std::vector<std::string>& account_ids,
                                                const std::optional<db::StreamPosition>& position) {
  if (account_ids.empty() && !position) return absl::OkStatus();
  return db::RunInTransaction(pool_, [&](Connection& conn) {
    if (!account_ids.empty()) Mark(conn, account_ids);
    if (position) db::SaveStreamCursor(conn, position->stream, position->token);
    return absl::OkStatus();
  });
}

absl::Status MysqlHealthRepository::MarkExpiredOverrides(absl::Time now) {
  return db::RunInTransaction(pool_, [&](Connection& conn) {
    std::vector<std::string> expired;
    ForEachRow(conn, "SELECT account_id FROM overrides WHERE expiry_marked = 0 AND expire_time_us <= ? FOR UPDATE",
               {absl::ToUnixMicros(now)}, [&](sql::ResultSet& rs) { expired.push_back(rs.getString(1)); });
    if (expired.empty()) return absl::OkStatus();
    Mark(conn, expired);
    auto& done = conn.Prepare(
        absl::StrCat("UPDATE overrides SET expiry_marked = 1 WHERE account_id IN (", Placeholders(expired.size()), ")"));
    BindAll(done, IdParams(expired));
    done.executeUpdate();
    return absl::OkStatus();
  });
}

absl::StatusOr<std::string> MysqlHealthRepository::StreamCursor(const std::string& stream) {
  return db::LoadStreamCursor(pool_, stream);
}

absl::Status MysqlHealthRepository::ClaimMarks(
    int limit, const std::function<absl::Status(const std::vector<std::string>&)>& rescore) {
  return db::RunInTransaction(pool_, [&](Connection& conn) -> absl::Status {
    std::vector<std::string> claimed;
    ForEachRow(conn,
               "SELECT account_id FROM rescore_marks ORDER BY mark_time_us, account_id LIMIT ? FOR UPDATE SKIP LOCKED",
               {static_cast<int64_t>(limit)}, [&](sql::ResultSet& rs) { claimed.push_back(rs.getString(1)); });
    if (absl::Status s = rescore(claimed); !s.ok()) return s;
    if (claimed.empty()) return absl::OkStatus();
    auto& del = conn.Prepare(absl::StrCat("DELETE FROM rescore_marks WHERE account_id IN (", Placeholders(claimed.size()), ")"));
    BindAll(del, IdParams(claimed));
    del.executeUpdate();
    return absl::OkStatus();
  });
}

}  // namespace flywheel::health
