-- Billing invariants kept by the database itself, so that concurrent
-- checkouts and confirmations cannot break them: an account has at most one
-- payment awaiting confirmation and at most one subscription that is active
-- or past due. The past-due job looks subscriptions up by period end.

-- +goose Up
CREATE UNIQUE INDEX payments_one_pending ON payments (account_id) WHERE status = 'pending';
CREATE UNIQUE INDEX subscriptions_one_current ON subscriptions (account_id) WHERE status IN ('active', 'past_due');
CREATE INDEX subscriptions_period_end ON subscriptions (status, current_period_end);
CREATE INDEX payments_account ON payments (account_id, id);
CREATE INDEX audit_events_account_id ON audit_events (account_id, id);

-- +goose Down
DROP INDEX audit_events_account_id;
DROP INDEX payments_account;
DROP INDEX subscriptions_period_end;
DROP INDEX subscriptions_one_current;
DROP INDEX payments_one_pending;
