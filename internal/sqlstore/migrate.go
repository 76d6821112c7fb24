package sqlstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path/filepath"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// MigrationStatus is one migration and whether it has been applied.
type MigrationStatus struct {
	Version int64
	Name    string
	Applied bool
}

func (db *DB) migrator(ctx context.Context) (*goose.Provider, error) {
	fsys, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithGoMigrations(sitesNotifyMigration(db.dialect), sitesNotifyDropMigration(db.dialect))}
	dialect := database.DialectSQLite3
	if db.dialect == Postgres {
		dialect = database.DialectPostgres
		// Several instances starting together on one schema take turns; the
		// lock is per schema so that separate schemas never wait on each other.
		var schema string
		if err := db.write.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			return nil, translate(err)
		}
		h := fnv.New64a()
		h.Write([]byte("igny8-migrate:" + schema))
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64()>>1)), lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, db.write, fsys, opts...)
}

// Migrate applies every pending migration.
func (db *DB) Migrate(ctx context.Context) error {
	_, err := db.MigrateUp(ctx)
	return err
}

// MigrateUp applies every pending migration and returns those it applied,
// in order (none when the schema is current).
func (db *DB) MigrateUp(ctx context.Context) ([]MigrationStatus, error) {
	p, err := db.migrator(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("apply migrations: %w", err)
	}
	return migrationResults(res, true), nil
}

// MigrateDown rolls back the last n applied migrations (all of them when
// fewer are applied).
func (db *DB) MigrateDown(ctx context.Context, n int) error {
	_, err := db.RollBack(ctx, n)
	return err
}

// RollBack rolls back the last n applied migrations, or all of them when
// fewer than n are applied, and returns those it rolled back, latest
// first. Reaching version 0 is not an error.
func (db *DB) RollBack(ctx context.Context, n int) ([]MigrationStatus, error) {
	p, err := db.migrator(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	var done []*goose.MigrationResult
	for i := 0; i < n; i++ {
		r, err := p.Down(ctx)
		if errors.Is(err, goose.ErrNoNextVersion) {
			break
		}
		if err != nil {
			return migrationResults(done, false), fmt.Errorf("roll back migration: %w", err)
		}
		done = append(done, r)
	}
	return migrationResults(done, false), nil
}

// SchemaVersion is the latest applied migration, 0 for an empty schema.
func (db *DB) SchemaVersion(ctx context.Context) (int64, error) {
	p, err := db.migrator(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return v, nil
}

func migrationResults(res []*goose.MigrationResult, applied bool) []MigrationStatus {
	out := make([]MigrationStatus, 0, len(res))
	for _, r := range res {
		out = append(out, MigrationStatus{Version: r.Source.Version, Name: filepath.Base(r.Source.Path), Applied: applied})
	}
	return out
}

// MigrationStatuses lists every known migration in order.
func (db *DB) MigrationStatuses(ctx context.Context) ([]MigrationStatus, error) {
	p, err := db.migrator(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationStatus{Version: s.Source.Version, Name: s.Source.Path,
			Applied: s.State == goose.StateApplied})
	}
	return out, nil
}
