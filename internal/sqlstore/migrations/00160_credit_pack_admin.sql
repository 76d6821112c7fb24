-- Card payments, completed. A subscription remembers the creation time of
-- the newest Stripe event applied to it (customer.subscription.updated),
-- so that an older event never undoes a newer state.
-- Credit packs managed by administrators (internal/sqlstore/packs.go): a
-- pack may be sold through its own Stripe price; a pending bank-transfer
-- purchase can be rejected with a reason. Refunds and disputes Stripe
-- reports become payment incidents an administrator resolves
-- (internal/sqlstore/incidents.go). The packs still at the first seeded
-- prices, never edited, take the documented defaults (docs/design.md
-- section 8: 1,000 credits $49, 5,000 $219, 20,000 $779).

-- +goose Up
ALTER TABLE subscriptions ADD COLUMN stripe_event_at TIMESTAMP;
ALTER TABLE credit_packs ADD COLUMN stripe_price_id TEXT NOT NULL DEFAULT '';
ALTER TABLE credit_purchases ADD COLUMN rejected_reason TEXT NOT NULL DEFAULT '';
UPDATE credit_packs SET price = 4900 WHERE slug = 'credits-1000' AND price = 1900 AND currency = 'USD' AND updated_at = created_at;
UPDATE credit_packs SET price = 21900 WHERE slug = 'credits-5000' AND price = 8500 AND currency = 'USD' AND updated_at = created_at;
UPDATE credit_packs SET price = 77900 WHERE slug = 'credits-20000' AND price = 30000 AND currency = 'USD' AND updated_at = created_at;
CREATE TABLE payment_incidents (
    id          TEXT PRIMARY KEY,
    account_id  TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('refund', 'dispute')),
    event_id    TEXT NOT NULL UNIQUE,
    charge_id   TEXT NOT NULL DEFAULT '',
    amount      BIGINT NOT NULL,
    currency    TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    note        TEXT NOT NULL DEFAULT '',
    resolved_by TEXT,
    resolved_at TIMESTAMP,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    CHECK (status <> 'resolved' OR (resolved_by IS NOT NULL AND resolved_at IS NOT NULL))
);
CREATE INDEX payment_incidents_status ON payment_incidents (status, id);
-- Purging an account clears its incidents' account (ON DELETE SET NULL).
CREATE INDEX payment_incidents_account ON payment_incidents (account_id) WHERE account_id IS NOT NULL;

-- +goose Down
DROP TABLE payment_incidents;
ALTER TABLE credit_purchases DROP COLUMN rejected_reason;
ALTER TABLE credit_packs DROP COLUMN stripe_price_id;
ALTER TABLE subscriptions DROP COLUMN stripe_event_at;
