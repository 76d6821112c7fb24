package sqlstore

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

// sitesNotifyUp is what migration 00080 ran on PostgreSQL: a trigger that
// sent NOTIFY igny8_sites after every statement writing sites, for an
// in-memory cache of site lists that no longer exists. Migration 00090
// drops it again; both stay so that databases at either version migrate.
const sitesNotifyUp = `
CREATE FUNCTION igny8_sites_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('igny8_sites', TG_TABLE_SCHEMA);
    RETURN NULL;
END
$$;
CREATE TRIGGER sites_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sites
    FOR EACH STATEMENT EXECUTE FUNCTION igny8_sites_changed();`

const sitesNotifyDown = `
DROP TRIGGER sites_changed ON sites;
DROP FUNCTION igny8_sites_changed();`

// postgresOnly is a Go migration step that runs q on PostgreSQL and only
// records the version on SQLite, which never had the trigger.
func postgresOnly(d Dialect, q string) *goose.GoFunc {
	return &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
		if d != Postgres {
			return nil
		}
		_, err := tx.ExecContext(ctx, q)
		return err
	}}
}

// sitesNotifyMigration is migration 00080: the trigger of sitesNotifyUp.
func sitesNotifyMigration(d Dialect) *goose.Migration {
	m := goose.NewGoMigration(80, postgresOnly(d, sitesNotifyUp), postgresOnly(d, sitesNotifyDown))
	m.Source = "00080_sites_notify.go"
	return m
}

// sitesNotifyDropMigration is migration 00090: it drops the trigger of
// 00080 (nothing listens any more, and every write to sites paid for a
// notification); rolling it back puts the trigger back.
func sitesNotifyDropMigration(d Dialect) *goose.Migration {
	m := goose.NewGoMigration(90, postgresOnly(d, sitesNotifyDown), postgresOnly(d, sitesNotifyUp))
	m.Source = "00090_sites_notify_drop.go"
	return m
}
