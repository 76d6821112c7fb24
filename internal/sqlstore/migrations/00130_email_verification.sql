-- E-mail verification and change of address (internal/sqlstore/email.go,
-- docs/design.md section 3). email_verified_at is when the user proved they
-- read mail at users.email; the people who exist now are customers whose
-- address is known to work, so they count as verified. email_tokens holds
-- the one outstanding link of a user (a new link replaces it): the address
-- it confirms (their own, or the one they move to) and the hash of its
-- token, never the token.

-- +goose Up
ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMP;
UPDATE users SET email_verified_at = created_at;
CREATE TABLE email_tokens (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email      TEXT NOT NULL CHECK (email <> '' AND email = lower(email)),
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE email_tokens;
ALTER TABLE users DROP COLUMN email_verified_at;
