package sqlstore

import (
	"context"
	"database/sql"

	"github.com/pressly/goose/v3"
)

// sitesNotifyUp makes PostgreSQL signal sitesChannel, after every
// statement that writes sites (including cascades from accounts, the CLI
// and manual SQL), with the table's schema as payload; the listener of
// each instance (sitewatch.go) then drops its cached site lists. The
// notification is sent at commit, once per transaction and schema.
const sitesNotifyUp = `
CREATE FUNCTION igny8_sites_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('` + sitesChannel + `', TG_TABLE_SCHEMA);
    RETURN NULL;
END
$$;
CREATE TRIGGER sites_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sites
    FOR EACH STATEMENT EXECUTE FUNCTION igny8_sites_changed();`

const sitesNotifyDown = `
DROP TRIGGER sites_changed ON sites;
DROP FUNCTION igny8_sites_changed();`

// sitesNotifyMigration is migration 00080: the trigger of sitesNotifyUp on
// PostgreSQL. SQLite has no notifications, so there it only records the
// version (its instances see other processes' writes within the cache TTL).
func sitesNotifyMigration(d Dialect) *goose.Migration {
	run := func(q string) *goose.GoFunc {
		return &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			if d != Postgres {
				return nil
			}
			_, err := tx.ExecContext(ctx, q)
			return err
		}}
	}
	m := goose.NewGoMigration(80, run(sitesNotifyUp), run(sitesNotifyDown))
	m.Source = "00080_sites_notify.go"
	return m
}
