package sqlstore_test

import (
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

const grace = 7 * 24 * time.Hour

func runJob(t *testing.T, db *sqlstore.DB) igny8.BillingJobResult {
	t.Helper()
	res, err := sqlstore.NewAdmin(db).RunBillingJob(adminCtx(), grace)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// A payment for the next period extends the subscription from its current
// end and grants that period's credits.
func TestRenewalExtendsPeriod(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		clock := fixClock(db)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		tn := seedTenant(t, db, "renew", 0)
		first := confirm(t, db, checkout(t, s, tn, "starter").Payment.ID).Subscription
		clock.Add(25 * 24 * time.Hour)

		next := checkout(t, s, tn, "starter")
		if next.Subscription.ID != first.ID || next.Subscription.Status != igny8.SubActive {
			t.Fatalf("renewal checkout made a new subscription: %+v", next.Subscription)
		}
		renewed := confirm(t, db, next.Payment.ID).Subscription
		if renewed.ID != first.ID || !renewed.CurrentPeriodEnd.Equal(igny8.BillingPeriod(*first.CurrentPeriodEnd)) ||
			!renewed.CurrentPeriodStart.Equal(*first.CurrentPeriodStart) {
			t.Fatalf("renewed period %v-%v, first %v-%v", renewed.CurrentPeriodStart, renewed.CurrentPeriodEnd,
				first.CurrentPeriodStart, first.CurrentPeriodEnd)
		}
		if got := balance(t, db, tn); got != 2000 {
			t.Fatalf("balance = %d, want two periods' credits", got)
		}
		// Past the first end plus grace, but paid: the job leaves it alone.
		clock.Add(20 * 24 * time.Hour)
		if res := runJob(t, db); res.PastDue != 0 {
			t.Fatalf("job marked a paid subscription past due: %+v", res)
		}
		verifyClean(t, db)
	})
}

// The past-due job run twice at once makes one transition with one audit
// event; paying again reactivates the account.
func TestPastDueJobConcurrentAndReactivation(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		clock := fixClock(db)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		tn := seedTenant(t, db, "due", 0)
		sub := confirm(t, db, checkout(t, s, tn, "starter").Payment.ID).Subscription

		clock.Add(sub.CurrentPeriodEnd.Sub(clock.Now()) + grace - time.Minute)
		if res := runJob(t, db); res.PastDue != 0 {
			t.Fatalf("job acted within the grace period: %+v", res)
		}
		clock.Add(2 * time.Minute)
		var wg sync.WaitGroup
		results := make([]igny8.BillingJobResult, 2)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := sqlstore.NewAdmin(db).RunBillingJob(adminCtx(), grace)
				if err != nil {
					t.Error(err)
				}
				results[i] = res
			}()
		}
		wg.Wait()
		if results[0].PastDue+results[1].PastDue != 1 {
			t.Fatalf("transitions: %+v", results)
		}
		if n := auditCount(t, db, tn.AccountID, "subscription.past_due"); n != 1 {
			t.Fatalf("%d past-due audit events", n)
		}
		a := account(t, db, tn)
		if a.Status != igny8.StatusSuspended || a.StatusReason != igny8.ReasonPaymentOverdue {
			t.Fatalf("account: %s %s", a.Status, a.StatusReason)
		}

		again := checkout(t, s, tn, "starter")
		if again.Subscription.ID != sub.ID || again.Subscription.Status != igny8.SubPastDue {
			t.Fatalf("checkout of a past-due subscription: %+v", again.Subscription)
		}
		back := confirm(t, db, again.Payment.ID).Subscription
		if back.Status != igny8.SubActive || !back.CurrentPeriodStart.Equal(clock.Now()) {
			t.Fatalf("reactivated: %+v", back)
		}
		if a := account(t, db, tn); a.Status != igny8.StatusActive || a.StatusReason != "" {
			t.Fatalf("account after paying: %s %q", a.Status, a.StatusReason)
		}
		verifyClean(t, db)
	})
}

// Cancelling at period end keeps the account until the end, then the job
// cancels it.
func TestCancelAtPeriodEnd(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		clock := fixClock(db)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		tn := seedTenant(t, db, "bye", 0)
		_, err := s.Billing.CancelSubscription(tn.owner())
		wantCode(t, err, igny8.EConflict)
		confirm(t, db, checkout(t, s, tn, "starter").Payment.ID)
		for i := 0; i < 2; i++ {
			sub, err := s.Billing.CancelSubscription(tn.owner())
			if err != nil || !sub.CancelAtPeriodEnd {
				t.Fatalf("cancel: %v %+v", err, sub)
			}
		}
		if n := auditCount(t, db, tn.AccountID, "subscription.cancel_requested"); n != 1 {
			t.Fatalf("%d cancel audit events", n)
		}
		if res := runJob(t, db); res.Cancelled != 0 || account(t, db, tn).Status != igny8.StatusActive {
			t.Fatal("cancelled before the period's end")
		}
		clock.Add(32 * 24 * time.Hour)
		if res := runJob(t, db); res.Cancelled != 1 || res.PastDue != 0 {
			t.Fatalf("job: %+v", res)
		}
		a := account(t, db, tn)
		if a.Status != igny8.StatusCancelled || a.StatusReason != igny8.ReasonSubscriptionCancelled {
			t.Fatalf("account: %s %s", a.Status, a.StatusReason)
		}
		if res := runJob(t, db); res.Cancelled != 0 {
			t.Fatal("ended twice")
		}
	})
}

// A plan change through checkout replaces the current subscription when
// its payment is confirmed.
func TestPlanChangeReplacesSubscription(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		tn := seedTenant(t, db, "up", 0)
		old := confirm(t, db, checkout(t, s, tn, "starter").Payment.ID).Subscription
		up := checkout(t, s, tn, "scale")
		if up.Subscription.ID == old.ID || up.Subscription.Status != igny8.SubPendingPayment {
			t.Fatalf("upgrade checkout: %+v", up.Subscription)
		}
		if a := account(t, db, tn); a.Plan.Slug != "starter" {
			t.Fatal("plan changed before payment")
		}
		confirm(t, db, up.Payment.ID)
		if n := countRows(t, db, `SELECT COUNT(*) FROM subscriptions WHERE id = ? AND status = 'cancelled'`, old.ID); n != 1 {
			t.Fatal("old subscription still current")
		}
		if a := account(t, db, tn); a.Plan.Slug != "scale" || a.Credits != 5000 {
			t.Fatalf("account: %s %d", a.Plan.Slug, a.Credits)
		}
		verifyClean(t, db)
	})
}

// Billing reads never show another account's rows, and audit lists are
// scoped and paginated.
func TestBillingTenantIsolationAndAudit(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		a, other := seedTenant(t, db, "iso-a", 0), seedTenant(t, db, "iso-b", 0)
		confirm(t, db, checkout(t, s, a, "starter").Payment.ID)
		if page, err := s.Billing.ListPayments(other.owner(), igny8.PageRequest{}); err != nil || len(page.Items) != 0 {
			t.Fatalf("other account sees payments: %v %+v", err, page)
		}
		sum, err := s.Billing.BillingSummary(other.owner())
		if err != nil || sum.Subscription != nil || sum.PendingPayment != nil {
			t.Fatalf("other account summary: %v %+v", err, sum)
		}
		events, err := s.Billing.AccountAudit(a.owner(), igny8.PageRequest{})
		if err != nil || len(events.Items) != 2 || events.Items[0].Action != "payment.confirmed" {
			t.Fatalf("audit: %v %+v", err, events)
		}
		for _, e := range events.Items {
			if e.AccountID == nil || *e.AccountID != a.AccountID {
				t.Fatalf("foreign event %+v", e)
			}
		}
		_, err = s.Billing.AccountAudit(a.ctx(igny8.RoleEditor, a.OwnerID), igny8.PageRequest{})
		wantCode(t, err, igny8.EForbidden)
		all, err := sqlstore.NewAdmin(db).ListAudit(adminCtx(), igny8.AuditFilter{AccountID: a.AccountID}, igny8.PageRequest{Limit: 1})
		if err != nil || len(all.Items) != 1 || all.NextCursor == nil {
			t.Fatalf("admin audit: %v %+v", err, all)
		}
		_, err = sqlstore.NewAdmin(db).ListAudit(a.owner(), igny8.AuditFilter{}, igny8.PageRequest{})
		wantCode(t, err, igny8.EForbidden)
	})
}

// The past-due job and the confirmation of a renewal race: whichever wins,
// the subscription and the account end active and the ledger is sound.
func TestPastDueJobRacesRenewal(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		clock := fixClock(db)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		tn := seedTenant(t, db, "tight", 0)
		sub := confirm(t, db, checkout(t, s, tn, "starter").Payment.ID).Subscription
		renewal := checkout(t, s, tn, "starter").Payment
		clock.Add(sub.CurrentPeriodEnd.Sub(clock.Now()) + grace + time.Hour)
		var wg sync.WaitGroup
		wg.Add(3)
		for i := 0; i < 2; i++ {
			go func() {
				defer wg.Done()
				if _, err := sqlstore.NewAdmin(db).RunBillingJob(adminCtx(), grace); err != nil {
					t.Error(err)
				}
			}()
		}
		go func() {
			defer wg.Done()
			if _, err := sqlstore.NewAdmin(db).ConfirmPayment(adminCtx(), renewal.ID, igny8.PaymentConfirmation{}); err != nil {
				t.Error(err)
			}
		}()
		wg.Wait()
		sum, err := s.Billing.BillingSummary(tn.owner())
		if err != nil || sum.Subscription.Status != igny8.SubActive || !sum.Subscription.CurrentPeriodEnd.After(clock.Now()) {
			t.Fatalf("subscription after the race: %v %+v", err, sum.Subscription)
		}
		if a := account(t, db, tn); a.Status != igny8.StatusActive || a.Credits != 2000 {
			t.Fatalf("account after the race: %s %d", a.Status, a.Credits)
		}
		if n := auditCount(t, db, tn.AccountID, "subscription.past_due"); n > 1 {
			t.Fatalf("%d past-due events", n)
		}
		verifyClean(t, db)
	})
}
