-- Where each login comes from and when it was last used, for the person's
-- list of their own logins (GET /api/v1/auth/sessions, /profile): the
-- client address and user agent of the request that logged in (NULL for
-- logins made before they were recorded), copied to each refresh token of
-- a family as it rotates with the time of the login, and the last request
-- made with it, written at most once a minute (internal/sqlstore/logins.go).
-- On refresh_tokens the family's live token carries its last use. A
-- person's web sessions are listed newest first by id, so their index by
-- user also orders by id (refresh_tokens_user already does for families).

-- +goose Up
ALTER TABLE refresh_tokens ADD COLUMN client_ip TEXT;
ALTER TABLE refresh_tokens ADD COLUMN user_agent TEXT;
ALTER TABLE refresh_tokens ADD COLUMN last_used_at TIMESTAMP;
ALTER TABLE refresh_tokens ADD COLUMN login_at TIMESTAMP;
ALTER TABLE web_sessions ADD COLUMN client_ip TEXT;
ALTER TABLE web_sessions ADD COLUMN user_agent TEXT;
ALTER TABLE web_sessions ADD COLUMN last_used_at TIMESTAMP;
CREATE INDEX web_sessions_user_id ON web_sessions (user_id, id);
DROP INDEX web_sessions_user;

-- +goose Down
CREATE INDEX web_sessions_user ON web_sessions (user_id);
DROP INDEX web_sessions_user_id;
ALTER TABLE web_sessions DROP COLUMN last_used_at;
ALTER TABLE web_sessions DROP COLUMN user_agent;
ALTER TABLE web_sessions DROP COLUMN client_ip;
ALTER TABLE refresh_tokens DROP COLUMN login_at;
ALTER TABLE refresh_tokens DROP COLUMN last_used_at;
ALTER TABLE refresh_tokens DROP COLUMN user_agent;
ALTER TABLE refresh_tokens DROP COLUMN client_ip;
