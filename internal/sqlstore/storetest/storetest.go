// Package storetest opens real, migrated test databases: a SQLite file per
// test always, and a fresh PostgreSQL schema per test when
// IGNY8_TEST_POSTGRES_URL is set, so that one suite runs on both and runs
// never see each other's rows.
package storetest

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
)

// PostgresEnv names the variable that enables the PostgreSQL runs.
const PostgresEnv = "IGNY8_TEST_POSTGRES_URL"

// Backend is a database a suite can run on.
type Backend struct {
	Name string
	// Open returns a new, migrated and seeded database for tb, closed and
	// dropped when tb ends.
	Open func(tb testing.TB) *sqlstore.DB
	// URL returns a new, empty database's address for tb (for tests that
	// start the whole program).
	URL func(tb testing.TB) string
}

// Backends returns SQLite, and PostgreSQL when IGNY8_TEST_POSTGRES_URL is
// set. Suites call ForEach instead, which also reports the skip.
func Backends() []Backend {
	bs := []Backend{{Name: "sqlite", Open: OpenSQLite, URL: SQLiteURL}}
	if os.Getenv(PostgresEnv) != "" {
		bs = append(bs, Backend{Name: "postgres", Open: OpenPostgres, URL: PostgresURL})
	}
	return bs
}

// ForEach runs f as a subtest on every backend, and notes that PostgreSQL
// was skipped when its variable is unset.
func ForEach(t *testing.T, f func(t *testing.T, b Backend)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) { f(t, b) })
	}
	if os.Getenv(PostgresEnv) == "" {
		t.Run("postgres", func(t *testing.T) {
			t.Skip("PostgreSQL tests skipped: set " + PostgresEnv + "=postgres://user@host:5432/db to run them")
		})
	}
}

// SQLiteURL returns the path of a new SQLite file in tb's temp folder.
func SQLiteURL(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(tb.TempDir(), "igny8.db")
}

// OpenSQLite opens a migrated, seeded SQLite database in a temp file.
func OpenSQLite(tb testing.TB) *sqlstore.DB {
	tb.Helper()
	return open(tb, SQLiteURL(tb))
}

// PostgresURL creates a fresh schema on the test server and returns an
// address whose search_path points at it; the schema is dropped after tb.
// It fails (never skips) when the variable is set and the server is down.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		tb.Skip("PostgreSQL tests skipped: set " + PostgresEnv + " to run them")
	}
	schema := "t_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open %s: %v", PostgresEnv, err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		tb.Fatalf("PostgreSQL at %s is not usable: %v", PostgresEnv, err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// OpenPostgres opens a migrated, seeded database in a fresh schema.
func OpenPostgres(tb testing.TB) *sqlstore.DB {
	tb.Helper()
	return open(tb, PostgresURL(tb))
}

func open(tb testing.TB, dsn string) *sqlstore.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{MaxConns: 8})
	if err != nil {
		tb.Fatalf("open test database: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	if err := sqlstore.NewAdmin(db).SeedIfEmpty(igny8.SystemContext(ctx)); err != nil {
		tb.Fatalf("seed: %v", err)
	}
	return db
}
