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
	sys, err := asSystem(ctx)
	if err != nil {
		return 0, err
	}
	type stale struct {
		id, accountID, op string
		cost              int64
	}
	list, err := queryAll(ctx, a.db.reader(), func(row scanner) (*stale, error) {
		var s stale
		return &s, row.Scan(&s.id, &s.accountID, &s.op, &s.cost)
	}, `SELECT id, account_id, operation, credits_used FROM credit_usage_logs
		WHERE outcome = 'pending' AND created_at < ? ORDER BY created_at LIMIT 500`, cutoff.UTC())
	if err != nil {
		return 0, err
	}
	failed := 0
	for _, s := range list {
		err := a.db.InTx(ctx, func(tx *Tx) error {
			_, err := failOperation(ctx, tx, sys.reach(s.accountID), s.id, igny8.Operation(s.op), s.cost, "system", abandonedError, 0)
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
