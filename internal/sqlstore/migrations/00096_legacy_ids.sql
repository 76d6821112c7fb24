-- Rows brought by `igny8 import django` keep the Django primary key they
-- had as legacy_id (internal/djangoimport): a second import matches them by
-- it and changes nothing, and the WordPress plugin's stored site ids can be
-- matched (GET /api/v1/sites?legacy_id=N). NULL on rows made in igny8.

-- +goose Up
ALTER TABLE plans ADD COLUMN legacy_id BIGINT;
ALTER TABLE accounts ADD COLUMN legacy_id BIGINT;
ALTER TABLE users ADD COLUMN legacy_id BIGINT;
ALTER TABLE industries ADD COLUMN legacy_id BIGINT;
ALTER TABLE industry_sectors ADD COLUMN legacy_id BIGINT;
ALTER TABLE sites ADD COLUMN legacy_id BIGINT;
ALTER TABLE sectors ADD COLUMN legacy_id BIGINT;
ALTER TABLE site_user_access ADD COLUMN legacy_id BIGINT;
ALTER TABLE credit_transactions ADD COLUMN legacy_id BIGINT;
ALTER TABLE credit_usage_logs ADD COLUMN legacy_id BIGINT;
CREATE UNIQUE INDEX plans_legacy ON plans (legacy_id) WHERE legacy_id IS NOT NULL;
CREATE UNIQUE INDEX accounts_legacy ON accounts (legacy_id) WHERE legacy_id IS NOT NULL;
CREATE UNIQUE INDEX users_legacy ON users (legacy_id) WHERE legacy_id IS NOT NULL;
CREATE UNIQUE INDEX industries_legacy ON industries (legacy_id) WHERE legacy_id IS NOT NULL;
CREATE UNIQUE INDEX industry_sectors_legacy ON industry_sectors (legacy_id) WHERE legacy_id IS NOT NULL;
CREATE UNIQUE INDEX sites_legacy ON sites (legacy_id) WHERE legacy_id IS NOT NULL;
CREATE UNIQUE INDEX sectors_legacy ON sectors (legacy_id) WHERE legacy_id IS NOT NULL;
CREATE UNIQUE INDEX site_user_access_legacy ON site_user_access (legacy_id) WHERE legacy_id IS NOT NULL;
CREATE UNIQUE INDEX credit_transactions_legacy ON credit_transactions (legacy_id) WHERE legacy_id IS NOT NULL;
CREATE UNIQUE INDEX credit_usage_logs_legacy ON credit_usage_logs (legacy_id) WHERE legacy_id IS NOT NULL;

-- +goose Down
DROP INDEX credit_usage_logs_legacy;
DROP INDEX credit_transactions_legacy;
DROP INDEX site_user_access_legacy;
DROP INDEX sectors_legacy;
DROP INDEX sites_legacy;
DROP INDEX industry_sectors_legacy;
DROP INDEX industries_legacy;
DROP INDEX users_legacy;
DROP INDEX accounts_legacy;
DROP INDEX plans_legacy;
ALTER TABLE credit_usage_logs DROP COLUMN legacy_id;
ALTER TABLE credit_transactions DROP COLUMN legacy_id;
ALTER TABLE site_user_access DROP COLUMN legacy_id;
ALTER TABLE sectors DROP COLUMN legacy_id;
ALTER TABLE sites DROP COLUMN legacy_id;
ALTER TABLE industry_sectors DROP COLUMN legacy_id;
ALTER TABLE industries DROP COLUMN legacy_id;
ALTER TABLE users DROP COLUMN legacy_id;
ALTER TABLE accounts DROP COLUMN legacy_id;
ALTER TABLE plans DROP COLUMN legacy_id;
