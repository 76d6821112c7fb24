package sqlstore_test

import (
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// testClock is a settable clock for the database.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func fixClock(db *sqlstore.DB) *testClock {
	c := &testClock{t: time.Now().UTC().Truncate(time.Microsecond)}
	db.Now = c.Now
	return c
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func countRows(t *testing.T, db *sqlstore.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.ReadSQL().QueryRow(db.Rebind(q), args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func auditCount(t *testing.T, db *sqlstore.DB, accountID, action string) int {
	t.Helper()
	return countRows(t, db, `SELECT COUNT(*) FROM audit_events WHERE account_id = ? AND action = ?`, accountID, action)
}

func checkout(t *testing.T, s *sqlstore.Services, tn tenant, plan string) *igny8.CheckoutResult {
	t.Helper()
	res, err := s.Billing.Checkout(tn.owner(), igny8.Checkout{Plan: plan, PaymentMethod: igny8.MethodBankTransfer})
	if err != nil {
		t.Fatalf("checkout %s: %v", plan, err)
	}
	return res
}

func confirm(t *testing.T, db *sqlstore.DB, paymentID string) *igny8.PaymentResult {
	t.Helper()
	res, err := sqlstore.NewAdmin(db).ConfirmPayment(adminCtx(), paymentID, igny8.PaymentConfirmation{})
	if err != nil {
		t.Fatalf("confirm %s: %v", paymentID, err)
	}
	return res
}

func account(t *testing.T, db *sqlstore.DB, tn tenant) *igny8.Account {
	t.Helper()
	a, err := sqlstore.New(db, sqlstore.ServiceOptions{}).Accounts.CurrentAccount(tn.owner())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var referenceRE = regexp.MustCompile(`^IGNY8-[2-9A-HJKMNP-TW-Z]{4}-[2-9A-HJKMNP-TW-Z]{4}$`)

// The whole bank-transfer path at store level: checkout leaves the account
// as it was, confirmation activates everything and grants credits once.
func TestBankTransferPath(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		tn := seedTenant(t, db, "path", 50)

		res := checkout(t, s, tn, "starter")
		pay, sub := res.Payment, res.Subscription
		if pay.Status != igny8.PaymentPending || pay.Amount != 8900 || pay.Currency != "USD" || pay.Plan != "starter" ||
			!referenceRE.MatchString(pay.Reference) || sub.Status != igny8.SubPendingPayment || sub.ID != pay.SubscriptionID {
			t.Fatalf("checkout: %+v %+v", pay, sub)
		}
		a := account(t, db, tn)
		if a.Status != igny8.StatusTrial || a.Plan.Slug != igny8.PlanFreeTrial || a.PaymentMethod == nil ||
			*a.PaymentMethod != igny8.MethodBankTransfer {
			t.Fatalf("account after checkout: %+v", a)
		}

		got := confirm(t, db, pay.ID)
		p, sb := got.Payment, got.Subscription
		if p.Status != igny8.PaymentConfirmed || p.ConfirmedBy == nil || p.ConfirmedAt == nil || sb.Status != igny8.SubActive ||
			sb.CurrentPeriodStart == nil || !sb.CurrentPeriodEnd.Equal(igny8.BillingPeriod(*sb.CurrentPeriodStart)) {
			t.Fatalf("confirmed: %+v %+v", p, sb)
		}
		a = account(t, db, tn)
		if a.Status != igny8.StatusActive || a.Plan.Slug != "starter" || a.StatusReason != "" || a.Credits != 1050 {
			t.Fatalf("account after confirmation: %+v", a)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM credit_transactions WHERE account_id = ? AND type = 'subscription'
			AND reference_type = 'payment' AND reference_id = ? AND amount = 1000`, tn.AccountID, pay.ID); n != 1 {
			t.Fatalf("%d subscription grants", n)
		}
		if auditCount(t, db, tn.AccountID, "payment.confirmed") != 1 || auditCount(t, db, tn.AccountID, "payment.created") != 1 {
			t.Fatal("audit events missing")
		}

		again := confirm(t, db, pay.ID)
		if again.Payment.Status != igny8.PaymentConfirmed || !again.Subscription.CurrentPeriodEnd.Equal(*sb.CurrentPeriodEnd) ||
			balance(t, db, tn) != 1050 || auditCount(t, db, tn.AccountID, "payment.confirmed") != 1 {
			t.Fatalf("second confirmation changed something: %+v", again.Subscription)
		}
		verifyClean(t, db)
	})
}

// Four administrators confirm one payment at once: all see it confirmed,
// the credits are granted once.
func TestConcurrentConfirmations(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		tn := seedTenant(t, db, "race", 0)
		pay := checkout(t, sqlstore.New(db, sqlstore.ServiceOptions{}), tn, "growth").Payment
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := sqlstore.NewAdmin(db).ConfirmPayment(adminCtx(), pay.ID, igny8.PaymentConfirmation{})
				if err != nil && igny8.ErrorCode(err) != igny8.EConflict {
					t.Errorf("confirm: %v", err)
				} else if err == nil && res.Payment.Status != igny8.PaymentConfirmed {
					t.Errorf("confirm answered %s", res.Payment.Status)
				}
			}()
		}
		wg.Wait()
		if got := balance(t, db, tn); got != 2000 {
			t.Fatalf("balance = %d, want 2000 (granted once)", got)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM credit_transactions WHERE account_id = ? AND type = 'subscription'`,
			tn.AccountID); n != 1 {
			t.Fatalf("%d subscription transactions", n)
		}
		if n := auditCount(t, db, tn.AccountID, "payment.confirmed"); n != 1 {
			t.Fatalf("%d confirmation audit events", n)
		}
		verifyClean(t, db)
	})
}

// A rejected payment cannot be confirmed, and a confirmed one cannot be
// rejected; rejection leaves the account as it was.
func TestRejectThenConfirm(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		s, adm := sqlstore.New(db, sqlstore.ServiceOptions{}), sqlstore.NewAdmin(db)
		tn := seedTenant(t, db, "rej", 0)
		pay := checkout(t, s, tn, "starter").Payment
		_, err := adm.RejectPayment(adminCtx(), pay.ID, igny8.PaymentRejection{Reason: " "})
		wantCode(t, err, igny8.EValidation)
		res, err := adm.RejectPayment(adminCtx(), pay.ID, igny8.PaymentRejection{Reason: "no transfer arrived"})
		if err != nil || res.Payment.Status != igny8.PaymentRejected || res.Subscription.Status != igny8.SubCancelled ||
			res.Payment.RejectedReason != "no transfer arrived" {
			t.Fatalf("reject: %v %+v", err, res)
		}
		if a := account(t, db, tn); a.Status != igny8.StatusTrial || a.Plan.Slug != igny8.PlanFreeTrial {
			t.Fatalf("account changed by a rejection: %+v", a)
		}
		_, err = adm.ConfirmPayment(adminCtx(), pay.ID, igny8.PaymentConfirmation{})
		wantCode(t, err, igny8.EConflict)
		if _, err := adm.RejectPayment(adminCtx(), pay.ID, igny8.PaymentRejection{Reason: "again"}); err != nil {
			t.Fatalf("rejecting twice: %v", err)
		}

		pay = checkout(t, s, tn, "starter").Payment
		confirm(t, db, pay.ID)
		_, err = adm.RejectPayment(adminCtx(), pay.ID, igny8.PaymentRejection{Reason: "oops"})
		wantCode(t, err, igny8.EConflict)
		_, err = adm.ConfirmPayment(adminCtx(), sqlstore.NewID(), igny8.PaymentConfirmation{})
		wantCode(t, err, igny8.ENotFound)
		verifyClean(t, db)
	})
}

// An amount received that differs from the amount due needs a note.
func TestConfirmAmountReceived(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		tn := seedTenant(t, db, "amt", 0)
		pay := checkout(t, sqlstore.New(db, sqlstore.ServiceOptions{}), tn, "starter").Payment
		short := int64(8000)
		adm := sqlstore.NewAdmin(db)
		_, err := adm.ConfirmPayment(adminCtx(), pay.ID, igny8.PaymentConfirmation{AmountReceived: &short})
		if e := wantCode(t, err, igny8.EValidation); len(e.Fields) != 1 || e.Fields[0].Field != "amount_received" {
			t.Fatalf("fields: %+v", e.Fields)
		}
		res, err := adm.ConfirmPayment(adminCtx(), pay.ID, igny8.PaymentConfirmation{AmountReceived: &short,
			Note: "bank fee deducted by the sender's bank", ExternalReference: "BANK-123"})
		if err != nil || *res.Payment.AmountReceived != 8000 || res.Payment.ExternalReference != "BANK-123" {
			t.Fatalf("confirm with note: %v %+v", err, res)
		}
	})
}

// A second checkout supersedes the pending one.
func TestSupersededCheckout(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		tn := seedTenant(t, db, "sup", 0)
		first := checkout(t, s, tn, "starter")
		second := checkout(t, s, tn, "growth")
		if first.Payment.Reference == second.Payment.Reference {
			t.Fatal("references repeat")
		}
		old, err := sqlstore.NewAdmin(db).ListPayments(adminCtx(), igny8.PaymentFilter{Reference: first.Payment.Reference},
			igny8.PageRequest{})
		if err != nil || len(old.Items) != 1 {
			t.Fatalf("find by reference: %v %+v", err, old)
		}
		if p := old.Items[0].Payment; p.Status != igny8.PaymentRejected || p.RejectedReason != igny8.RejectSuperseded {
			t.Fatalf("first payment: %+v", p)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM subscriptions WHERE id = ? AND status = 'cancelled'`,
			first.Subscription.ID); n != 1 {
			t.Fatal("superseded subscription not cancelled")
		}
		sum, err := s.Billing.BillingSummary(tn.owner())
		if err != nil || sum.PendingPayment == nil || sum.PendingPayment.ID != second.Payment.ID ||
			sum.Subscription.ID != second.Subscription.ID {
			t.Fatalf("summary: %v %+v", err, sum)
		}
		_, err = sqlstore.NewAdmin(db).ConfirmPayment(adminCtx(), first.Payment.ID, igny8.PaymentConfirmation{})
		wantCode(t, err, igny8.EConflict)
		page, err := s.Billing.ListPayments(tn.owner(), igny8.PageRequest{Limit: 1})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != second.Payment.ID || page.NextCursor == nil {
			t.Fatalf("page 1: %v %+v", err, page)
		}
		page, err = s.Billing.ListPayments(tn.owner(), igny8.PageRequest{Limit: 1, Cursor: *page.NextCursor})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != first.Payment.ID || page.NextCursor != nil {
			t.Fatalf("page 2: %v %+v", err, page)
		}
	})
}

// A colliding reference is drawn again.
func TestPaymentReferenceCollision(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		draws := []string{"IGNY8-AAAA-AAAA", "IGNY8-AAAA-AAAA", "IGNY8-BBBB-BBBB"}
		sqlstore.SetReferenceSource(s, func() string { r := draws[0]; draws = draws[1:]; return r })
		a, c := seedTenant(t, db, "ca", 0), seedTenant(t, db, "cb", 0)
		if ref := checkout(t, s, a, "starter").Payment.Reference; ref != "IGNY8-AAAA-AAAA" {
			t.Fatalf("first reference %s", ref)
		}
		if ref := checkout(t, s, c, "starter").Payment.Reference; ref != "IGNY8-BBBB-BBBB" {
			t.Fatalf("second reference %s", ref)
		}
	})
}

// Checkout refuses what it cannot sell, naming why.
func TestCheckoutRefusals(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		tn := seedTenant(t, db, "ref", 0)
		if _, err := sqlstore.NewAdmin(db).UpsertPlan(adminCtx(), igny8.Plan{Slug: "retired", Name: "Retired", Price: 100, Currency: "USD",
			MaxUsers: 1, APIRequestsPerMinute: 1}); err != nil {
			t.Fatal(err)
		}
		cases := []struct{ plan, method, code, field string }{
			{"nope", igny8.MethodBankTransfer, igny8.EValidation, "plan"},
			{"retired", igny8.MethodBankTransfer, igny8.EValidation, "plan"},
			{"enterprise", igny8.MethodBankTransfer, igny8.EValidation, "plan"},
			{"free-trial", igny8.MethodBankTransfer, igny8.EValidation, "plan"},
			{"starter", igny8.MethodStripe, igny8.EPaymentMethod, ""},
			{"starter", igny8.MethodPayPal, igny8.EPaymentMethod, ""},
			{"starter", "cash", igny8.EValidation, "payment_method"},
		}
		for _, c := range cases {
			_, err := s.Billing.Checkout(tn.owner(), igny8.Checkout{Plan: c.plan, PaymentMethod: c.method})
			e := wantCode(t, err, c.code)
			if c.field != "" && (len(e.Fields) != 1 || e.Fields[0].Field != c.field) {
				t.Errorf("%s/%s: fields %+v", c.plan, c.method, e.Fields)
			}
		}
		_, err := s.Billing.Checkout(tn.ctx(igny8.RoleAdmin, tn.OwnerID), igny8.Checkout{Plan: "starter", PaymentMethod: igny8.MethodBankTransfer})
		wantCode(t, err, igny8.EForbidden)
		if n := countRows(t, db, `SELECT COUNT(*) FROM payments`); n != 0 {
			t.Fatalf("refused checkouts left %d payments", n)
		}
	})
}

// A downgrade the account exceeds is refused with each limit that is over.
func TestCheckoutDowngradeOverLimits(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		tn := seedTenant(t, db, "down", 0)
		confirm(t, db, checkout(t, s, tn, "growth").Payment.ID)
		now := time.Now().UTC()
		mustExec(t, db, `INSERT INTO sites (id, account_id, name, slug, created_at, updated_at) VALUES (?, ?, 'Two', 'two', ?, ?)`,
			sqlstore.NewID(), tn.AccountID, now, now)
		seedUser(t, db, tn.AccountID, "ed1@example.com", igny8.RoleEditor)
		seedUser(t, db, tn.AccountID, "ed2@example.com", igny8.RoleEditor)
		_, err := s.Billing.Checkout(tn.owner(), igny8.Checkout{Plan: "starter", PaymentMethod: igny8.MethodBankTransfer})
		e := wantCode(t, err, igny8.EValidation)
		if len(e.Fields) != 2 || e.Fields[0].Field != "sites" || e.Fields[1].Field != "users" {
			t.Fatalf("over: %+v", e.Fields)
		}
		// An upgrade is fine.
		checkout(t, s, tn, "scale")
	})
}

// Checkouts racing for one account leave exactly one pending payment; the
// others are superseded, their subscriptions cancelled.
func TestConcurrentCheckouts(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		tn := seedTenant(t, db, "rush", 0)
		var wg sync.WaitGroup
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.Billing.Checkout(tn.owner(), igny8.Checkout{Plan: "starter", PaymentMethod: igny8.MethodBankTransfer}); err != nil {
					t.Errorf("checkout: %v", err)
				}
			}()
		}
		wg.Wait()
		q := `SELECT COUNT(*) FROM payments WHERE account_id = ? AND status = ?`
		if p, r := countRows(t, db, q, tn.AccountID, "pending"), countRows(t, db, q, tn.AccountID, "rejected"); p != 1 || r != 3 {
			t.Fatalf("pending %d, rejected %d", p, r)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM subscriptions WHERE account_id = ? AND status = 'pending_payment'`,
			tn.AccountID); n != 1 {
			t.Fatalf("%d pending subscriptions", n)
		}
	})
}
