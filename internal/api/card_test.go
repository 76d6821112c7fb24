package api_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

type cardCheckoutJSON struct {
	Payment      paymentJSON
	Subscription subscriptionJSON
	CheckoutURL  *string `json:"checkout_url"`
}

// cardEnv is igny8 with Stripe (stripe-mock) and the Starter plan sold by card.
func cardEnv(t *testing.T, b storetest.Backend) (*apptest.Env, string) {
	t.Helper()
	e := apptest.New(t, b, apptest.WithStripe(apptest.StripeMock(t)))
	dev := e.Developer()
	var plan struct {
		StripePriceID string `json:"stripe_price_id"`
	}
	must(t, e.As(dev, "PATCH", "/api/v1/admin/plans/starter", map[string]any{"stripe_price_id": "price_starter"}), http.StatusOK).JSON(t, &plan)
	if plan.StripePriceID != "price_starter" {
		t.Fatalf("plan: %+v", plan)
	}
	return e, dev
}

func cardCheckout(t *testing.T, e *apptest.Env, owner *apptest.User) cardCheckoutJSON {
	t.Helper()
	var res cardCheckoutJSON
	must(t, e.As(owner.Token, "POST", "/api/v1/billing/checkout", map[string]string{"plan": "starter", "payment_method": "stripe"}),
		http.StatusCreated).JSON(t, &res)
	if res.CheckoutURL == nil || !strings.HasPrefix(*res.CheckoutURL, "https://") || res.Payment.Status != "pending" ||
		res.Payment.Method != "stripe" || res.Subscription.Status != "pending_payment" {
		t.Fatalf("card checkout: %+v", res)
	}
	return res
}

func sessionCompleted(payID, sub, invoice string) map[string]any {
	return map[string]any{"id": "cs_test_" + payID, "object": "checkout.session", "client_reference_id": payID,
		"mode": "subscription", "payment_status": "paid", "status": "complete", "customer": "cus_test",
		"subscription": sub, "invoice": invoice, "amount_total": 8900, "currency": "usd"}
}

func invoice(id, sub, payID string, start, end time.Time) map[string]any {
	return map[string]any{"id": id, "object": "invoice", "customer": "cus_test", "amount_paid": 8900, "amount_due": 8900,
		"currency": "usd", "parent": map[string]any{"type": "subscription_details", "subscription_details": map[string]any{
			"subscription": sub, "metadata": map[string]any{"igny8_payment_id": payID}}},
		"lines": map[string]any{"object": "list", "data": []any{map[string]any{"id": "il_" + id, "object": "line_item",
			"period": map[string]any{"start": start.Unix(), "end": end.Unix()}}}}}
}

type ackJSON struct {
	Received, Duplicate, Ignored bool
}

func deliver(t *testing.T, e *apptest.Env, id, typ string, created time.Time, obj map[string]any) ackJSON {
	t.Helper()
	var ack ackJSON
	must(t, e.StripeEvent(id, typ, created, obj), http.StatusOK).JSON(t, &ack)
	return ack
}

func periodEnd(t *testing.T, e *apptest.Env, owner *apptest.User) time.Time {
	t.Helper()
	var sum struct{ Subscription subscriptionJSON }
	must(t, e.As(owner.Token, "GET", "/api/v1/billing/subscription", nil), http.StatusOK).JSON(t, &sum)
	if sum.Subscription.CurrentPeriodEnd == nil {
		t.Fatalf("no period: %+v", sum)
	}
	end, err := time.Parse(time.RFC3339, *sum.Subscription.CurrentPeriodEnd)
	if err != nil {
		t.Fatal(err)
	}
	return end
}

// Without Stripe configured, card and PayPal checkouts stay unavailable and
// the webhook does not exist; with Stripe, a plan without a Stripe price
// and PayPal stay unavailable.
func TestCardPaymentsNeedStripeAndAPrice(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("No Cards")
		for _, m := range []string{"stripe", "paypal"} {
			r := e.As(owner.Token, "POST", "/api/v1/billing/checkout", map[string]string{"plan": "starter", "payment_method": m})
			if r.Status != 422 && r.Status != 400 || r.Code() != "payment_method_unavailable" {
				t.Fatalf("%s without Stripe: %s", m, r)
			}
		}
		if r := e.StripeEvent("evt_1", "invoice.paid", time.Now(), map[string]any{"id": "in_1"}); r.Status != 404 {
			t.Fatalf("webhook without Stripe: %s", r)
		}
		if n := e.Count(`SELECT COUNT(*) FROM payments`); n != 0 {
			t.Fatalf("%d payments", n)
		}

		c := apptest.New(t, b, apptest.WithStripe(apptest.StripeMock(t)))
		owner = c.SignUp("No Price")
		for _, m := range []string{"stripe", "paypal"} {
			r := c.As(owner.Token, "POST", "/api/v1/billing/checkout", map[string]string{"plan": "growth", "payment_method": m})
			if r.Code() != "payment_method_unavailable" {
				t.Fatalf("%s for a plan without a Stripe price: %s", m, r)
			}
		}
		if r := c.As(c.Developer(), "PATCH", "/api/v1/admin/plans/growth", map[string]any{"stripe_price_id": "not a price"}); r.Status != 422 {
			t.Fatalf("bad price id: %s", r)
		}
	})
}

// An unpaid Checkout Session that expires rejects its pending payment and
// cancels the subscription that waited for it; the owner gets no
// "transfer not accepted" mail for a card.
func TestStripeCheckoutExpired(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e, _ := cardEnv(t, b)
		owner := e.SignUp("Walked Away")
		res := cardCheckout(t, e, owner)
		obj := sessionCompleted(res.Payment.ID, "", "")
		obj["payment_status"], obj["status"] = "unpaid", "expired"
		delete(obj, "subscription")
		delete(obj, "invoice")
		deliver(t, e, "evt_expired", "checkout.session.expired", time.Now(), obj)
		if n := e.Count(`SELECT COUNT(*) FROM payments WHERE id = ? AND status = 'rejected' AND rejected_reason = 'checkout_expired'`,
			res.Payment.ID); n != 1 {
			t.Fatal("payment not rejected")
		}
		if n := e.Count(`SELECT COUNT(*) FROM subscriptions WHERE id = ? AND status = 'cancelled'`, res.Subscription.ID); n != 1 {
			t.Fatal("pending subscription not cancelled")
		}
		if n := e.Count(`SELECT COUNT(*) FROM messages WHERE kind = 'payment_rejected' AND account_id = ?`, owner.AccountID); n != 0 {
			t.Fatalf("%d rejection mails for a card checkout", n)
		}
		if a := getAccount(t, e, owner); a.Status != "trial" {
			t.Fatalf("account changed: %+v", a)
		}
	})
}

// A paid subscription: checkout opens Stripe's page for the account's one
// Stripe customer; the completed session confirms the payment (account
// active on the plan, credits once), its invoice.paid changes nothing more,
// a renewal invoice grants the next period once however often it comes.
func TestCardSubscriptionPaidOnce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e, _ := cardEnv(t, b)
		owner := e.SignUp("Card Payer")
		before := getAccount(t, e, owner).Credits
		first := cardCheckout(t, e, owner)
		res := cardCheckout(t, e, owner) // a second try supersedes the first, same customer
		if n := e.Count(`SELECT COUNT(*) FROM accounts WHERE id = ? AND stripe_customer_id <> ''`, owner.AccountID); n != 1 {
			t.Fatalf("customer stored: %d", n)
		}
		var portal struct{ URL string }
		must(t, e.As(owner.Token, "POST", "/api/v1/billing/portal", nil), http.StatusOK).JSON(t, &portal)
		if !strings.HasPrefix(portal.URL, "https://") {
			t.Fatalf("portal: %+v", portal)
		}

		now := time.Now().UTC().Truncate(time.Second)
		// Stripe's first period is a day longer than the month the
		// checkout session (which carries none) assumes.
		start, end := now, now.AddDate(0, 1, 1)
		ack := deliver(t, e, "evt_cs", "checkout.session.completed", now, sessionCompleted(res.Payment.ID, "sub_1", "in_1"))
		if ack.Duplicate || ack.Ignored {
			t.Fatalf("ack: %+v", ack)
		}
		a := getAccount(t, e, owner)
		if a.Status != "active" || a.Plan.Slug != "starter" || a.Credits != before+1000 || a.PaymentMethod == nil || *a.PaymentMethod != "stripe" {
			t.Fatalf("after paying: %+v", a)
		}
		if n := e.Count(`SELECT COUNT(*) FROM payments WHERE id = ? AND status = 'confirmed' AND external_reference = 'in_1'`, res.Payment.ID); n != 1 {
			t.Fatal("payment not confirmed with its invoice")
		}
		if n := e.Count(`SELECT COUNT(*) FROM payments WHERE id = ? AND status = 'rejected'`, first.Payment.ID); n != 1 {
			t.Fatal("first checkout not superseded")
		}
		if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE account_id = ? AND action = 'payment.confirmed'`, owner.AccountID); n != 1 {
			t.Fatalf("%d confirmation audit events", n)
		}
		// The first invoice's own event: the same payment, nothing more.
		deliver(t, e, "evt_in1", "invoice.paid", now, invoice("in_1", "sub_1", res.Payment.ID, start, end))
		if a := getAccount(t, e, owner); a.Credits != before+1000 {
			t.Fatalf("first invoice granted again: %+v", a)
		}
		if got := periodEnd(t, e, owner); !got.Equal(end) {
			t.Fatalf("period end %v, want Stripe's %v", got, end)
		}
		// The renewal: a new payment, the next period, credits once.
		renewal := invoice("in_2", "sub_1", res.Payment.ID, end, end.AddDate(0, 1, 0))
		for i, id := range []string{"evt_in2", "evt_in2", "evt_in2_again"} {
			ack := deliver(t, e, id, "invoice.paid", end, renewal)
			if ack.Duplicate != (i == 1) {
				t.Fatalf("delivery %d: %+v", i, ack)
			}
		}
		if a := getAccount(t, e, owner); a.Credits != before+2000 || a.Status != "active" {
			t.Fatalf("after renewal: %+v", a)
		}
		if got := periodEnd(t, e, owner); !got.Equal(end.AddDate(0, 1, 0)) {
			t.Fatalf("period end %v, want Stripe's %v", got, end.AddDate(0, 1, 0))
		}
		if n := e.Count(`SELECT COUNT(*) FROM payments WHERE account_id = ? AND method = 'stripe' AND status = 'confirmed'`, owner.AccountID); n != 2 {
			t.Fatalf("%d confirmed card payments", n)
		}
		// Unhandled types answer 200 and change nothing.
		if ack := deliver(t, e, "evt_other", "customer.updated", now, map[string]any{"id": "cus_test", "object": "customer"}); !ack.Ignored {
			t.Fatalf("unhandled: %+v", ack)
		}
		if n := e.Count(`SELECT COUNT(*) FROM stripe_events WHERE id = 'evt_other'`); n != 0 {
			t.Fatal("an unhandled event was stored")
		}
		ledgerClean(t, e)
	})
}

// The signature is checked first: an unsigned, wrongly signed or altered body
// answers 400 and changes nothing.
func TestStripeWebhookRefusesBadSignatures(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e, _ := cardEnv(t, b)
		owner := e.SignUp("Forger Target")
		res := cardCheckout(t, e, owner)
		body := apptest.StripeEventBody(t, "evt_forged", "checkout.session.completed", time.Now(),
			sessionCompleted(res.Payment.ID, "sub_1", "in_1"))
		for name, r := range map[string]*apptest.Response{
			"unsigned":     e.PostStripeBody(body, ""),
			"wrong secret": e.PostStripeBody(body, "whsec_someone_else"),
			"garbage":      e.Do("POST", "/api/v1/webhooks/stripe", body, "Stripe-Signature", "t=1,v1=00"),
		} {
			if r.Status != 400 {
				t.Fatalf("%s: %s", name, r)
			}
		}
		if n := e.Count(`SELECT COUNT(*) FROM stripe_events`); n != 0 {
			t.Fatalf("%d events stored", n)
		}
		if n := e.Count(`SELECT COUNT(*) FROM payments WHERE id = ? AND status = 'pending'`, res.Payment.ID); n != 1 {
			t.Fatal("payment changed by a forged event")
		}
	})
}

// Concurrent deliveries of one event apply it once.
func TestStripeEventConcurrentDeliveries(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e, _ := cardEnv(t, b)
		owner := e.SignUp("Many Deliveries")
		before := getAccount(t, e, owner).Credits
		res := cardCheckout(t, e, owner)
		body := apptest.StripeEventBody(t, "evt_once", "checkout.session.completed", time.Now(),
			sessionCompleted(res.Payment.ID, "sub_1", "in_1"))
		var wg sync.WaitGroup
		acks := make([]ackJSON, 8)
		for i := range acks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := e.PostStripeBody(body, apptest.StripeWebhookSecret)
				if r.Status != 200 {
					t.Errorf("delivery %d: %s", i, r)
					return
				}
				r.JSON(t, &acks[i])
			}()
		}
		wg.Wait()
		applied := 0
		for _, a := range acks {
			if !a.Duplicate {
				applied++
			}
		}
		if applied != 1 {
			t.Fatalf("applied %d times: %+v", applied, acks)
		}
		if a := getAccount(t, e, owner); a.Credits != before+1000 {
			t.Fatalf("credits: %+v", a)
		}
		ledgerClean(t, e)
	})
}

// Events out of order: a late, older invoice never moves the period back,
// and a deleted subscription stays cancelled when an older payment arrives.
func TestStripeEventsOutOfOrder(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e, _ := cardEnv(t, b)
		owner := e.SignUp("Out Of Order")
		before := getAccount(t, e, owner).Credits
		res := cardCheckout(t, e, owner)
		now := time.Now().UTC().Truncate(time.Second)
		end1, end2 := now.AddDate(0, 1, 0), now.AddDate(0, 2, 0)
		// The renewal's invoice comes before the first one's.
		deliver(t, e, "evt_in2", "invoice.paid", end1, invoice("in_2", "sub_1", res.Payment.ID, end1, end2))
		deliver(t, e, "evt_in1", "invoice.paid", now, invoice("in_1", "sub_1", res.Payment.ID, now, end1))
		deliver(t, e, "evt_cs", "checkout.session.completed", now, sessionCompleted(res.Payment.ID, "sub_1", "in_1"))
		if got := periodEnd(t, e, owner); !got.Equal(end2) {
			t.Fatalf("period end %v, want %v", got, end2)
		}
		if a := getAccount(t, e, owner); a.Credits != before+2000 || a.Status != "active" {
			t.Fatalf("two invoices: %+v", a)
		}
		// Deleted, then a failure and a payment from before the deletion.
		deliver(t, e, "evt_del", "customer.subscription.deleted", end2, map[string]any{"id": "sub_1", "object": "subscription",
			"customer": "cus_test", "status": "canceled"})
		deliver(t, e, "evt_fail_old", "invoice.payment_failed", end1, invoice("in_3", "sub_1", res.Payment.ID, end2, end2.AddDate(0, 1, 0)))
		deliver(t, e, "evt_in3_old", "invoice.paid", end1, invoice("in_3", "sub_1", res.Payment.ID, end2, end2.AddDate(0, 1, 0)))
		if n := e.Count(`SELECT COUNT(*) FROM accounts WHERE id = ? AND status = 'cancelled'`, owner.AccountID); n != 1 {
			t.Fatal("account not cancelled")
		}
		if c := e.Count(`SELECT credits FROM accounts WHERE id = ?`, owner.AccountID); int64(c) != before+2000 {
			t.Fatalf("credits after deletion: %d", c)
		}
		if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE account_id = ? AND action = 'payment.card_unapplied'`, owner.AccountID); n != 1 {
			t.Fatalf("money after the deletion not recorded: %d", n)
		}
		ledgerClean(t, e)
	})
}

// A failed renewal changes nothing at once; once the period has ended
// more than the grace ago, the billing job makes it past_due and suspends
// the account, like an unpaid transfer. Refunds and disputes are audited,
// and the credits stay.
func TestStripeFailedPaymentReachesPastDue(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e, _ := cardEnv(t, b)
		owner := e.SignUp("Card Declined")
		res := cardCheckout(t, e, owner)
		now := time.Now().UTC()
		deliver(t, e, "evt_cs", "checkout.session.completed", now, sessionCompleted(res.Payment.ID, "sub_1", "in_1"))
		credits := getAccount(t, e, owner).Credits
		deliver(t, e, "evt_fail", "invoice.payment_failed", now, invoice("in_2", "sub_1", res.Payment.ID, now, now))
		if a := getAccount(t, e, owner); a.Status != "active" {
			t.Fatalf("failure suspended at once: %+v", a)
		}
		backdate(t, e, owner.AccountID, 38)
		if r, err := e.App.RunBillingJob(context.Background()); err != nil || r.PastDue != 1 {
			t.Fatalf("job: %+v %v", r, err)
		}
		a := getAccount(t, e, owner)
		if a.Status != "suspended" || a.StatusReason != "payment_overdue" {
			t.Fatalf("after grace: %+v", a)
		}
		var sum struct{ Subscription subscriptionJSON }
		must(t, e.As(owner.Token, "GET", "/api/v1/billing/subscription", nil), http.StatusOK).JSON(t, &sum)
		if sum.Subscription.Status != "past_due" {
			t.Fatalf("subscription: %+v", sum)
		}
		e.Exec(`UPDATE accounts SET stripe_customer_id = 'cus_test' WHERE id = ?`, owner.AccountID)
		deliver(t, e, "evt_refund", "charge.refunded", now, map[string]any{"id": "ch_1", "object": "charge", "customer": "cus_test",
			"amount_refunded": 8900, "currency": "usd"})
		deliver(t, e, "evt_dispute", "charge.dispute.created", now, map[string]any{"id": "dp_1", "object": "dispute", "charge": "ch_1",
			"amount": 8900, "currency": "usd", "reason": "fraudulent"})
		if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE account_id = ? AND action = 'payment.refunded'`, owner.AccountID); n != 1 {
			t.Fatalf("refund audited %d times", n)
		}
		if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE action = 'payment.disputed'`); n != 1 {
			t.Fatalf("dispute audited %d times", n)
		}
		if a := getAccount(t, e, owner); a.Credits != credits {
			t.Fatalf("credits taken back: %+v", a)
		}
	})
}

// An event replayed after a restart (a new instance on the same database)
// is a duplicate: the processed ids are stored, not remembered.
func TestStripeReplayAfterRestart(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e, _ := cardEnv(t, b)
		owner := e.SignUp("Replayed")
		before := getAccount(t, e, owner).Credits
		res := cardCheckout(t, e, owner)
		body := apptest.StripeEventBody(t, "evt_replay", "checkout.session.completed", time.Now(),
			sessionCompleted(res.Payment.ID, "sub_1", "in_1"))
		must(t, e.PostStripeBody(body, apptest.StripeWebhookSecret), http.StatusOK)

		restarted := e.Reopen()
		var ack ackJSON
		must(t, restarted.PostStripeBody(body, apptest.StripeWebhookSecret), http.StatusOK).JSON(t, &ack)
		if !ack.Duplicate {
			t.Fatalf("replay applied again: %+v", ack)
		}
		if a := getAccount(t, e, owner); a.Credits != before+1000 {
			t.Fatalf("credits: %+v", a)
		}
	})
}

// A refund and a dispute become payment incidents: audited, e-mailed to
// the operators' address once however often Stripe delivers them, listed
// for administrators until one resolves them; the credits stay.
func TestStripeRefundAndDisputeNoticeOperators(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b, apptest.WithStripe(apptest.StripeMock(t)), func(c *config.Config) { c.OperatorEmail = "ops@igny8.test" })
		dev := e.Developer()
		must(t, e.As(dev, "PATCH", "/api/v1/admin/plans/starter", map[string]any{"stripe_price_id": "price_starter"}), http.StatusOK)
		owner := e.SignUp("Refunded")
		res := cardCheckout(t, e, owner)
		now := time.Now().UTC()
		deliver(t, e, "evt_cs", "checkout.session.completed", now, sessionCompleted(res.Payment.ID, "sub_1", "in_1"))
		credits := getAccount(t, e, owner).Credits
		e.Exec(`UPDATE accounts SET stripe_customer_id = 'cus_test' WHERE id = ?`, owner.AccountID)
		refund := map[string]any{"id": "ch_1", "object": "charge", "customer": "cus_test", "amount_refunded": 8900, "currency": "usd"}
		dispute := map[string]any{"id": "dp_1", "object": "dispute", "charge": map[string]any{"id": "ch_2", "object": "charge",
			"customer": "cus_test"}, "amount": 8900, "currency": "usd", "reason": "fraudulent"}
		for i := 0; i < 2; i++ {
			deliver(t, e, "evt_refund", "charge.refunded", now, refund)
			deliver(t, e, "evt_dispute", "charge.dispute.created", now, dispute)
		}
		deliver(t, e, "evt_stranger", "charge.refunded", now, map[string]any{"id": "ch_9", "object": "charge",
			"customer": "cus_other", "amount_refunded": 100, "currency": "usd"})
		if n := e.Count(`SELECT COUNT(*) FROM messages WHERE kind = 'payment_incident' AND to_addr = 'ops@igny8.test' AND account_id IS NULL`); n != 3 {
			t.Fatalf("%d operator notices", n)
		}
		if n := e.Count(`SELECT COUNT(*) FROM messages WHERE kind = 'payment_incident' AND subject LIKE '%disputed%'`); n != 1 {
			t.Fatal("the dispute notice does not say so")
		}
		if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE account_id = ? AND action IN ('payment.refunded', 'payment.disputed')`,
			owner.AccountID); n != 2 {
			t.Fatalf("%d incident audit events", n)
		}
		var open struct {
			Items []struct {
				ID, Kind, Status, Reason string
				AccountID                *string `json:"account_id"`
				Amount                   int64
			}
		}
		if r := e.As(owner.Token, "GET", "/api/v1/admin/payment-incidents", nil); r.Status != 403 {
			t.Fatalf("owner lists incidents: %s", r)
		}
		must(t, e.As(dev, "GET", "/api/v1/admin/payment-incidents?status=open", nil), http.StatusOK).JSON(t, &open)
		if len(open.Items) != 3 || open.Items[0].AccountID != nil || open.Items[1].Kind != "dispute" || open.Items[1].Reason != "fraudulent" ||
			open.Items[2].Kind != "refund" || open.Items[2].AccountID == nil || *open.Items[2].AccountID != owner.AccountID {
			t.Fatalf("open incidents: %+v", open)
		}
		if r := e.As(dev, "POST", "/api/v1/admin/payment-incidents/"+open.Items[1].ID+"/resolve", map[string]string{"note": ""}); r.Status != 422 {
			t.Fatalf("resolve without a note: %s", r)
		}
		for i := 0; i < 2; i++ {
			must(t, e.As(dev, "POST", "/api/v1/admin/payment-incidents/"+open.Items[1].ID+"/resolve",
				map[string]string{"note": "Evidence sent in Stripe"}), http.StatusOK)
		}
		if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE action = 'payment_incident.resolved'`); n != 1 {
			t.Fatalf("resolution audited %d times", n)
		}
		must(t, e.As(dev, "GET", "/api/v1/admin/payment-incidents?status=open", nil), http.StatusOK).JSON(t, &open)
		if len(open.Items) != 2 {
			t.Fatalf("open after resolving: %+v", open)
		}
		if r := e.As(dev, "GET", "/api/v1/admin/payment-incidents?status=closed", nil); r.Status != 422 {
			t.Fatalf("bad status: %s", r)
		}
		if a := getAccount(t, e, owner); a.Credits != credits {
			t.Fatalf("credits taken back: %+v", a)
		}
	})
}

func subscriptionObject(id, payID, price, status string, cancel bool) map[string]any {
	return map[string]any{"id": id, "object": "subscription", "customer": "cus_test", "status": status,
		"cancel_at_period_end": cancel, "metadata": map[string]any{"igny8_payment_id": payID},
		"items": map[string]any{"object": "list", "data": []any{map[string]any{"id": "si_1", "object": "subscription_item",
			"price": map[string]any{"id": price, "object": "price"}}}}}
}

type subStateJSON struct {
	Subscription struct {
		Status            string
		CancelAtPeriodEnd bool `json:"cancel_at_period_end"`
		Plan              struct{ Slug string }
	}
}

func subState(t *testing.T, e *apptest.Env, owner *apptest.User) subStateJSON {
	t.Helper()
	var s subStateJSON
	must(t, e.As(owner.Token, "GET", "/api/v1/billing/subscription", nil), http.StatusOK).JSON(t, &s)
	return s
}

// customer.subscription.updated follows Stripe: cancel_at_period_end, a
// plan change to a plan's Stripe price, and a cancellation; an older event
// never undoes a newer state, and the owner's cancel on igny8 is made at
// Stripe too.
func TestStripeSubscriptionUpdated(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e, dev := cardEnv(t, b)
		must(t, e.As(dev, "PATCH", "/api/v1/admin/plans/growth", map[string]any{"stripe_price_id": "price_growth"}), http.StatusOK)
		owner := e.SignUp("Portal User")
		res := cardCheckout(t, e, owner)
		// Stripe's events of the last hour, in minutes after t0.
		t0 := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
		deliver(t, e, "evt_cs", "checkout.session.completed", t0, sessionCompleted(res.Payment.ID, "sub_1", "in_1"))
		credits := getAccount(t, e, owner).Credits

		// Cancelled in Stripe's portal; an older "renews" event arrives late.
		deliver(t, e, "evt_u2", "customer.subscription.updated", t0.Add(2*time.Minute), subscriptionObject("sub_1", res.Payment.ID, "price_starter", "active", true))
		deliver(t, e, "evt_u1", "customer.subscription.updated", t0.Add(time.Minute), subscriptionObject("sub_1", res.Payment.ID, "price_starter", "active", false))
		if s := subState(t, e, owner); !s.Subscription.CancelAtPeriodEnd || s.Subscription.Status != "active" {
			t.Fatalf("after cancelling in Stripe: %+v", s)
		}
		// Resumed, then moved to Growth in the portal.
		deliver(t, e, "evt_u3", "customer.subscription.updated", t0.Add(3*time.Minute), subscriptionObject("sub_1", res.Payment.ID, "price_starter", "active", false))
		deliver(t, e, "evt_u4", "customer.subscription.updated", t0.Add(4*time.Minute), subscriptionObject("sub_1", res.Payment.ID, "price_growth", "active", false))
		s := subState(t, e, owner)
		if s.Subscription.CancelAtPeriodEnd || s.Subscription.Plan.Slug != "growth" {
			t.Fatalf("after resuming and upgrading: %+v", s)
		}
		if a := getAccount(t, e, owner); a.Plan.Slug != "growth" || a.Status != "active" || a.Credits != credits {
			t.Fatalf("account after the plan change: %+v", a)
		}
		// While Stripe renews it, no second subscription is started here.
		for _, m := range []string{"stripe", "bank_transfer"} {
			r := e.As(owner.Token, "POST", "/api/v1/billing/checkout", map[string]string{"plan": "starter", "payment_method": m})
			if r.Status != 409 || !strings.Contains(string(r.Body), "Manage card and invoices") {
				t.Fatalf("checkout by %s while renewed by card: %s", m, r)
			}
		}
		// A price that is no plan changes nothing and is recorded.
		deliver(t, e, "evt_u5", "customer.subscription.updated", t0.Add(5*time.Minute), subscriptionObject("sub_1", res.Payment.ID, "price_unknown", "past_due", false))
		if s := subState(t, e, owner); s.Subscription.Plan.Slug != "growth" || s.Subscription.Status != "active" {
			t.Fatalf("after an unknown price: %+v", s)
		}
		for _, action := range []string{"subscription.stripe_price_unknown", "subscription.plan_changed", "subscription.stripe_past_due"} {
			if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE account_id = ? AND action = ?`, owner.AccountID, action); n != 1 {
				t.Fatalf("%s audited %d times", action, n)
			}
		}

		// The owner cancels on igny8: Stripe (stripe-mock) is told; a Stripe
		// event from before it does not resume the subscription.
		must(t, e.As(owner.Token, "POST", "/api/v1/billing/cancel", nil), http.StatusOK)
		deliver(t, e, "evt_u6", "customer.subscription.updated", t0.Add(6*time.Minute), subscriptionObject("sub_1", res.Payment.ID, "price_growth", "active", false))
		if s := subState(t, e, owner); !s.Subscription.CancelAtPeriodEnd {
			t.Fatalf("an older event undid the owner's cancel: %+v", s)
		}
		// Stripe ends it: cancelled for good, whatever older event follows.
		late := time.Now().UTC().Add(time.Hour)
		deliver(t, e, "evt_u7", "customer.subscription.updated", late, subscriptionObject("sub_1", res.Payment.ID, "price_growth", "canceled", false))
		deliver(t, e, "evt_u8", "customer.subscription.updated", late.Add(-time.Minute), subscriptionObject("sub_1", res.Payment.ID, "price_growth", "active", false))
		if n := e.Count(`SELECT COUNT(*) FROM accounts WHERE id = ? AND status = 'cancelled'`, owner.AccountID); n != 1 {
			t.Fatal("account not cancelled by Stripe's cancellation")
		}
		if n := e.Count(`SELECT COUNT(*) FROM subscriptions WHERE account_id = ? AND status <> 'cancelled'`, owner.AccountID); n != 0 {
			t.Fatal("a subscription outlived Stripe's cancellation")
		}
		ledgerClean(t, e)
	})
}
