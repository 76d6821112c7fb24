-- The tenancy core schema. One text for SQLite and PostgreSQL: types are
-- chosen so both read them alike (TEXT ids, BIGINT money and credits,
-- TIMESTAMP in UTC, BOOLEAN). Every tenant-owned table carries account_id,
-- its unique keys lead with it, and composite foreign keys such as
-- (account_id, site_id) make cross-account references impossible.

-- +goose Up
CREATE TABLE plans (
    id                      TEXT PRIMARY KEY,
    slug                    TEXT NOT NULL UNIQUE CHECK (slug <> ''),
    name                    TEXT NOT NULL CHECK (name <> ''),
    price                   BIGINT NOT NULL CHECK (price >= 0),
    currency                TEXT NOT NULL CHECK (length(currency) = 3),
    billing_period          TEXT NOT NULL DEFAULT 'month' CHECK (billing_period IN ('month')),
    included_credits        BIGINT NOT NULL CHECK (included_credits >= 0),
    max_sites               INTEGER NOT NULL CHECK (max_sites >= 0),
    max_users               INTEGER NOT NULL CHECK (max_users >= 1),
    max_sectors_per_site    INTEGER NOT NULL CHECK (max_sectors_per_site >= 0),
    api_requests_per_minute INTEGER NOT NULL CHECK (api_requests_per_minute >= 1),
    is_active               BOOLEAN NOT NULL DEFAULT TRUE,
    features                TEXT NOT NULL DEFAULT '[]',
    created_at              TIMESTAMP NOT NULL,
    updated_at              TIMESTAMP NOT NULL
);

CREATE TABLE accounts (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL CHECK (name <> ''),
    slug           TEXT NOT NULL UNIQUE CHECK (slug <> ''),
    plan_id        TEXT NOT NULL REFERENCES plans (id),
    credits        BIGINT NOT NULL DEFAULT 0 CHECK (credits >= 0),
    -- ledger_seq numbers the account's credit transactions 1, 2, 3, ...
    ledger_seq     BIGINT NOT NULL DEFAULT 0 CHECK (ledger_seq >= 0),
    status         TEXT NOT NULL CHECK (status IN ('trial', 'active', 'suspended', 'cancelled')),
    status_reason  TEXT NOT NULL DEFAULT '',
    trial_ends_at  TIMESTAMP,
    payment_method TEXT CHECK (payment_method IN ('stripe', 'paypal', 'bank_transfer')),
    billing_email  TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    deleted_at     TIMESTAMP,
    purge_after    TIMESTAMP,
    CHECK (status <> 'trial' OR trial_ends_at IS NOT NULL)
);
CREATE INDEX accounts_status ON accounts (status);

-- The owner of an account is its one user with role 'owner'.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE CHECK (email <> '' AND email = lower(email)),
    name          TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('developer', 'owner', 'admin', 'editor', 'viewer')),
    account_id    TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    is_active     BOOLEAN NOT NULL DEFAULT TRUE,
    last_login_at TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    deleted_at    TIMESTAMP,
    purge_after   TIMESTAMP,
    CHECK ((role = 'developer') = (account_id IS NULL)),
    UNIQUE (account_id, id)
);
CREATE UNIQUE INDEX users_one_owner ON users (account_id) WHERE role = 'owner';

CREATE TABLE industries (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    is_active   BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE industry_sectors (
    id          TEXT PRIMARY KEY,
    industry_id TEXT NOT NULL REFERENCES industries (id) ON DELETE CASCADE,
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    is_active   BOOLEAN NOT NULL DEFAULT TRUE,
    UNIQUE (industry_id, slug)
);

CREATE TABLE sites (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name        TEXT NOT NULL CHECK (name <> '' AND length(name) <= 100),
    slug        TEXT NOT NULL CHECK (slug <> ''),
    domain      TEXT NOT NULL DEFAULT '',
    industry_id TEXT REFERENCES industries (id),
    is_active   BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    deleted_at  TIMESTAMP,
    purge_after TIMESTAMP,
    UNIQUE (account_id, id)
);
CREATE UNIQUE INDEX sites_live_slug ON sites (account_id, slug) WHERE deleted_at IS NULL;

CREATE TABLE sectors (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL,
    site_id            TEXT NOT NULL,
    industry_sector_id TEXT REFERENCES industry_sectors (id),
    name               TEXT NOT NULL CHECK (name <> ''),
    slug               TEXT NOT NULL CHECK (slug <> ''),
    is_active          BOOLEAN NOT NULL DEFAULT TRUE,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    deleted_at         TIMESTAMP,
    purge_after        TIMESTAMP,
    FOREIGN KEY (account_id, site_id) REFERENCES sites (account_id, id) ON DELETE CASCADE,
    UNIQUE (account_id, id)
);
CREATE UNIQUE INDEX sectors_live_slug ON sectors (site_id, slug) WHERE deleted_at IS NULL;
CREATE INDEX sectors_site ON sectors (account_id, site_id);

CREATE TABLE site_user_access (
    account_id TEXT NOT NULL,
    site_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (site_id, user_id),
    FOREIGN KEY (account_id, site_id) REFERENCES sites (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, id) ON DELETE CASCADE
);
CREATE INDEX site_user_access_user ON site_user_access (account_id, user_id);

CREATE TABLE api_keys (
    id                  TEXT PRIMARY KEY,
    account_id          TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    site_id             TEXT,
    role                TEXT NOT NULL DEFAULT 'editor' CHECK (role IN ('admin', 'editor', 'viewer')),
    name                TEXT NOT NULL CHECK (name <> ''),
    prefix              TEXT NOT NULL UNIQUE,
    secret_hash         TEXT NOT NULL,
    previous_hash       TEXT,
    previous_expires_at TIMESTAMP,
    created_by          TEXT NOT NULL DEFAULT '',
    last_used_at        TIMESTAMP,
    expires_at          TIMESTAMP,
    revoked_at          TIMESTAMP,
    created_at          TIMESTAMP NOT NULL,
    FOREIGN KEY (account_id, site_id) REFERENCES sites (account_id, id) ON DELETE CASCADE,
    UNIQUE (account_id, id)
);

CREATE TABLE signing_keys (
    id          TEXT PRIMARY KEY,
    algorithm   TEXT NOT NULL,
    private_key TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    retired_at  TIMESTAMP
);

CREATE TABLE refresh_tokens (
    id         TEXT PRIMARY KEY,
    family_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    revoked_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

CREATE TABLE web_sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    csrf_token   TEXT NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP,
    created_at   TIMESTAMP NOT NULL
);

CREATE TABLE invitations (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email       TEXT NOT NULL CHECK (email = lower(email)),
    name        TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  TEXT NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP,
    revoked_at  TIMESTAMP,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (account_id, id)
);

CREATE TABLE credit_costs (
    operation  TEXT PRIMARY KEY,
    credits    BIGINT NOT NULL CHECK (credits >= 0),
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL DEFAULT ''
);

CREATE TABLE credit_transactions (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL CHECK (seq >= 1),
    type            TEXT NOT NULL CHECK (type IN ('trial_grant', 'subscription', 'purchase', 'deduction', 'refund', 'adjustment')),
    amount          BIGINT NOT NULL CHECK (amount <> 0),
    balance_after   BIGINT NOT NULL CHECK (balance_after >= 0),
    description     TEXT NOT NULL DEFAULT '',
    reference_type  TEXT NOT NULL DEFAULT '',
    reference_id    TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT,
    request_hash    TEXT NOT NULL DEFAULT '',
    actor           TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (account_id, seq),
    UNIQUE (account_id, idempotency_key),
    CHECK (type NOT IN ('deduction') OR amount < 0),
    CHECK (type NOT IN ('trial_grant', 'subscription', 'purchase', 'refund') OR amount > 0)
);
CREATE INDEX credit_transactions_created ON credit_transactions (account_id, created_at);

CREATE TABLE credit_usage_logs (
    id                    TEXT PRIMARY KEY,
    account_id            TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    site_id               TEXT,
    sector_id             TEXT,
    operation             TEXT NOT NULL,
    credits_used          BIGINT NOT NULL CHECK (credits_used >= 0),
    model                 TEXT NOT NULL DEFAULT '',
    tokens_in             BIGINT NOT NULL DEFAULT 0,
    tokens_out            BIGINT NOT NULL DEFAULT 0,
    duration_ms           BIGINT NOT NULL DEFAULT 0,
    outcome               TEXT NOT NULL CHECK (outcome IN ('pending', 'succeeded', 'failed')),
    error                 TEXT NOT NULL DEFAULT '',
    output                TEXT NOT NULL DEFAULT '',
    transaction_id        TEXT REFERENCES credit_transactions (id),
    refund_transaction_id TEXT REFERENCES credit_transactions (id),
    idempotency_key       TEXT,
    created_at            TIMESTAMP NOT NULL,
    -- site_id and sector_id are kept as history: usage outlives a purged site.
    UNIQUE (account_id, idempotency_key)
);
CREATE INDEX credit_usage_logs_created ON credit_usage_logs (account_id, created_at);

CREATE TABLE subscriptions (
    id                   TEXT PRIMARY KEY,
    account_id           TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    plan_id              TEXT NOT NULL REFERENCES plans (id),
    status               TEXT NOT NULL CHECK (status IN ('pending_payment', 'active', 'past_due', 'cancelled')),
    payment_method       TEXT NOT NULL CHECK (payment_method IN ('stripe', 'paypal', 'bank_transfer')),
    current_period_start TIMESTAMP,
    current_period_end   TIMESTAMP,
    cancel_at_period_end BOOLEAN NOT NULL DEFAULT FALSE,
    external_id          TEXT NOT NULL DEFAULT '',
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    UNIQUE (account_id, id),
    CHECK (current_period_end IS NULL OR current_period_end > current_period_start)
);
CREATE INDEX subscriptions_account ON subscriptions (account_id, status);

CREATE TABLE payments (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    subscription_id    TEXT NOT NULL,
    plan_id            TEXT NOT NULL REFERENCES plans (id),
    amount             BIGINT NOT NULL CHECK (amount >= 0),
    currency           TEXT NOT NULL CHECK (length(currency) = 3),
    method             TEXT NOT NULL CHECK (method IN ('stripe', 'paypal', 'bank_transfer')),
    status             TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'rejected')),
    reference          TEXT NOT NULL UNIQUE,
    confirmed_by       TEXT,
    confirmed_at       TIMESTAMP,
    rejected_reason    TEXT NOT NULL DEFAULT '',
    external_reference TEXT NOT NULL DEFAULT '',
    amount_received    BIGINT,
    note               TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    FOREIGN KEY (account_id, subscription_id) REFERENCES subscriptions (account_id, id),
    UNIQUE (account_id, id),
    CHECK (status <> 'confirmed' OR (confirmed_by IS NOT NULL AND confirmed_at IS NOT NULL))
);
CREATE INDEX payments_status ON payments (status, created_at);

CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY,
    account_id  TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    details     TEXT NOT NULL DEFAULT '{}',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX audit_events_account ON audit_events (account_id, created_at);

-- +goose Down
DROP TABLE audit_events;
DROP TABLE payments;
DROP TABLE subscriptions;
DROP TABLE credit_usage_logs;
DROP TABLE credit_transactions;
DROP TABLE credit_costs;
DROP TABLE invitations;
DROP TABLE web_sessions;
DROP TABLE refresh_tokens;
DROP TABLE signing_keys;
DROP TABLE api_keys;
DROP TABLE site_user_access;
DROP TABLE sectors;
DROP TABLE sites;
DROP TABLE industry_sectors;
DROP TABLE industries;
DROP TABLE users;
DROP TABLE accounts;
DROP TABLE plans;
