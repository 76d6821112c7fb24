-- The admin audit log is filtered by action, newest first
-- (internal/sqlstore/audit_reads.go); by account it uses
-- audit_events_account_id.

-- +goose Up
CREATE INDEX audit_events_action ON audit_events (action, id);

-- +goose Down
DROP INDEX audit_events_action;
