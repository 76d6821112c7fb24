package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// stmtCacheMax bounds the statements kept; queries beyond it run unprepared.
const stmtCacheMax = 512

// stmtCache runs the reads of the SQLite reader pool through prepared
// statements kept for the life of the DB. SQLite parses and plans every
// statement it is handed, which was a quarter of a cached API request's CPU
// time; a prepared statement skips both. (pgx keeps its own per-connection
// statement cache, so PostgreSQL does not use this.)
type stmtCache struct {
	db    *sql.DB
	stmts sync.Map // query text -> *sql.Stmt
	n     atomic.Int32
}

// stmt returns the prepared statement of q, or nil when q cannot be
// prepared or the cache is full (the caller then runs q directly).
func (c *stmtCache) stmt(ctx context.Context, q string) *sql.Stmt {
	if s, ok := c.stmts.Load(q); ok {
		return s.(*sql.Stmt)
	}
	if c.n.Load() >= stmtCacheMax {
		return nil
	}
	s, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	if prev, loaded := c.stmts.LoadOrStore(q, s); loaded {
		_ = s.Close()
		return prev.(*sql.Stmt)
	}
	c.n.Add(1)
	return s
}

func (c *stmtCache) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return c.db.ExecContext(ctx, q, args...)
}

func (c *stmtCache) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s := c.stmt(ctx, q); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, q, args...)
}

func (c *stmtCache) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if s := c.stmt(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, q, args...)
}

// close releases every statement.
func (c *stmtCache) close() {
	c.stmts.Range(func(_, s any) bool {
		_ = s.(*sql.Stmt).Close()
		return true
	})
}
