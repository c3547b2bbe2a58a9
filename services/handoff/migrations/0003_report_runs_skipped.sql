-- Accounts a report run skipped because they were deleted while it ran.
ALTER TABLE report_runs ADD COLUMN IF NOT EXISTS accounts_skipped BIGINT NOT NULL DEFAULT 0 AFTER accounts_scanned;
