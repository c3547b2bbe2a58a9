-- Live health: an account whose score inputs changed is marked in the same transaction as the
-- change, and the service's rescorer claims marks (FOR UPDATE SKIP LOCKED, so replicas take each
-- once) and removes them once the new score is stored. A mark keeps its first time.
CREATE TABLE IF NOT EXISTS rescore_marks (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  mark_time_us BIGINT NOT NULL,
  PRIMARY KEY (account_id),
  KEY marks_by_time (mark_time_us)
) ENGINE=InnoDB;
