-- Accounts, their CRM identifiers, labels and audit trail. Every table keys on account_id
-- first so the data can later be sharded by account.
CREATE TABLE IF NOT EXISTS accounts (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  name VARCHAR(200) NOT NULL,
  parent_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NULL,
  segment VARCHAR(100) NOT NULL DEFAULT '',
  industry VARCHAR(100) NOT NULL DEFAULT '',
  region VARCHAR(100) NOT NULL DEFAULT '',
  arr_currency CHAR(3) CHARACTER SET ascii NULL,
  arr_minor BIGINT NULL,
  licensed_seats BIGINT NOT NULL DEFAULT 0,
  lifecycle_stage VARCHAR(20) CHARACTER SET ascii NOT NULL,
  csm_owner VARCHAR(200) NOT NULL DEFAULT '',
  contract_start DATE NULL,
  renewal_date DATE NULL,
  value_target_currency CHAR(3) CHARACTER SET ascii NULL,
  value_target_minor BIGINT NULL,
  value_target_description VARCHAR(200) NOT NULL DEFAULT '',
  version BIGINT NOT NULL,
  create_time_us BIGINT NOT NULL,
  update_time_us BIGINT NOT NULL,
  delete_time_us BIGINT NULL,
  PRIMARY KEY (account_id),
  KEY accounts_by_name (name, account_id),
  KEY accounts_by_update (update_time_us, account_id),
  KEY accounts_by_parent (parent_id),
  KEY accounts_by_csm (csm_owner)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS account_external_ids (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  source VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  external_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  PRIMARY KEY (account_id, source),
  UNIQUE KEY external_id_owner (source, external_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS account_labels (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  label_key VARCHAR(63) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  label_value VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  PRIMARY KEY (account_id, label_key),
  KEY labels_by_key (label_key, label_value(64))
) ENGINE=InnoDB;

-- One row per write; sequence is the account's version after the write.
CREATE TABLE IF NOT EXISTS account_audit (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  sequence BIGINT NOT NULL,
  time_us BIGINT NOT NULL,
  principal VARCHAR(200) NOT NULL DEFAULT '',
  action VARCHAR(20) CHARACTER SET ascii NOT NULL,
  changed_fields VARCHAR(1000) NOT NULL DEFAULT '',
  request_id VARCHAR(128) NOT NULL DEFAULT '',
  PRIMARY KEY (account_id, sequence)
) ENGINE=InnoDB;
