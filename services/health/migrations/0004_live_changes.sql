-- Live health. A change row now also records why the score was stored: 0 a portfolio rescore
-- (rows only for band or quadrant changes), 1 live rescoring after an input changed (a row for
-- every account rescored, which the handoff service follows to re-evaluate exception rules).
ALTER TABLE health_changes ADD COLUMN IF NOT EXISTS cause TINYINT NOT NULL DEFAULT 0;

-- Where this service is in the streams it follows (the accounts' change stream): the resume
-- token of the last change applied, stored in the same transaction as the change's effect.
CREATE TABLE IF NOT EXISTS stream_cursors (
  stream VARCHAR(64) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  resume_token VARCHAR(1024) CHARACTER SET ascii NOT NULL,
  update_time_us BIGINT NOT NULL
) ENGINE=InnoDB;

-- An override that expires changes the score without any write: the live rescorer marks each
-- expired override's account once (expiry_marked), a new override starts unmarked.
ALTER TABLE overrides ADD COLUMN IF NOT EXISTS expiry_marked TINYINT NOT NULL DEFAULT 0;
ALTER TABLE overrides ADD INDEX IF NOT EXISTS overrides_by_expiry (expiry_marked, expire_time_us);
