-- Webhooks. An endpoint's queue of deliveries: one row per event and endpoint (the pair is
-- unique, so an event queued twice, as at-least-once processing may, is delivered once). Rows
-- are queued in the transaction that stores the event's position in its source: the exception
-- events (exception_events, by sequence) or health's change stream (stream_cursors). The body
-- is encoded when queued, so every try and a replay send the same bytes.
CREATE TABLE IF NOT EXISTS webhooks (
  webhook_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  url VARCHAR(2000) NOT NULL,
  secret VARBINARY(256) NOT NULL,
  kinds VARCHAR(100) CHARACTER SET ascii NOT NULL DEFAULT '',
  format TINYINT NOT NULL,
  max_attempts INT NOT NULL,
  create_time_us BIGINT NOT NULL,
  deleted TINYINT NOT NULL DEFAULT 0
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS webhook_deliveries (
  sequence BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  delivery_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  webhook_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  event_id VARCHAR(80) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  event_type VARCHAR(64) CHARACTER SET ascii NOT NULL,
  event_time_us BIGINT NOT NULL,
  body MEDIUMTEXT NOT NULL,
  state TINYINT NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  last_status_code INT NOT NULL DEFAULT 0,
  last_error VARCHAR(500) NOT NULL DEFAULT '',
  create_time_us BIGINT NOT NULL,
  next_attempt_us BIGINT NOT NULL,
  delivered_time_us BIGINT NULL,
  UNIQUE KEY delivery_by_id (delivery_id),
  UNIQUE KEY one_delivery_per_event (webhook_id, event_id),
  KEY due (state, next_attempt_us),
  KEY in_order (webhook_id, account_id, state, sequence)
) ENGINE=InnoDB;
