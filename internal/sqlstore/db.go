// Package sqlstore implements the igny8 services on database/sql, with one
// body of SQL for SQLite (modernc.org/sqlite, the embedded default) and
// PostgreSQL (pgx). Dialect differences live in this file, apart from the
// migration lock of PostgreSQL (migrate.go).
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Dialect names the SQL database behind a DB.
type Dialect string

// The supported databases.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open igny8 database. For SQLite it keeps one writer connection
// beside a pool of readers, so write transactions queue in Go instead of
// failing with SQLITE_BUSY; for PostgreSQL both are the same pool.
type DB struct {
	dialect Dialect
	write   *sql.DB
	read    *sql.DB
	stmts   *stmtCache // SQLite reads; nil on PostgreSQL
	// mail is how messages are made (SetMail); nil makes none.
	mail atomic.Pointer[mailSettings]
	// operators is the address of igny8's operators (SetOperatorEmail).
	operators atomic.Pointer[string]
	// noticeErr is told of notices written after a rollback that failed.
	noticeErr atomic.Pointer[func(error)]
	// Now is the clock; tests replace it. Times are UTC, microsecond precision.
	Now func() time.Time
}

// Options tune Open.
type Options struct {
	// MaxConns bounds the PostgreSQL pool and the SQLite reader pool (default 16).
	MaxConns int
}

// Open connects to the database named by dsn: a postgres:// or
// postgresql:// URL for PostgreSQL, anything else is a SQLite file path
// (optionally prefixed with sqlite:// or file:). It does not migrate.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	if opt.MaxConns <= 0 {
		opt.MaxConns = 16
	}
	db := &DB{Now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db.dialect = Postgres
		db.write, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.write.SetMaxOpenConns(opt.MaxConns)
		db.write.SetMaxIdleConns(opt.MaxConns)
		db.write.SetConnMaxIdleTime(5 * time.Minute)
		db.read = db.write
	} else {
		db.dialect = SQLite
		if err := db.openSQLite(dsn, opt.MaxConns); err != nil {
			return nil, err
		}
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.write.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", db.dialect, err)
	}
	return db, nil
}

func (db *DB) openSQLite(dsn string, readers int) error {
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("create database folder: %w", err)
		}
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "foreign_keys(1)", "busy_timeout(10000)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	full := "file:" + path + "?" + q.Encode()
	var err error
	if db.write, err = sql.Open("sqlite", full); err != nil {
		return fmt.Errorf("open sqlite: %w", err)
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.write.SetConnMaxLifetime(0)
	if db.read, err = sql.Open("sqlite", full); err != nil {
		return fmt.Errorf("open sqlite: %w", err)
	}
	db.read.SetMaxOpenConns(readers)
	db.read.SetMaxIdleConns(readers)
	db.stmts = &stmtCache{db: db.read}
	return nil
}

// Close releases every connection.
func (db *DB) Close() error {
	if db.stmts != nil {
		db.stmts.close()
	}
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Dialect reports which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// SQL returns the pool used for writes, for migrations and pool metrics.
func (db *DB) SQL() *sql.DB { return db.write }

// ReadSQL returns the pool used for reads outside transactions.
func (db *DB) ReadSQL() *sql.DB { return db.read }

// Ping checks that the database answers; /readyz uses it.
func (db *DB) Ping(ctx context.Context) error {
	return db.read.PingContext(ctx)
}

// newID returns a new opaque, time-ordered id (UUIDv7).
func newID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// NewID is newID for other packages' tests and seeders.
func NewID() string { return newID() }

// Rebind is rebind for tests and maintenance code that write raw SQL.
func (db *DB) Rebind(q string) string { return db.rebind(q) }

// rebind turns the ? placeholders of q into PostgreSQL's $1, $2, ...
func (db *DB) rebind(q string) string {
	if db.dialect != Postgres || strings.IndexByte(q, '?') < 0 {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 2*strings.Count(q, "?"))
	n := 0
	for {
		i := strings.IndexByte(q, '?')
		if i < 0 {
			b.WriteString(q)
			return b.String()
		}
		n++
		b.WriteString(q[:i])
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
		q = q[i+1:]
	}
}

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs SQL written with ? placeholders on a pool or a transaction.
type conn struct {
	db *DB
	q  queryer
}

func (c conn) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	r, err := c.q.ExecContext(ctx, c.db.rebind(q), args...)
	return r, translate(err)
}

func (c conn) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	rows, err := c.q.QueryContext(ctx, c.db.rebind(q), args...)
	return rows, translate(err)
}

func (c conn) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return c.q.QueryRowContext(ctx, c.db.rebind(q), args...)
}

// reader returns a conn on the read pool.
func (db *DB) reader() conn {
	if db.stmts != nil {
		return conn{db: db, q: db.stmts}
	}
	return conn{db: db, q: db.read}
}

// Tx is one database transaction with a fixed clock reading.
type Tx struct {
	conn
	tx  *sql.Tx
	now time.Time
	// afterCommit runs once the transaction has committed.
	afterCommit []func()
	// afterRollback runs once the transaction has been rolled back
	// because its function failed.
	afterRollback []func()
}

// Now is the time the transaction started, used for every timestamp it writes.
func (tx *Tx) Now() time.Time { return tx.now }

// OnCommit registers f to run after a successful commit (logs, notices).
func (tx *Tx) OnCommit(f func()) { tx.afterCommit = append(tx.afterCommit, f) }

// onRollback registers f to run after the transaction was rolled back
// because its function failed: for what a refusal must still cause.
func (tx *Tx) onRollback(f func()) { tx.afterRollback = append(tx.afterRollback, f) }

// InTx runs fn in one transaction and commits when it returns nil. On
// PostgreSQL a serialization failure or deadlock is retried a few times.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := db.inTxOnce(ctx, fn)
		if err == nil || attempt >= 4 || !isRetryable(err) {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
}

func (db *DB) inTxOnce(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return translate(fmt.Errorf("begin: %w", err))
	}
	tx := &Tx{conn: conn{db: db, q: sqlTx}, tx: sqlTx, now: db.Now()}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		for _, f := range tx.afterRollback {
			f()
		}
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return translate(fmt.Errorf("commit: %w", err))
	}
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

// forUpdate is the row-lock clause: PostgreSQL locks the selected rows;
// SQLite needs none, as its write transactions are serialized (IMMEDIATE).
func (db *DB) forUpdate() string {
	if db.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// forNoKeyUpdate is the row lock taken before a limit check or a change of
// a site or account: on PostgreSQL it serializes such writers like FOR
// UPDATE, yet lets inserts that merely reference the row (audit events,
// sectors, credit transactions) through. SQLite needs none.
func (db *DB) forNoKeyUpdate() string {
	if db.dialect == Postgres {
		return " FOR NO KEY UPDATE"
	}
	return ""
}
