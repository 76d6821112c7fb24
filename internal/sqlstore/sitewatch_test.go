package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// TestSitesTriggerMigration: migration 00080 makes the notifying trigger
// on PostgreSQL only, and rolls back on both; the listener listens only
// where the trigger is.
func TestSitesTriggerMigration(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		ctx := context.Background()
		db := b.Open(t)
		q := `SELECT COUNT(*) FROM pg_trigger WHERE tgname = 'sites_changed' AND tgrelid = to_regclass('sites')`
		if db.Dialect() == sqlstore.SQLite {
			q = `SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'`
		}
		want := map[sqlstore.Dialect]int{sqlstore.Postgres: 1, sqlstore.SQLite: 0}[db.Dialect()]
		st, err := db.MigrationStatuses(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Roll back to just before 00080, whatever came after it.
		back := 0
		for i, m := range st {
			if m.Version == 80 {
				if !m.Applied || m.Name != "00080_sites_notify.go" {
					t.Fatalf("migration 80: %+v", m)
				}
				back = len(st) - i
			}
		}
		if back == 0 {
			t.Fatalf("no migration 80 in %+v", st)
		}
		if n := sitesCount(t, db, q); n != want {
			t.Fatalf("%d triggers, want %d", n, want)
		}
		if err := db.MigrateDown(ctx, back); err != nil {
			t.Fatal(err)
		}
		if n := sitesCount(t, db, q); n != 0 {
			t.Fatalf("%d triggers after rolling 00080 back", n)
		}
		// Without the trigger nothing would notify: the listener does not
		// start listening, so the cache is not used, until it is back.
		cachedStore := sqlstore.NewStore(db)
		cachedStore.CacheSites(time.Minute, nil)
		time.Sleep(300 * time.Millisecond)
		if db.Dialect() == sqlstore.Postgres && db.SitesFresh() {
			t.Fatal("the site cache is used without the trigger")
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if n := sitesCount(t, db, q); n != want {
			t.Fatalf("%d triggers after migrating again, want %d", n, want)
		}
		waitFor(t, 10*time.Second, "the listener with the trigger back", db.SitesFresh)
	})
}
