package sqlstore

import (
	"context"

	"github.com/igny8/igny8"
)

// EnqueueForTest writes a message to to in a transaction of db that then
// fails with fail (commits when fail is nil), for the outbox tests.
func EnqueueForTest(ctx context.Context, db *DB, c igny8.MailContent, to string, fail error) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if err := enqueue(ctx, tx, noTenant, c, to); err != nil {
			return err
		}
		return fail
	})
}

// DeductForTest deducts amount credits from the account through the
// ledger in a transaction that then fails with fail (commits when nil).
func DeductForTest(ctx context.Context, db *DB, accountID string, amount int64, fail error) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if _, _, err := applyCredit(ctx, tx, tenant{id: accountID}, creditChange{Type: igny8.TxDeduction, Amount: -amount,
			Description: "test deduction", Actor: "system"}); err != nil {
			return err
		}
		return fail
	})
}
