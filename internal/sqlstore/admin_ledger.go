package sqlstore

import (
	"context"

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
	sys, err := asSystem(ctx)
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
		IdempotencyKey: in.IdempotencyKey, Actor: sys.p.ActorID()}
	t, _, err := a.db.applyCreditOnce(ctx, sys.reach(accountID), ch, func(tx *Tx, t *igny8.CreditTransaction) error {
		return audit(ctx, tx, sys.reach(accountID), "credits.adjusted", "credit_transaction", t.ID,
			map[string]any{"amount": t.Amount, "balance_after": t.BalanceAfter, "description": desc})
	})
	return t, err
}

var _ igny8.AdminLedgerService = (*Admin)(nil)
