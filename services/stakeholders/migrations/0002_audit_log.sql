-- The audit trail in the shape every service keeps (common/db/audit.h), for stakeholders, RACI
-- and change initiatives alike; the stakeholders' entries written before move into it.
CREATE TABLE IF NOT EXISTS audit_log (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  entry_id BIGINT NOT NULL AUTO_INCREMENT,
  resource_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  time_us BIGINT NOT NULL,
  principal VARCHAR(200) NOT NULL DEFAULT '',
  action VARCHAR(40) CHARACTER SET ascii NOT NULL,
  changed_fields VARCHAR(1000) NOT NULL DEFAULT '',
  request_id VARCHAR(128) NOT NULL DEFAULT '',
  PRIMARY KEY (account_id, entry_id),
  UNIQUE KEY audit_by_entry (entry_id),
  KEY audit_by_resource (resource_id, entry_id)
) ENGINE=InnoDB;

INSERT INTO audit_log (account_id, resource_id, time_us, principal, action, changed_fields, request_id)
  SELECT account_id, stakeholder_id, time_us, principal, action, changed_fields, request_id
  FROM stakeholder_audit ORDER BY time_us, stakeholder_id, sequence;

DROP TABLE stakeholder_audit;
