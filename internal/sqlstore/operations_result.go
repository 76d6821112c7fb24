package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/igny8/igny8"
)

// timeoutPrefix starts the stored error of an operation that timed out.
const timeoutPrefix = "timeout"

// maxStoredError bounds the provider error kept on a usage log.
const maxStoredError = 500

// finish is the second transaction: the pending usage log becomes
// succeeded, or failed with a refund of its cost. The guard on outcome
// makes a second finish of one operation roll back instead of refunding
// twice.
func (o *Operations) finish(ctx context.Context, p *igny8.Principal, tn tenant, req *igny8.OperationRequest, op *pendingOp,
	resp *igny8.AIResponse, runErr error, took time.Duration) (*igny8.OperationResult, error) {
	res := &igny8.OperationResult{ID: op.id, Operation: req.Operation, SiteID: req.SiteID, SectorID: req.SectorID,
		Outcome: igny8.OutcomeSucceeded, CreditsUsed: op.cost, Balance: op.balance,
		DurationMS: took.Milliseconds(), CreatedAt: op.createdAt}
	if runErr == nil {
		res.Output, res.Model, res.TokensIn, res.TokensOut = resp.Output, resp.Model, resp.TokensIn, resp.TokensOut
	}
	err := o.db.InTx(ctx, func(tx *Tx) error {
		if runErr == nil {
			return markUsage(ctx, tx, tn, op.id, `outcome = 'succeeded', model = ?, tokens_in = ?,
				tokens_out = ?, duration_ms = ?, output = ?`, res.Model, res.TokensIn, res.TokensOut,
				res.DurationMS, string(res.Output))
		}
		balance, err := failOperation(ctx, tx, tn, op.id, req.Operation, op.cost, p.ActorID(),
			storedError(runErr), res.DurationMS)
		if balance >= 0 {
			res.Balance = balance
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("record outcome of operation %s: %w", op.id, err)
	}
	if runErr != nil {
		res.Outcome, res.CreditsUsed, res.Error = igny8.OutcomeFailed, 0, publicError(storedError(runErr))
	}
	return res, nil
}

// failOperation refunds a pending operation's cost and marks it failed,
// in tx. It returns the balance after the refund, or -1 when there was
// nothing to refund.
func failOperation(ctx context.Context, tx *Tx, tn tenant, id string, op igny8.Operation, cost int64,
	actor, errText string, durationMS int64) (int64, error) {
	balance := int64(-1)
	var refundID *string
	if cost > 0 {
		t, _, err := applyCredit(ctx, tx, tn, creditChange{Type: igny8.TxRefund, Amount: cost,
			Description: "Refund of failed AI operation " + string(op), ReferenceType: igny8.RefAIOperation,
			ReferenceID: id, Actor: actor})
		if err != nil {
			return -1, err
		}
		balance, refundID = t.BalanceAfter, &t.ID
	}
	return balance, markUsage(ctx, tx, tn, id, `outcome = 'failed', error = ?, duration_ms = ?,
		refund_transaction_id = ?`, errText, durationMS, refundID)
}

// markUsage sets the given columns of a pending usage log; it fails when
// the log is no longer pending.
func markUsage(ctx context.Context, tx *Tx, tn tenant, id, set string, args ...any) error {
	args = append(args, id, tn.id)
	r, err := tx.exec(ctx, `UPDATE credit_usage_logs SET `+set+` WHERE id = ? AND account_id = ? AND outcome = 'pending'`, args...)
	if err != nil {
		return fmt.Errorf("update usage log: %w", err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return fmt.Errorf("update usage log: %w", err)
	}
	if n != 1 {
		return fmt.Errorf("usage log %s: %w", id, errNotPending)
	}
	return nil
}

// errNotPending reports that an operation's outcome was already recorded.
var errNotPending = errors.New("operation is no longer pending")

func storedError(err error) string {
	s := err.Error()
	if len(s) > maxStoredError {
		s = s[:maxStoredError]
	}
	return s
}

// publicError is what a tenant is told about a failed run; the detail stays
// on the usage log for operators.
func publicError(stored string) string {
	if strings.HasPrefix(stored, timeoutPrefix) {
		return "The AI provider did not answer in time. The credits were refunded."
	}
	return "The AI provider failed. The credits were refunded."
}

// operationByKey returns the stored result of the account's operation
// with this Idempotency-Key. It returns sql.ErrNoRows when there is none,
// validation_failed when the key was used for another request, and
// conflict while that operation is still running.
func operationByKey(ctx context.Context, c conn, tn tenant, key, hash string) (*igny8.OperationResult, error) {
	var r igny8.OperationResult
	var output, errText, stored string
	err := c.queryRow(ctx, `SELECT u.id, u.operation, COALESCE(u.site_id, ''), COALESCE(u.sector_id, ''), u.outcome,
		u.credits_used, u.output, u.error, u.model, u.tokens_in, u.tokens_out, u.duration_ms, u.created_at,
		u.request_hash, COALESCE(rf.balance_after, d.balance_after, a.credits)
		FROM credit_usage_logs u JOIN accounts a ON a.id = u.account_id
		LEFT JOIN credit_transactions d ON d.id = u.transaction_id
		LEFT JOIN credit_transactions rf ON rf.id = u.refund_transaction_id
		WHERE u.account_id = ? AND u.idempotency_key = ?`, tn.id, key).
		Scan(&r.ID, &r.Operation, &r.SiteID, &r.SectorID, &r.Outcome, &r.CreditsUsed, &output, &errText, &r.Model,
			&r.TokensIn, &r.TokensOut, &r.DurationMS, &r.CreatedAt, &stored, &r.Balance)
	switch {
	case err != nil:
		return nil, translate(err)
	case stored != hash:
		return nil, keyReused()
	case r.Outcome == igny8.OutcomePending:
		return nil, igny8.Errorf(igny8.EConflict, "The operation with this Idempotency-Key is still running; retry shortly.")
	case r.Outcome == igny8.OutcomeFailed:
		r.CreditsUsed, r.Error = 0, publicError(errText)
	}
	if output != "" {
		r.Output = json.RawMessage(output)
	}
	r.Replayed = true
	return &r, nil
}
