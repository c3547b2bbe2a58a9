-- Stakeholders, their CRM ids and audit trail; RACI; change initiatives. Account-scoped
-- tables key on account_id first.
CREATE TABLE IF NOT EXISTS stakeholders (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  stakeholder_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  name VARCHAR(200) NOT NULL,
  email VARCHAR(254) NOT NULL,
  title VARCHAR(200) NOT NULL DEFAULT '',
  function_name VARCHAR(100) NOT NULL DEFAULT '',
  role TINYINT NOT NULL,
  decision_authority BOOLEAN NOT NULL DEFAULT FALSE,
  engagement TINYINT NOT NULL,
  is_primary BOOLEAN NOT NULL DEFAULT FALSE,
  version BIGINT NOT NULL,
  create_time_us BIGINT NOT NULL,
  update_time_us BIGINT NOT NULL,
  delete_time_us BIGINT NULL,
  -- One live stakeholder per (account, email, ignoring case); deleted ones free the address.
  live_email VARCHAR(254) AS (IF(delete_time_us IS NULL, LOWER(email), NULL)) PERSISTENT,
  PRIMARY KEY (account_id, stakeholder_id),
  UNIQUE KEY stakeholder_by_id (stakeholder_id),
  UNIQUE KEY live_email_per_account (account_id, live_email),
  KEY stakeholders_by_name (account_id, name, stakeholder_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS stakeholder_external_ids (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  stakeholder_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  source VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  external_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  PRIMARY KEY (account_id, stakeholder_id, source),
  UNIQUE KEY stakeholder_external_owner (source, external_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS stakeholder_audit (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  stakeholder_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  sequence BIGINT NOT NULL,
  time_us BIGINT NOT NULL,
  principal VARCHAR(200) NOT NULL DEFAULT '',
  action VARCHAR(20) CHARACTER SET ascii NOT NULL,
  changed_fields VARCHAR(1000) NOT NULL DEFAULT '',
  request_id VARCHAR(128) NOT NULL DEFAULT '',
  PRIMARY KEY (account_id, stakeholder_id, sequence)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS raci_activities (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  activity_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  name VARCHAR(200) NOT NULL,
  description TEXT NOT NULL,
  PRIMARY KEY (account_id, activity_id),
  UNIQUE KEY activity_by_id (activity_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS raci_assignments (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  activity_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  stakeholder_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  letter TINYINT NOT NULL,
  PRIMARY KEY (account_id, activity_id, stakeholder_id, letter)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS change_initiatives (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  initiative_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  owner_stakeholder_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  title VARCHAR(200) NOT NULL,
  description TEXT NOT NULL,
  needs_training BOOLEAN NOT NULL,
  needs_communication BOOLEAN NOT NULL,
  needs_organisational_change BOOLEAN NOT NULL,
  awareness TINYINT NOT NULL,
  stage TINYINT NOT NULL,
  create_time_us BIGINT NOT NULL,
  update_time_us BIGINT NOT NULL,
  PRIMARY KEY (account_id, initiative_id),
  UNIQUE KEY initiative_by_id (initiative_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS initiative_impacts (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  initiative_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  position INT NOT NULL,
  stakeholder_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  role TINYINT NOT NULL DEFAULT 0,
  impact TINYINT NOT NULL,
  PRIMARY KEY (account_id, initiative_id, position)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS initiative_follow_ups (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  initiative_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  position INT NOT NULL,
  kind TINYINT NOT NULL,
  role TINYINT NOT NULL,
  assignee_stakeholder_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  description VARCHAR(500) NOT NULL,
  PRIMARY KEY (account_id, initiative_id, position)
) ENGINE=InnoDB;
