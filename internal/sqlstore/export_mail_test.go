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
