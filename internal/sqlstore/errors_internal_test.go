package sqlstore

import (
	"fmt"
	"testing"

	"github.com/igny8/igny8"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestTranslateServerShutdown: PostgreSQL going down or coming up answers
// with SQLSTATE 57P01-03 on connections it had or refuses; those are
// service_unavailable (503), not internal errors.
func TestTranslateServerShutdown(t *testing.T) {
	for _, code := range []string{"57P01", "57P02", "57P03", "08006"} {
		err := translate(fmt.Errorf("query: %w", &pgconn.PgError{Code: code}))
		if igny8.ErrorCode(err) != igny8.EUnavailable {
			t.Errorf("SQLSTATE %s: code %q, want %q", code, igny8.ErrorCode(err), igny8.EUnavailable)
		}
	}
	if err := translate(&pgconn.PgError{Code: "23505"}); !IsConstraint(err, "unique") {
		t.Errorf("23505 should stay a unique violation: %v", err)
	}
	if err := translate(&pgconn.PgError{Code: "42601"}); igny8.ErrorCode(err) != igny8.EInternal {
		t.Errorf("a syntax error is internal: %v", err)
	}
}
