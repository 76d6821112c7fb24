-- Password reset links (internal/sqlstore/password_resets.go): one row per
-- link, holding only the hash of its token. A link is spent once (used_at);
-- a newer link of the same user, or a reset, retires the others
-- (revoked_at). purpose says whether the person asked for it (forgot, one
-- hour) or an import moved them across without a usable password (import,
-- longer).

-- +goose Up
CREATE TABLE password_resets (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('forgot', 'import')),
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    revoked_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    CHECK (expires_at > created_at)
);
CREATE INDEX password_resets_user ON password_resets (user_id);
CREATE INDEX password_resets_expiry ON password_resets (expires_at);

-- +goose Down
DROP TABLE password_resets;
