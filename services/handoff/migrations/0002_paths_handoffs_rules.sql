-- Success paths and their assignment to accounts, handoffs, tunable exception rules, the
-- audit trail of every write, and what users do to exceptions (assignee, reasons, versions).
CREATE TABLE IF NOT EXISTS success_paths (
  path_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  product VARCHAR(100) NOT NULL,
  name VARCHAR(100) NOT NULL,
  active BOOLEAN NOT NULL,
  version BIGINT NOT NULL,
  create_time_us BIGINT NOT NULL,
  update_time_us BIGINT NOT NULL,
  KEY paths_by_product (product, name)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS path_milestones (
  path_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  position INT NOT NULL,
  milestone_key VARCHAR(100) NOT NULL,
  name VARCHAR(200) NOT NULL,
  criterion VARCHAR(500) NOT NULL,
  due_offset_days INT NOT NULL,
  remedy_title VARCHAR(200) NOT NULL,
  remedy_link VARCHAR(1000) NOT NULL,
  PRIMARY KEY (path_id, position)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS path_assignments (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  path_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  start_day DATE NULL,
  assign_time_us BIGINT NOT NULL,
  KEY assignments_by_path (path_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS handoffs (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  handoff_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  from_team TINYINT NOT NULL,
  to_team TINYINT NOT NULL,
  sending_owner VARCHAR(200) NOT NULL,
  receiving_owner VARCHAR(200) NOT NULL DEFAULT '',
  success_criteria TEXT NOT NULL,
  state TINYINT NOT NULL,
  reject_reason VARCHAR(1000) NOT NULL DEFAULT '',
  sla_days INT NOT NULL,
  submit_time_us BIGINT NULL,
  sla_due_time_us BIGINT NULL,
  accept_time_us BIGINT NULL,
  version BIGINT NOT NULL,
  create_time_us BIGINT NOT NULL,
  update_time_us BIGINT NOT NULL,
  PRIMARY KEY (account_id, handoff_id),
  UNIQUE KEY handoff_by_id (handoff_id),
  KEY handoffs_by_state (state, sla_due_time_us)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS exception_rules (
  rule TINYINT NOT NULL PRIMARY KEY,
  enabled BOOLEAN NOT NULL,
  severity TINYINT NOT NULL,
  sla_days INT NOT NULL,
  threshold DOUBLE NOT NULL,
  version BIGINT NOT NULL
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS audit_log (
  resource_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  sequence BIGINT NOT NULL,
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  time_us BIGINT NOT NULL,
  principal VARCHAR(200) NOT NULL DEFAULT '',
  action VARCHAR(40) CHARACTER SET ascii NOT NULL,
  changed_fields VARCHAR(1000) NOT NULL DEFAULT '',
  request_id VARCHAR(128) NOT NULL DEFAULT '',
  PRIMARY KEY (resource_id, sequence)
) ENGINE=InnoDB;

-- A dismissed exception keeps its condition quiet while it lasts; `released` is set when a
-- run no longer finds the condition, so that it can open again later.
ALTER TABLE exceptions
  ADD COLUMN IF NOT EXISTS assignee VARCHAR(200) NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS status_reason VARCHAR(1000) NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS close_day DATE NULL,
  ADD COLUMN IF NOT EXISTS released BOOLEAN NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS version BIGINT NOT NULL DEFAULT 1,
  ADD KEY IF NOT EXISTS exceptions_by_assignee (assignee, status);
