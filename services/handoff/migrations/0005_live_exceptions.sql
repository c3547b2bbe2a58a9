-- Live exceptions. Every change of an exception (opened, updated with new evidence, resolved
-- by its rule or a user, snoozed, acknowledged, dismissed, reassigned) leaves an event row in the
-- same transaction; WatchExceptions streams them in `sequence` order with the exception as it is
-- when read.
CREATE TABLE IF NOT EXISTS exception_events (
  sequence BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  exception_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  event TINYINT NOT NULL,
  time_us BIGINT NOT NULL
) ENGINE=InnoDB;

-- An open or acknowledged exception whose due day has passed is announced once (event "due"),
-- by the first run or live evaluation of its account after that day.
ALTER TABLE exceptions ADD COLUMN IF NOT EXISTS due_announced TINYINT NOT NULL DEFAULT 0;

-- Where this service is in the streams it follows (health's change stream): the resume token
-- of the last change whose account's rules were evaluated.
CREATE TABLE IF NOT EXISTS stream_cursors (
  stream VARCHAR(64) CHARACTER SET ascii NOT NULL PRIMARY KEY,
  resume_token VARCHAR(1024) CHARACTER SET ascii NOT NULL,
  update_time_us BIGINT NOT NULL
) ENGINE=InnoDB;
