-- The live users whose password hash is a usable one in a format igny8
-- does not make: Django's, brought by `igny8 import django` and replaced
-- by igny8's argon2id at the user's first login. Every login reads one of
-- them (Store.LegacyPasswordHash), the cost a failed login is made to
-- spend (docs/design.md, "Login timing"); the index holds only those rows,
-- none once every imported user has logged in.

-- +goose Up
CREATE INDEX users_imported_password ON users (is_active)
    WHERE deleted_at IS NULL AND password_hash NOT LIKE '$argon2id$%' AND password_hash NOT LIKE '!%'
    AND password_hash <> '';

-- +goose Down
DROP INDEX users_imported_password;
