-- Credit packs (internal/sqlstore/packs.go): one-off purchases of credits,
-- by bank transfer or by card, credited once on confirmation.

-- +goose Up
CREATE TABLE credit_packs (
    id         TEXT PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    credits    BIGINT NOT NULL CHECK (credits > 0),
    price      BIGINT NOT NULL CHECK (price > 0),
    currency   TEXT NOT NULL CHECK (length(currency) = 3),
    is_active  BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE credit_purchases (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    pack_id            TEXT NOT NULL REFERENCES credit_packs (id),
    credits            BIGINT NOT NULL CHECK (credits > 0),
    amount             BIGINT NOT NULL CHECK (amount > 0),
    currency           TEXT NOT NULL CHECK (length(currency) = 3),
    method             TEXT NOT NULL CHECK (method IN ('stripe', 'bank_transfer')),
    status             TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'rejected')),
    reference          TEXT NOT NULL UNIQUE,
    external_reference TEXT NOT NULL DEFAULT '',
    confirmed_by       TEXT,
    confirmed_at       TIMESTAMP,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    CHECK (status <> 'confirmed' OR (confirmed_by IS NOT NULL AND confirmed_at IS NOT NULL))
);
CREATE INDEX credit_purchases_account ON credit_purchases (account_id, id);
CREATE INDEX credit_purchases_status ON credit_purchases (status, id);

-- +goose Down
DROP TABLE credit_purchases;
DROP TABLE credit_packs;
