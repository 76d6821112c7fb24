package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/igny8/igny8"
)

// DefaultOperationTimeout bounds one provider call when none is configured.
const DefaultOperationTimeout = 60 * time.Second

// Operations implements igny8.AIService: metered AI operations whose cost
// is taken before the provider runs and refunded when it fails.
type Operations struct {
	db       *DB
	provider igny8.AIProvider
	timeout  time.Duration
}

// NewOperations returns the AI service on db running operations with
// provider, each call bounded by timeout (DefaultOperationTimeout if <= 0).
func NewOperations(db *DB, provider igny8.AIProvider, timeout time.Duration) *Operations {
	if timeout <= 0 {
		timeout = DefaultOperationTimeout
	}
	return &Operations{db: db, provider: provider, timeout: timeout}
}

var _ igny8.AIService = (*Operations)(nil)

// pendingOp is an operation charged in the first transaction.
type pendingOp struct {
	id        string
	cost      int64
	balance   int64
	createdAt time.Time
	replay    *igny8.OperationResult // set when the key had been used
}

// RunOperation runs one AI operation for the principal's account:
//
//  1. one transaction checks the site and sector, takes the cost
//     (deduction) and writes a pending usage log;
//  2. the provider runs outside any transaction, bounded by the timeout;
//  3. a second transaction marks the log succeeded, or failed with a
//     refund, so that a failed operation nets zero.
//
// With an Idempotency-Key a retry answers with the first operation's
// result. Errors: unauthenticated, forbidden, validation_failed (422 naming
// Idempotency-Key for a reused key), not_found (site, sector),
// insufficient_credits (Extra: required, available; provider not called),
// conflict (the first request with this key is still running).
func (o *Operations) RunOperation(ctx context.Context, req igny8.OperationRequest) (*igny8.OperationResult, error) {
	p, tn, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	if err := igny8.Authorize(p, igny8.ActRunAI); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	hash, err := operationHash(&req)
	if err != nil {
		return nil, err
	}
	op, err := o.charge(ctx, p, tn, &req, hash)
	if errors.Is(err, errKeyRace) {
		return operationByKey(ctx, o.db.reader(), tn, req.IdempotencyKey, hash)
	}
	if err != nil {
		return nil, err
	}
	if op.replay != nil {
		return op.replay, nil
	}
	start := time.Now()
	resp, runErr := o.run(ctx, &req)
	// The outcome is recorded even when the client has gone away.
	return o.finish(context.WithoutCancel(ctx), p, tn, &req, op, resp, runErr, time.Since(start))
}

// operationHash fingerprints what the request asks for, so that its key
// cannot be reused for another request.
func operationHash(req *igny8.OperationRequest) (string, error) {
	in, err := json.Marshal(req.Input)
	if err != nil {
		return "", fmt.Errorf("hash operation input: %w", err)
	}
	return hashParts(string(req.Operation), req.SiteID, req.SectorID, string(in)), nil
}

// charge is the first transaction: it answers a known key from its stored
// operation, else checks the site, deducts the cost and logs the operation
// as pending.
func (o *Operations) charge(ctx context.Context, p *igny8.Principal, tn tenant, req *igny8.OperationRequest, hash string) (*pendingOp, error) {
	op := &pendingOp{id: newID()}
	err := o.db.InTx(ctx, func(tx *Tx) error {
		op.createdAt = tx.now
		if req.IdempotencyKey != "" {
			if err := lockAccount(ctx, tx, tn); err != nil {
				return err
			}
			res, err := operationByKey(ctx, tx.conn, tn, req.IdempotencyKey, hash)
			if err == nil || !errors.Is(err, sql.ErrNoRows) {
				op.replay = res
				return err
			}
		}
		if err := operationSite(ctx, tx.conn, p, req.SiteID, req.SectorID); err != nil {
			return err
		}
		return o.deduct(ctx, tx, p, tn, req, hash, op)
	})
	return op, err
}

// deduct takes the operation's cost and inserts its pending usage log.
func (o *Operations) deduct(ctx context.Context, tx *Tx, p *igny8.Principal, tn tenant, req *igny8.OperationRequest, hash string, op *pendingOp) error {
	cost, err := costOf(ctx, tx.conn, req.Operation)
	if err != nil {
		return err
	}
	op.cost = cost
	var txID *string
	if cost > 0 {
		t, _, err := applyCredit(ctx, tx, tn, creditChange{Type: igny8.TxDeduction, Amount: -cost,
			Description: "AI operation " + string(req.Operation), ReferenceType: igny8.RefAIOperation,
			ReferenceID: op.id, Actor: p.ActorID()})
		if err != nil {
			return err
		}
		op.balance, txID = t.BalanceAfter, &t.ID
	} else if err := tx.queryRow(ctx, `SELECT credits FROM accounts WHERE id = ?`, p.AccountID).Scan(&op.balance); err != nil {
		return translate(err)
	}
	_, err = tx.exec(ctx, `INSERT INTO credit_usage_logs (id, account_id, site_id, sector_id, operation, credits_used,
		outcome, transaction_id, idempotency_key, request_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
		op.id, p.AccountID, req.SiteID, orNull(req.SectorID), string(req.Operation), cost, txID,
		orNull(req.IdempotencyKey), hash, tx.now)
	if IsConstraint(err, "unique") && req.IdempotencyKey != "" {
		return fmt.Errorf("%w: %w", errKeyRace, err)
	}
	if err != nil {
		return fmt.Errorf("insert usage log: %w", err)
	}
	return nil
}

// operationSite checks that the site is live and visible to p (the same
// rule as every site read, visibleSite) and that the sector, when given,
// is a live sector of it. Errors: not_found.
func operationSite(ctx context.Context, c conn, p *igny8.Principal, siteID, sectorID string) error {
	if _, err := visibleSite(ctx, c, p, siteID, false); err != nil {
		return err
	}
	if sectorID == "" {
		return nil
	}
	var id string
	err := c.queryRow(ctx, `SELECT id FROM sectors WHERE id = ? AND site_id = ? AND account_id = ? AND deleted_at IS NULL`,
		sectorID, siteID, p.AccountID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return igny8.NotFound("Sector")
	}
	return translate(err)
}

// run calls the provider with the timeout; a panic counts as a failure, so
// that the operation is still refunded.
func (o *Operations) run(ctx context.Context, req *igny8.OperationRequest) (resp *igny8.AIResponse, err error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			resp, err = nil, fmt.Errorf("provider panicked: %v", r)
		}
	}()
	resp, err = o.provider.Run(ctx, igny8.AIRequest{Operation: req.Operation, Input: req.Input})
	if err == nil && (resp == nil || !json.Valid(resp.Output)) {
		err = errors.New("provider answered without a JSON output")
	}
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("%s after %s: %w", timeoutPrefix, o.timeout, err)
	}
	return resp, err
}

func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
