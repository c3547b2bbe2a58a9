-- An account's external ids and labels, also kept in its own row, so reading an account is one
-- primary-key lookup (GetAccount, ListAccounts, the account gates). The child tables stay the
-- source for uniqueness (one owner per external id) and for label filters; every write sets both
-- in one transaction. Encoding: comma-separated entries "x:HEX(source):HEX(external_id)" and
-- "l:HEX(key):HEX(value)" (hex, so no byte of a value can be read as a separator).
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS children TEXT CHARACTER SET ascii NOT NULL DEFAULT '';

UPDATE accounts SET children = CONCAT_WS(',',
  (SELECT GROUP_CONCAT('x:', HEX(x.source), ':', HEX(x.external_id) SEPARATOR ',')
     FROM account_external_ids x WHERE x.account_id = accounts.account_id),
  (SELECT GROUP_CONCAT('l:', HEX(c.label_key), ':', HEX(c.label_value) SEPARATOR ',')
     FROM account_labels c WHERE c.account_id = accounts.account_id));
