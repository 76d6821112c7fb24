-- Notices to the owner (internal/sqlstore/notices.go): the optional ones
-- the owner may turn off, and one row per notice sent, whose key (account,
-- kind, period) makes each notice happen once per period even when several
-- instances run the periodic jobs together. A notice's row outlives its
-- message, which the outbox purges after its retention.

-- +goose Up
ALTER TABLE accounts ADD COLUMN notify_low_credits BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE accounts ADD COLUMN notify_trial_reminders BOOLEAN NOT NULL DEFAULT TRUE;
CREATE TABLE account_notices (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind <> ''),
    period     TEXT NOT NULL CHECK (period <> ''),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, kind, period)
);
-- The trial reminder job's scan (RemindTrials): the trials ending soon
-- whose owner wants reminders.
CREATE INDEX accounts_trial_reminders ON accounts (trial_ends_at)
    WHERE status = 'trial' AND notify_trial_reminders = TRUE AND deleted_at IS NULL;

-- +goose Down
DROP INDEX accounts_trial_reminders;
DROP TABLE account_notices;
ALTER TABLE accounts DROP COLUMN notify_trial_reminders;
ALTER TABLE accounts DROP COLUMN notify_low_credits;
