-- The change log WatchAccountChanges streams (health follows it to rescore the accounts whose
-- seats, value target, contract start, stage or deletion changed). One row per audit entry,
-- written in the same transaction; `sequence` is the resume point.
CREATE TABLE IF NOT EXISTS account_changes (
  sequence BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  version BIGINT NOT NULL,
  action VARCHAR(20) CHARACTER SET ascii NOT NULL,
  changed_fields VARCHAR(1000) NOT NULL DEFAULT '',
  time_us BIGINT NOT NULL
) ENGINE=InnoDB;
