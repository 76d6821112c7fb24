-- An account deleted by its owner is cancelled and soft-deleted; these
-- columns keep the status it had so that an admin restore can give it back.

-- +goose Up
ALTER TABLE accounts ADD COLUMN status_before_delete TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN reason_before_delete TEXT NOT NULL DEFAULT '';
CREATE INDEX sites_purge ON sites (purge_after) WHERE deleted_at IS NOT NULL;
CREATE INDEX sectors_purge ON sectors (purge_after) WHERE deleted_at IS NOT NULL;

-- +goose Down
DROP INDEX sectors_purge;
DROP INDEX sites_purge;
ALTER TABLE accounts DROP COLUMN reason_before_delete;
ALTER TABLE accounts DROP COLUMN status_before_delete;
