-- The mail outbox (internal/sqlstore/mail.go): every message is a row
-- written in the transaction of the change that causes it, then delivered
-- by the outbox worker (internal/mail/worker.go). State kept: made with no
-- mail server configured, for the operator to read; never sent.

-- +goose Up
CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    account_id      TEXT REFERENCES accounts (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind <> ''),
    to_addr         TEXT NOT NULL CHECK (to_addr <> ''),
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed', 'kept')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error      TEXT NOT NULL DEFAULT '',
    next_attempt_at TIMESTAMP NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP
);
CREATE INDEX messages_due ON messages (state, next_attempt_at);
CREATE INDEX messages_account ON messages (account_id, id);

-- +goose Down
DROP TABLE messages;
