-- The audit trail in the shape every service keeps (common/db/audit.h): entries numbered as
-- written, read by resource or by account. `sequence` (the resource's version) stays for the
-- entries written before.
ALTER TABLE audit_log
  ADD COLUMN IF NOT EXISTS entry_id BIGINT NOT NULL AUTO_INCREMENT UNIQUE KEY FIRST,
  MODIFY COLUMN sequence BIGINT NOT NULL DEFAULT 0,
  DROP PRIMARY KEY,
  ADD PRIMARY KEY (account_id, entry_id),
  ADD KEY IF NOT EXISTS audit_by_resource (resource_id, entry_id);
