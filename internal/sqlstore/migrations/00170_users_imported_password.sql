-- The live users whose password hash is in one of the Django formats a
-- login verifies (internal/auth/django.go), brought by `igny8 import
-- django` and replaced by igny8's argon2id at the user's first login. Every login reads one of
-- them (Store.LegacyPasswordHash), the cost a failed login is made to
-- spend (docs/design.md, "Login timing"); the index holds only those rows,
-- none once every imported user has logged in.

-- +goose Up
CREATE INDEX users_imported_password ON users (is_active)
    WHERE deleted_at IS NULL AND (password_hash LIKE 'pbkdf2_sha256$%' OR password_hash LIKE 'pbkdf2_sha1$%'
    OR password_hash LIKE 'argon2$%' OR password_hash LIKE 'bcrypt$%' OR password_hash LIKE 'bcrypt_sha256$%');

-- +goose Down
DROP INDEX users_imported_password;
