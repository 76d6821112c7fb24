package sqlstore

import (
	"context"
	"database/sql"
)

// Exec runs SQL written with ? placeholders in tx, for maintenance code of
// other packages that writes many tables in one transaction (the Django
// import, internal/djangoimport). Driver errors come back translated.
func (tx *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.exec(ctx, q, args...)
}

// Query is Exec for queries that answer rows.
func (tx *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.query(ctx, q, args...)
}

// QueryRow is Exec for queries that answer one row.
func (tx *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.queryRow(ctx, q, args...)
}

// Audit appends an audit event in tx naming the principal of ctx as the
// actor, which must be a developer or the system (maintenance reaches
// across accounts); accountID is empty for events outside any account.
// Errors: unauthenticated, forbidden.
func (tx *Tx) Audit(ctx context.Context, accountID, action, targetType, targetID string, details map[string]any) error {
	sys, err := asSystem(ctx)
	if err != nil {
		return err
	}
	return audit(ctx, tx, sys.reach(accountID), action, targetType, targetID, details)
}

// PostgreSQL reports whether tx runs on PostgreSQL.
func (tx *Tx) PostgreSQL() bool { return tx.db.dialect == Postgres }
