-- What an Enabler enables, as a field (the remedies and follow-ups route by it): 0 none,
-- 1 IT, 2 Learning and Development. Existing Enablers take it from their function's text.
ALTER TABLE stakeholders ADD COLUMN IF NOT EXISTS enabler_focus TINYINT NOT NULL DEFAULT 0;
UPDATE stakeholders SET enabler_focus = 2
  WHERE role = 3 AND enabler_focus = 0 AND (LOWER(function_name) IN ('l&d', 'ld')
    OR LOWER(function_name) LIKE '%learning%' OR LOWER(function_name) LIKE '%training%');
UPDATE stakeholders SET enabler_focus = 1 WHERE role = 3 AND enabler_focus = 0 AND LOWER(function_name) = 'it';
