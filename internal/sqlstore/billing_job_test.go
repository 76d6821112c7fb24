package sqlstore_test

import (
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// When the job ends a subscription cancelled at period end, the renewal
// payment still awaiting its transfer is rejected; another account's
// pending payment is left alone.
func TestEndedSubscriptionRejectsPendingRenewal(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		clock := fixClock(db)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		tn := seedTenant(t, db, "ending", 0)
		other := seedTenant(t, db, "waiting", 0)
		confirm(t, db, checkout(t, s, tn, "starter").Payment.ID)
		if _, err := s.Billing.CancelSubscription(tn.owner()); err != nil {
			t.Fatal(err)
		}
		renewal := checkout(t, s, tn, "starter").Payment
		waiting := checkout(t, s, other, "starter").Payment

		clock.Add(32 * 24 * time.Hour)
		if res := runJob(t, db); res.Cancelled != 1 {
			t.Fatalf("job: %+v", res)
		}
		status := func(id string) (string, string) {
			t.Helper()
			var st, reason string
			if err := db.SQL().QueryRow(db.Rebind(`SELECT status, rejected_reason FROM payments WHERE id = ?`), id).
				Scan(&st, &reason); err != nil {
				t.Fatal(err)
			}
			return st, reason
		}
		if st, reason := status(renewal.ID); st != igny8.PaymentRejected || reason != igny8.RejectSubscriptionCancelled {
			t.Fatalf("renewal payment: %s %q", st, reason)
		}
		if st, _ := status(waiting.ID); st != igny8.PaymentPending {
			t.Fatalf("other account's payment: %s", st)
		}
	})
}
