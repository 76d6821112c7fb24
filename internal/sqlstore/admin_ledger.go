package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/igny8/igny8"
)

// maxAdjustment bounds one admin adjustment, against typing slips.
const maxAdjustment = 1_000_000_000

// AdjustCredits adds amount (negative: removes) to an account's balance as
// an `adjustment` transaction, with an audit event, in one transaction. An
// IdempotencyKey makes a retry answer with the first adjustment. Errors:
// unauthenticated, forbidden, not_found, validation_failed,
// insufficient_credits (the balance would go below zero).
func (a *Admin) AdjustCredits(ctx context.Context, accountID string, in igny8.CreditAdjustment) (*igny8.CreditTransaction, error) {
	p, err := igny8.AdminPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	desc, err := validDescription(in.Description)
	if err != nil {
		return nil, err
	}
	if in.Amount == 0 || in.Amount > maxAdjustment || in.Amount < -maxAdjustment {
		return nil, igny8.InvalidField("amount", "must be a non-zero number of credits up to 1000000000")
	}
	ch := creditChange{Type: igny8.TxAdjustment, Amount: in.Amount, Description: desc,
		ReferenceType: igny8.RefAccount, ReferenceID: accountID,
		IdempotencyKey: in.IdempotencyKey, Actor: p.ActorID()}
	t, _, err := a.db.applyCreditOnce(ctx, accountID, ch, func(tx *Tx, t *igny8.CreditTransaction) error {
		return ledgerAudit(ctx, tx, &accountID, p.ActorID(), "credits.adjusted", "credit_transaction", t.ID,
			map[string]any{"amount": t.Amount, "balance_after": t.BalanceAfter, "description": desc})
	})
	return t, err
}

// ledgerAudit appends one audit event in tx; accountID is nil for
// system-wide changes such as the cost table.
func ledgerAudit(ctx context.Context, tx *Tx, accountID *string, actor, action, targetType, targetID string, details any) error {
	d, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("audit details: %w", err)
	}
	_, err = tx.exec(ctx, `INSERT INTO audit_events (id, account_id, actor, action, target_type, target_id, details, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, newID(), accountID, actor, action, targetType, targetID, string(d), tx.now)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}
