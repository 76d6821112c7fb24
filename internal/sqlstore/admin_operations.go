package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/igny8/igny8"
)

// abandonedError is stored on an operation failed by FailStaleOperations.
const abandonedError = "abandoned: no outcome was recorded (the server stopped while the provider ran)"

// FailStaleOperations fails and refunds operations still pending that
// started before cutoff: their server stopped between charge and outcome.
// Pass a cutoff well beyond the provider timeout; a periodic job calls it.
// It returns how many it failed. Errors: unauthenticated, forbidden.
func (a *Admin) FailStaleOperations(ctx context.Context, cutoff time.Time) (int, error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return 0, err
	}
	rows, err := a.db.reader().query(ctx, `SELECT id, account_id, operation, credits_used FROM credit_usage_logs
		WHERE outcome = 'pending' AND created_at < ? ORDER BY created_at LIMIT 500`, cutoff.UTC())
	if err != nil {
		return 0, err
	}
	type stale struct {
		id, accountID, op string
		cost              int64
	}
	var list []stale
	for rows.Next() {
		var s stale
		if err := rows.Scan(&s.id, &s.accountID, &s.op, &s.cost); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	failed := 0
	for _, s := range list {
		err := a.db.InTx(ctx, func(tx *Tx) error {
			_, err := failOperation(ctx, tx, s.accountID, s.id, igny8.Operation(s.op), s.cost, "system", abandonedError, 0)
			return err
		})
		switch {
		case err == nil:
			failed++
		case !errors.Is(err, errNotPending): // else it finished meanwhile
			return failed, fmt.Errorf("fail stale operation %s: %w", s.id, err)
		}
	}
	return failed, nil
}
