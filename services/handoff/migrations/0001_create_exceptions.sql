-- Exceptions and report runs. An account has at most one active (open, acknowledged or
-- snoozed) exception per (rule, subject): the database enforces it, so two runs of one shard
-- at once still yield each exception once.
CREATE TABLE IF NOT EXISTS exceptions (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  exception_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  rule TINYINT NOT NULL,
  subject VARCHAR(100) NOT NULL DEFAULT '',
  severity TINYINT NOT NULL,
  status TINYINT NOT NULL,
  evidence TEXT NOT NULL,
  remedy TINYINT NOT NULL,
  remedy_detail VARCHAR(1000) NOT NULL DEFAULT '',
  target_role VARCHAR(40) NOT NULL DEFAULT '',
  target_people TEXT NOT NULL,
  due_day DATE NOT NULL,
  snoozed_until DATE NULL,
  close_source TINYINT NOT NULL DEFAULT 0,
  opened_day DATE NOT NULL,
  update_day DATE NOT NULL,
  active_key VARCHAR(120) AS (IF(status IN (1, 2, 5), CONCAT(rule, '|', subject), NULL)) PERSISTENT,
  PRIMARY KEY (account_id, exception_id),
  UNIQUE KEY exception_by_id (exception_id),
  UNIQUE KEY one_active_per_condition (account_id, active_key)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS report_runs (
  run_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  as_of DATE NOT NULL,
  shard_index INT NOT NULL,
  shard_count INT NOT NULL,
  dry_run BOOLEAN NOT NULL,
  accounts_scanned BIGINT NOT NULL,
  opened BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  resolved BIGINT NOT NULL,
  seconds DOUBLE NOT NULL,
  finish_time_us BIGINT NOT NULL
) ENGINE=InnoDB;
