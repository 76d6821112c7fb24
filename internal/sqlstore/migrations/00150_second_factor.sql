-- A second factor (internal/sqlstore/factors.go): TOTP with recovery
-- codes, the challenges of two-step logins, which logins used a second
-- factor, and the accounts that require one of every person.

-- +goose Up
CREATE TABLE totp_factors (
    user_id      TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- sealed with the key encryption key ("v1:…", bound to the user) or,
    -- without one, base64 of the secret (sealed at the next start with one)
    secret       TEXT NOT NULL,
    -- NULL while the enrolment waits for its first code
    confirmed_at TIMESTAMP,
    -- the last time step whose code was accepted: a code is accepted once
    last_step    BIGINT NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL
);
CREATE TABLE recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    used_at    TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);
CREATE TABLE login_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TIMESTAMP NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    used_at    TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX login_challenges_user ON login_challenges (user_id);
CREATE INDEX login_challenges_expiry ON login_challenges (expires_at);
ALTER TABLE refresh_tokens ADD COLUMN second_factor BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE web_sessions ADD COLUMN second_factor BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE accounts ADD COLUMN require_second_factor BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE accounts DROP COLUMN require_second_factor;
ALTER TABLE web_sessions DROP COLUMN second_factor;
ALTER TABLE refresh_tokens DROP COLUMN second_factor;
DROP TABLE login_challenges;
DROP TABLE recovery_codes;
DROP TABLE totp_factors;
