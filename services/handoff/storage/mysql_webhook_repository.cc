#include "services/handoff/storage/mysql_webhook_repository.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/db/audit.h"
#include "common/db/request_log.h"
#include "common/db/sql_params.h"
#include "common/ids/ids.h"
#include "common/status/errors.h"

namespace flywheel::handoff {
namespace {

using db::Connection;
using db::ForEachRow;
using db::SqlParam;

constexpr char kWebhookColumns[] = "webhook_id, url, secret, kinds, format, max_attempts, create_time_us";
constexpr char kDeliveryColumns[] =
    "sequence, delivery_id, webhook_id, account_id, event_id, event_type, event_time_us, body, state, attempts,"
    " last_status_code, last_error, create_time_us, next_attempt_us, delivered_time_us";

std::string StoredKinds(const std::vector<WebhookKind>& kinds) {
  std::vector<int> values;
  for (WebhookKind k : kinds) values.push_back(static_cast<int>(k));
  return absl::StrJoin(values, ",");
}

Webhook ReadWebhook(sql::ResultSet& rs) {
  Webhook w;
  w.id = rs.getString(1);
  w.url = rs.getString(2);
  w.secret = rs.getString(3);
  for (absl::string_view part : absl::StrSplit(std::string(rs.getString(4)), ',', absl::SkipEmpty())) {
    int k = 0;
    if (absl::SimpleAtoi(part, &k) && (k == 1 || k == 2)) w.kinds.push_back(static_cast<WebhookKind>(k));
  }
  w.format = rs.getInt(5) == 2 ? WebhookFormat::kSlack : WebhookFormat::kJson;
  w.max_attempts = rs.getInt(6);
  w.create_time = absl::FromUnixMicros(rs.getInt64(7));
  return w;
}

QueuedDelivery ReadDelivery(sql::ResultSet& rs) {
  QueuedDelivery q;
  q.sequence = rs.getInt64(1);
  Delivery& d = q.delivery;
  d.id = rs.getString(2);
  d.webhook_id = rs.getString(3);
  d.event.account_id = rs.getString(4);
  d.event.id = rs.getString(5);
  d.event.type = rs.getString(6);
  d.event.time = absl::FromUnixMicros(rs.getInt64(7));
  d.body = rs.getString(8);
  int state = rs.getInt(9);
  d.state = state == 2 ? DeliveryState::kDelivered : state == 3 ? DeliveryState::kDead : DeliveryState::kPending;
  d.attempts = rs.getInt(10);
  d.last_status_code = rs.getInt(11);
  d.last_error = rs.getString(12);
  d.create_time = absl::FromUnixMicros(rs.getInt64(13));
  d.next_attempt_time = absl::FromUnixMicros(rs.getInt64(14));
  if (!rs.isNull(15)) d.delivered_time = absl::FromUnixMicros(rs.getInt64(15));
  return q;
}

std::vector<Webhook> LiveWebhooks(Connection& conn) {
  std::vector<Webhook> out;
  ForEachRow(conn, absl::StrCat("SELECT ", kWebhookColumns, " FROM webhooks WHERE deleted = 0 ORDER BY create_time_us"),
             {}, [&](sql::ResultSet& rs) { out.push_back(ReadWebhook(rs)); });
  return out;
}

// A queue row for `event` to `webhook` with `body`, first try at `now`.
std::vector<SqlParam> DeliveryRow(const std::string& delivery_id, const Webhook& webhook, const WebhookEvent& event,
                                  std::string body, int64_t now) {
  return {delivery_id, webhook.id, event.account_id, event.id, event.type, absl::ToUnixMicros(event.time),
          std::move(body), int64_t{static_cast<int>(DeliveryState::kPending)}, now, now};
}

constexpr char kInsertDeliveries[] =
    "INSERT INTO webhook_deliveries (delivery_id, webhook_id, account_id, event_id, event_type, event_time_us, body,"
    " state, create_time_us, next_attempt_us) VALUES";
constexpr char kOnceEach[] = " ON DUPLICATE KEY UPDATE sequence = sequence";

}  // namespace

absl::StatusOr<CreateResult> MysqlWebhookRepository::Create(const Webhook& w, const WriteContext& context,
                                                            const std::optional<IdempotencyRecord>& idempotency) {
  return db::CreateIdempotently(pool_, idempotency, "CreateWebhook", context.now, [&](Connection& conn) {
    auto& stmt = conn.Prepare(absl::StrCat("INSERT INTO webhooks (", kWebhookColumns, ") VALUES (?, ?, ?, ?, ?, ?, ?)"));
    db::BindAll(stmt, {w.id, w.url, w.secret, StoredKinds(w.kinds), int64_t{static_cast<int>(w.format)},
                       int64_t{w.max_attempts}, absl::ToUnixMicros(w.create_time)});
    stmt.executeUpdate();
    db::WriteAudit(conn, {w.id, "", "CREATE_WEBHOOK", {"url", "kinds", "format", "max_attempts"}}, context);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<Webhook>> MysqlWebhookRepository::List() {
  std::vector<Webhook> out;
  absl::Status status = db::RunOnConnection(pool_, [&](Connection& conn) {
    out = LiveWebhooks(conn);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::Status MysqlWebhookRepository::Delete(const std::string& id, const WriteContext& context) {
  return db::RunInTransaction(pool_, [&](Connection& conn) -> absl::Status {
    auto& del = conn.Prepare("UPDATE webhooks SET deleted = 1 WHERE webhook_id = ? AND deleted = 0");
    db::BindAll(del, {id});
    if (del.executeUpdate() == 0) return NotFoundError("webhook", id);
    // What waits for it is not sent: dead, with the reason.
    auto& drop = conn.Prepare("UPDATE webhook_deliveries SET state = 3, last_error = 'endpoint deleted'"
                              " WHERE webhook_id = ? AND state = 1");
    db::BindAll(drop, {id});
    drop.executeUpdate();
    db::WriteAudit(conn, {id, "", "DELETE_WEBHOOK", {}}, context);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::string> MysqlWebhookRepository::StreamCursor(const std::string& stream) {
  return db::LoadStreamCursor(pool_, stream);
}

absl::Status MysqlWebhookRepository::Enqueue(WebhookKind kind, const std::vector<WebhookEvent>& events,
                                             const std::function<std::string(size_t, WebhookFormat)>& encode,
                                             const db::StreamPosition& position) {
  return db::RunInTransaction(pool_, [&](Connection& conn) {
    const int64_t now = absl::ToUnixMicros(absl::Now());
    std::vector<std::vector<SqlParam>> rows;
    if (!events.empty()) {
      for (const Webhook& w : LiveWebhooks(conn)) {
        if (!Takes(w, kind)) continue;
        for (size_t i = 0; i < events.size(); ++i) {
          rows.push_back(DeliveryRow(ids::NewId("dlv"), w, events[i], encode(i, w.format), now));
        }
      }
    }
    db::InsertRows(conn, kInsertDeliveries, kOnceEach, 10, rows, 100);
    db::SaveStreamCursor(conn, position.stream, position.token);
    return absl::OkStatus();
  });
}

absl::StatusOr<Delivery> MysqlWebhookRepository::EnqueueOne(const std::string& webhook_id, const WebhookEvent& event,
                                                            const std::function<std::string(WebhookFormat)>& encode,
                                                            absl::Time now) {
  return db::TransactionValue<Delivery>(pool_, [&](Connection& conn) -> absl::StatusOr<Delivery> {
    std::optional<Webhook> found;
    for (Webhook& w : LiveWebhooks(conn)) {
      if (w.id == webhook_id) found = std::move(w);
    }
    if (!found) return NotFoundError("webhook", webhook_id);
    Delivery d;
    d.id = ids::NewId("dlv");
    d.webhook_id = webhook_id;
    d.event = event;
    d.body = encode(found->format);
    d.create_time = d.next_attempt_time = absl::FromUnixMicros(absl::ToUnixMicros(now));
    db::InsertRows(conn, kInsertDeliveries, kOnceEach, 10,
                   {DeliveryRow(d.id, *found, event, d.body, absl::ToUnixMicros(now))});
    return d;
  });
}

absl::Status MysqlWebhookRepository::ClaimDue(
    int limit, absl::Time now, const std::function<void(std::vector<std::pair<Delivery, Webhook>>&)>& deliver) {
  return db::RunInTransaction(pool_, [&](Connection& conn) {
    // Candidates: due, and the oldest pending delivery of their endpoint and account (a plain
    // read); then those no other claimer holds, locked.
    std::vector<SqlParam> candidates;
    ForEachRow(conn,
               "SELECT d.sequence FROM webhook_deliveries d WHERE d.state = 1 AND d.next_attempt_us <= ?"
               " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = d.webhook_id"
               " AND e.account_id = d.account_id AND e.state = 1 AND e.sequence < d.sequence)"
               " ORDER BY d.next_attempt_us, d.sequence LIMIT ?",
               {absl::ToUnixMicros(now), int64_t{limit}}, [&](sql::ResultSet& rs) { candidates.emplace_back(rs.getInt64(1)); });
    if (candidates.empty()) return absl::OkStatus();
    std::vector<QueuedDelivery> claimed;
    ForEachRow(conn,
               absl::StrCat("SELECT ", kDeliveryColumns, " FROM webhook_deliveries WHERE sequence IN (",
                            db::Placeholders(candidates.size()), ") AND state = 1 FOR UPDATE SKIP LOCKED"),
               candidates, [&](sql::ResultSet& rs) { claimed.push_back(ReadDelivery(rs)); });
    if (claimed.empty()) return absl::OkStatus();
    std::map<std::string, Webhook> hooks;
    ForEachRow(conn, absl::StrCat("SELECT ", kWebhookColumns, " FROM webhooks WHERE deleted = 0"), {},
               [&](sql::ResultSet& rs) {
                 Webhook w = ReadWebhook(rs);
                 hooks[w.id] = std::move(w);
               });
    std::vector<std::pair<Delivery, Webhook>> batch;
    std::vector<Delivery> orphans;  // queued while their endpoint was being deleted
    for (QueuedDelivery& q : claimed) {
      auto hook = hooks.find(q.delivery.webhook_id);
      if (hook == hooks.end()) {
        q.delivery.state = DeliveryState::kDead;
        q.delivery.last_error = "endpoint deleted";
        orphans.push_back(std::move(q.delivery));
      } else {
        batch.emplace_back(std::move(q.delivery), hook->second);
      }
    }
    if (!batch.empty()) deliver(batch);
    for (const auto& [d, hook] : batch) orphans.push_back(d);
    for (const Delivery& d : orphans) {
      auto& update = conn.Prepare(
          "UPDATE webhook_deliveries SET state = ?, attempts = ?, last_status_code = ?, last_error = ?,"
          " next_attempt_us = ?, delivered_time_us = ? WHERE delivery_id = ?");
      db::BindAll(update, {int64_t{static_cast<int>(d.state)}, int64_t{d.attempts}, int64_t{d.last_status_code},
                           d.last_error.substr(0, 500), absl::ToUnixMicros(d.next_attempt_time),
                           d.delivered_time ? absl::ToUnixMicros(*d.delivered_time) : int64_t{0}, d.id});
      if (!d.delivered_time) update.setNull(6, sql::DataType::BIGINT);
      update.executeUpdate();
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<QueuedDelivery>> MysqlWebhookRepository::ListDeliveries(const DeliveryQuery& q) {
  db::WhereClause where;
  if (!q.webhook_id.empty()) where.Add("webhook_id = ?", {q.webhook_id});
  if (q.state) where.Add("state = ?", {int64_t{static_cast<int>(*q.state)}});
  if (q.before_sequence > 0) where.Add("sequence < ?", {q.before_sequence});
  where.params.emplace_back(int64_t{q.limit});
  return db::QueryRows<QueuedDelivery>(
      pool_,
      absl::StrCat("SELECT ", kDeliveryColumns, " FROM webhook_deliveries WHERE ", where.sql,
                   " ORDER BY sequence DESC LIMIT ?"),
      where.params, ReadDelivery);
}

absl::StatusOr<int64_t> MysqlWebhookRepository::Replay(const std::string& webhook_id, const std::vector<std::string>& ids,
                                                       absl::Time now) {
  return db::TransactionValue<int64_t>(pool_, [&](Connection& conn) -> absl::StatusOr<int64_t> {
    db::WhereClause where;
    where.Add("state = 3");
    where.Add("webhook_id IN (SELECT webhook_id FROM webhooks WHERE deleted = 0)");
    if (!webhook_id.empty()) where.Add("webhook_id = ?", {webhook_id});
    if (!ids.empty()) {
      where.Add(absl::StrCat("delivery_id IN (", db::Placeholders(ids.size()), ")"),
                std::vector<SqlParam>(ids.begin(), ids.end()));
    }
    std::vector<SqlParam> params = {absl::ToUnixMicros(now)};
    params.insert(params.end(), where.params.begin(), where.params.end());
    auto& stmt = conn.Prepare(absl::StrCat(
        "UPDATE webhook_deliveries SET state = 1, attempts = 0, last_error = '', next_attempt_us = ? WHERE ", where.sql));
    db::BindAll(stmt, params);
    return static_cast<int64_t>(stmt.executeUpdate());
  });
}

}  // namespace flywheel::handoff
