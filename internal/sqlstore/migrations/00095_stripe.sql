-- Card payments through Stripe (internal/sqlstore/card.go): the Stripe
-- price of a plan, the Stripe customer of an account, one payment per
-- Stripe invoice or checkout, and the Stripe events already processed.

-- +goose Up
ALTER TABLE plans ADD COLUMN stripe_price_id TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN stripe_customer_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX payments_stripe_reference ON payments (external_reference)
    WHERE method = 'stripe' AND external_reference <> '';
CREATE INDEX subscriptions_external_id ON subscriptions (external_id) WHERE external_id <> '';
CREATE TABLE stripe_events (
    id           TEXT PRIMARY KEY,
    type         TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    processed_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE stripe_events;
DROP INDEX subscriptions_external_id;
DROP INDEX payments_stripe_reference;
ALTER TABLE accounts DROP COLUMN stripe_customer_id;
ALTER TABLE plans DROP COLUMN stripe_price_id;
