-- Login protection (internal/sqlstore/logins.go): failed logins per
-- e-mail, which slow further attempts from unknown devices, and the
-- devices and client addresses a person logged in from.

-- +goose Up
CREATE TABLE login_failures (
    -- SHA-256 of the normalized e-mail: addresses typed by an attacker
    -- are not stored
    email_hash  TEXT PRIMARY KEY,
    failures    INTEGER NOT NULL,
    first_at    TIMESTAMP NOT NULL,
    last_at     TIMESTAMP NOT NULL,
    -- attempts from unknown devices wait until then
    next_at     TIMESTAMP,
    -- the person was told of this episode
    notified_at TIMESTAMP
);
CREATE INDEX login_failures_last ON login_failures (last_at);
CREATE TABLE known_devices (
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- hash of a device cookie's token, or of a client address
    device_hash   TEXT NOT NULL,
    last_login_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, device_hash)
);

-- +goose Down
DROP TABLE known_devices;
DROP TABLE login_failures;
