-- Signals, scorecards, overrides and scores. Account-scoped tables key on account_id first.
CREATE TABLE IF NOT EXISTS usage_readings (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  metric VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  day DATE NOT NULL,
  source VARCHAR(64) NOT NULL DEFAULT '',
  value DOUBLE NOT NULL,
  recorded_us BIGINT NOT NULL,
  PRIMARY KEY (account_id, metric, day, source)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS survey_responses (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  response_id VARCHAR(128) NOT NULL,
  kind TINYINT NOT NULL,
  score INT NOT NULL,
  respondent VARCHAR(200) NOT NULL,
  reason TEXT NOT NULL,
  channel VARCHAR(64) NOT NULL DEFAULT '',
  time_us BIGINT NOT NULL,
  day DATE NOT NULL,
  PRIMARY KEY (account_id, response_id),
  KEY surveys_by_day (account_id, day)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS value_records (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  record_id VARCHAR(128) NOT NULL,
  currency CHAR(3) CHARACTER SET ascii NOT NULL,
  minor_units BIGINT NOT NULL,
  day DATE NOT NULL,
  description TEXT NOT NULL,
  PRIMARY KEY (account_id, record_id),
  KEY values_by_day (account_id, day)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS scorecards (
  scorecard_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  version BIGINT NOT NULL,
  name VARCHAR(100) NOT NULL,
  w_presence DOUBLE NOT NULL, w_use_cases DOUBLE NOT NULL, w_value DOUBLE NOT NULL,
  w_nps DOUBLE NOT NULL, w_csat DOUBLE NOT NULL,
  red_max DOUBLE NOT NULL, amber_max DOUBLE NOT NULL,
  key_use_cases TEXT NOT NULL,
  presence_target DOUBLE NOT NULL,
  update_time_us BIGINT NOT NULL
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS scorecard_assignments (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  scorecard_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS overrides (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  value DOUBLE NOT NULL,
  reason VARCHAR(1000) NOT NULL,
  author VARCHAR(200) NOT NULL,
  expire_time_us BIGINT NOT NULL,
  create_time_us BIGINT NOT NULL
) ENGINE=InnoDB;

-- One row per account and day scored; `detail` is the full explanation as served.
CREATE TABLE IF NOT EXISTS health_scores (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  as_of DATE NOT NULL,
  overall DOUBLE NULL,
  band TINYINT NOT NULL,
  quadrant TINYINT NOT NULL,
  trend TINYINT NOT NULL,
  trend_delta DOUBLE NOT NULL,
  value_level TINYINT NOT NULL,
  account_name VARCHAR(200) NOT NULL,
  csm_owner VARCHAR(200) NOT NULL,
  arr_currency CHAR(3) CHARACTER SET ascii NOT NULL DEFAULT '',
  arr_minor BIGINT NOT NULL DEFAULT 0,
  value_currency CHAR(3) CHARACTER SET ascii NOT NULL DEFAULT '',
  value_target_minor BIGINT NOT NULL DEFAULT 0,
  value_projected_minor BIGINT NOT NULL DEFAULT 0,
  value_gap_minor BIGINT NOT NULL DEFAULT 0,
  detail LONGBLOB NOT NULL,
  compute_time_us BIGINT NOT NULL,
  PRIMARY KEY (account_id, as_of)
) ENGINE=InnoDB;

-- The newest score of each account: what lists and the portfolio summary read.
CREATE TABLE IF NOT EXISTS health_latest (
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  as_of DATE NOT NULL,
  overall DOUBLE NULL,
  band TINYINT NOT NULL,
  quadrant TINYINT NOT NULL,
  trend TINYINT NOT NULL,
  trend_delta DOUBLE NOT NULL,
  value_level TINYINT NOT NULL,
  account_name VARCHAR(200) NOT NULL,
  csm_owner VARCHAR(200) NOT NULL,
  arr_currency CHAR(3) CHARACTER SET ascii NOT NULL DEFAULT '',
  arr_minor BIGINT NOT NULL DEFAULT 0,
  value_currency CHAR(3) CHARACTER SET ascii NOT NULL DEFAULT '',
  value_target_minor BIGINT NOT NULL DEFAULT 0,
  value_projected_minor BIGINT NOT NULL DEFAULT 0,
  value_gap_minor BIGINT NOT NULL DEFAULT 0,
  KEY latest_by_csm (csm_owner),
  KEY latest_by_band (band)
) ENGINE=InnoDB;

-- Band or quadrant changes, in the order they were stored; WatchHealth reads from here.
CREATE TABLE IF NOT EXISTS health_changes (
  sequence BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  as_of DATE NOT NULL,
  previous_band TINYINT NOT NULL,
  band TINYINT NOT NULL,
  previous_quadrant TINYINT NOT NULL,
  quadrant TINYINT NOT NULL,
  overall DOUBLE NULL,
  csm_owner VARCHAR(200) NOT NULL,
  time_us BIGINT NOT NULL
) ENGINE=InnoDB;
