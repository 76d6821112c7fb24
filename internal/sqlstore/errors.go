package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/igny8/igny8"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ConstraintError reports that the database itself refused a write because
// it would break a constraint. The kind lets services turn it into the
// right domain error; it is translated once here, by error code.
type ConstraintError struct {
	Kind       string // "unique", "check", "foreign_key", "not_null"
	Constraint string // the constraint's name where the driver gives it
	Err        error
}

func (e *ConstraintError) Error() string {
	return fmt.Sprintf("%s constraint %s violated: %v", e.Kind, e.Constraint, e.Err)
}

func (e *ConstraintError) Unwrap() error { return e.Err }

// ErrUnavailable wraps a failure to reach the database; the HTTP layer
// answers it with 503.
var ErrUnavailable = &igny8.Error{Code: igny8.EUnavailable, Message: "The service is temporarily unavailable. Please retry."}

// translate turns driver errors into ConstraintError where they are
// constraint violations, and leaves anything else as it is.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		kind := ""
		switch pgErr.Code {
		case "23505":
			kind = "unique"
		case "23514":
			kind = "check"
		case "23503":
			kind = "foreign_key"
		case "23502":
			kind = "not_null"
		}
		if kind != "" {
			return &ConstraintError{Kind: kind, Constraint: pgErr.ConstraintName, Err: err}
		}
		// Not a constraint: it may still be a connection exception or an
		// administrator shutdown (57P01-03), checked below.
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		kind := ""
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			kind = "unique"
		case sqlite3.SQLITE_CONSTRAINT_CHECK:
			kind = "check"
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			kind = "foreign_key"
		case sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			kind = "not_null"
		}
		if kind != "" {
			return &ConstraintError{Kind: kind, Err: err}
		}
		return err
	}
	if isConnectionError(err) {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return err
}

// IsConstraint reports whether err is a constraint violation of the kind.
func IsConstraint(err error, kind string) bool {
	err = translate(err)
	var ce *ConstraintError
	return errors.As(err, &ce) && ce.Kind == kind
}

func isRetryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40001" || pgErr.Code == "40P01"
	}
	return false
}

// isConnectionError reports whether err means the database could not be
// reached (as opposed to a query it refused).
func isConnectionError(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var pgConnErr *pgconn.ConnectError
	if errors.As(err, &pgConnErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 57P01-03: admin shutdown, crash, cannot connect now.
		return len(pgErr.Code) == 5 && (pgErr.Code[:2] == "08" || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03")
	}
	return pgconn.SafeToRetry(err) || pgconn.Timeout(err)
}
