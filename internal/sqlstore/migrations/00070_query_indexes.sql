-- Indexes that fit the queries the store runs (indexes_test.go checks
-- their plans): per-account pages walk an index in page order, lookups
-- and the foreign keys' cascades search one, and the background jobs read
-- only the rows that are due. Indexes that a wider one now covers are
-- dropped: sectors_site, accounts_status, payments_status (no query reads
-- payments by created_at) and audit_events_account (none reads the audit
-- trail by created_at; audit_events_account_id serves the account).

-- +goose Up
-- Pages: a site's sectors and a site's grants in id order.
CREATE INDEX sectors_site_id ON sectors (account_id, site_id, id);
DROP INDEX sectors_site;
CREATE INDEX site_user_access_site ON site_user_access (account_id, site_id, user_id);

-- A user's sessions, revoked on removal or logout and deleted with the user.
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id, family_id);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

-- Deleting a credit transaction (an account's purge) looks for the usage
-- log it refunded.
CREATE INDEX credit_usage_logs_refund ON credit_usage_logs (refund_transaction_id) WHERE refund_transaction_id IS NOT NULL;

-- Jobs: trial expiry, stale operations, purge and credential clean-up.
-- (status leads accounts_trial_ends so that SQLite, which plans without
-- statistics, prefers it to accounts_status_id.)
CREATE INDEX accounts_trial_ends ON accounts (status, trial_ends_at) WHERE status = 'trial';
CREATE INDEX credit_usage_logs_pending ON credit_usage_logs (created_at) WHERE outcome = 'pending';
CREATE INDEX accounts_purge ON accounts (purge_after) WHERE deleted_at IS NOT NULL;
CREATE INDEX users_purge ON users (purge_after) WHERE deleted_at IS NOT NULL;
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);
CREATE INDEX invitations_expires ON invitations (expires_at);

-- Admin lists filtered by status, newest or oldest first.
CREATE INDEX accounts_status_id ON accounts (status, id);
DROP INDEX accounts_status;
CREATE INDEX payments_status_id ON payments (status, id);
DROP INDEX payments_status;
DROP INDEX audit_events_account;

-- +goose Down
CREATE INDEX audit_events_account ON audit_events (account_id, created_at);
CREATE INDEX payments_status ON payments (status, created_at);
DROP INDEX payments_status_id;
CREATE INDEX accounts_status ON accounts (status);
DROP INDEX accounts_status_id;
DROP INDEX invitations_expires;
DROP INDEX web_sessions_expires;
DROP INDEX refresh_tokens_expires;
DROP INDEX users_purge;
DROP INDEX accounts_purge;
DROP INDEX credit_usage_logs_pending;
DROP INDEX accounts_trial_ends;
DROP INDEX credit_usage_logs_refund;
DROP INDEX web_sessions_user;
DROP INDEX refresh_tokens_user;
DROP INDEX site_user_access_site;
CREATE INDEX sectors_site ON sectors (account_id, site_id);
DROP INDEX sectors_site_id;
