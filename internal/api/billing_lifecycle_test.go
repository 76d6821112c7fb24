package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// backdate moves an account's subscription periods days into the past, as
// if that much time had gone by.
func backdate(t *testing.T, e *apptest.Env, accountID string, days int) {
	t.Helper()
	db := e.App.DB()
	rows, err := db.SQL().Query(db.Rebind(`SELECT id, current_period_start, current_period_end FROM subscriptions
		WHERE account_id = ? AND current_period_end IS NOT NULL`), accountID)
	if err != nil {
		t.Fatal(err)
	}
	type period struct {
		id         string
		start, end time.Time
	}
	var ps []period
	for rows.Next() {
		var p period
		if err := rows.Scan(&p.id, &p.start, &p.end); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	rows.Close()
	shift := time.Duration(days) * 24 * time.Hour
	for _, p := range ps {
		if _, err := db.SQL().Exec(db.Rebind(`UPDATE subscriptions SET current_period_start = ?, current_period_end = ? WHERE id = ?`),
			p.start.Add(-shift), p.end.Add(-shift), p.id); err != nil {
			t.Fatal(err)
		}
	}
}

// An unpaid subscription past its end and grace is suspended by the job;
// its owner still reaches billing, renews, and is reactivated.
func TestPastDueSuspendsAndPaymentReactivates(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner, dev := e.SignUp("Late Payer"), e.Developer()
		sub := startCheckout(t, e, owner, "starter")
		must(t, e.As(dev, "POST", "/api/v1/admin/payments/"+sub.Payment.ID+"/confirm", nil), http.StatusOK)

		backdate(t, e, owner.AccountID, 36) // a month and six days: within the grace
		if res, err := e.App.RunBillingJob(context.Background()); err != nil || res.PastDue != 0 {
			t.Fatalf("job within grace: %+v %v", res, err)
		}
		backdate(t, e, owner.AccountID, 2)
		if res, err := e.App.RunBillingJob(context.Background()); err != nil || res.PastDue != 1 {
			t.Fatalf("job: %+v %v", res, err)
		}
		a := getAccount(t, e, owner) // GET /account stays open to the owner
		if a.Status != "suspended" || a.StatusReason != "payment_overdue" {
			t.Fatalf("account: %+v", a)
		}
		if r := e.As(owner.Token, "GET", "/api/v1/account/audit", nil); r.Status != 403 || r.Code() != "account_suspended" {
			t.Fatalf("suspended account reached a normal route: %s", r)
		}
		var sum struct{ Subscription subscriptionJSON }
		must(t, e.As(owner.Token, "GET", "/api/v1/billing/subscription", nil), http.StatusOK).JSON(t, &sum)
		if sum.Subscription.Status != "past_due" {
			t.Fatalf("subscription: %+v", sum)
		}
		renewal := startCheckout(t, e, owner, "starter")
		if renewal.Subscription.ID != sub.Subscription.ID {
			t.Fatalf("renewal made a new subscription")
		}
		must(t, e.As(dev, "POST", "/api/v1/admin/payments/"+renewal.Payment.ID+"/confirm", nil), http.StatusOK)
		if a := getAccount(t, e, owner); a.Status != "active" || a.StatusReason != "" || a.Credits != 4000 {
			t.Fatalf("after paying: %+v", a)
		}
		must(t, e.As(owner.Token, "GET", "/api/v1/account/audit", nil), http.StatusOK)
		ledgerClean(t, e)
	})
}

// The owner cancels at period end; the job cancels the account then.
func TestCancelOverHTTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner, dev := e.SignUp("Leaving"), e.Developer()
		if r := e.As(owner.Token, "POST", "/api/v1/billing/cancel", nil); r.Status != 409 {
			t.Fatalf("cancel without subscription: %s", r)
		}
		res := startCheckout(t, e, owner, "starter")
		must(t, e.As(dev, "POST", "/api/v1/admin/payments/"+res.Payment.ID+"/confirm", nil), http.StatusOK)
		var sub subscriptionJSON
		must(t, e.As(owner.Token, "POST", "/api/v1/billing/cancel", nil), http.StatusOK).JSON(t, &sub)
		if !sub.CancelAtPeriodEnd || sub.Status != "active" {
			t.Fatalf("cancel: %+v", sub)
		}
		backdate(t, e, owner.AccountID, 32)
		if res, err := e.App.RunBillingJob(context.Background()); err != nil || res.Cancelled != 1 {
			t.Fatalf("job: %+v %v", res, err)
		}
		if r := e.As(owner.Token, "GET", "/api/v1/account", nil); r.Status != 403 || r.Code() != "account_cancelled" {
			t.Fatalf("cancelled account: %s", r)
		}
	})
}

// Plan management: create, list, deactivate; a deactivated plan's accounts
// fail the gate with plan_inactive, and its owner can still move plans.
func TestAdminPlansAndPlanInactive(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner, dev := e.SignUp("Plan Watcher"), e.Developer()
		plan := map[string]any{"slug": "agency", "name": "Agency", "price": 49900, "currency": "USD", "included_credits": 20000,
			"max_sites": 10, "max_users": 10, "max_sectors_per_site": 5, "api_requests_per_minute": 2000, "features": []string{"wordpress"}}
		created := must(t, e.As(dev, "POST", "/api/v1/admin/plans", plan), http.StatusCreated).Map(t)
		if created["is_active"] != true || created["slug"] != "agency" {
			t.Fatalf("created: %v", created)
		}
		if r := e.As(dev, "POST", "/api/v1/admin/plans", plan); r.Status != 409 {
			t.Fatalf("duplicate plan: %s", r)
		}
		if r := e.As(dev, "POST", "/api/v1/admin/plans", map[string]any{"slug": "Bad Slug"}); r.Status != 422 {
			t.Fatalf("invalid plan: %s", r)
		}
		if r := e.As(owner.Token, "POST", "/api/v1/admin/plans", plan); r.Status != 403 {
			t.Fatalf("owner created a plan: %s", r)
		}
		res := startCheckout(t, e, owner, "starter")
		must(t, e.As(dev, "POST", "/api/v1/admin/payments/"+res.Payment.ID+"/confirm", nil), http.StatusOK)

		updated := must(t, e.As(dev, "PATCH", "/api/v1/admin/plans/starter", map[string]any{"is_active": false}), http.StatusOK).Map(t)
		if updated["is_active"] != false || updated["price"] != float64(8900) {
			t.Fatalf("patched: %v", updated)
		}
		if r := e.As(dev, "PATCH", "/api/v1/admin/plans/nope", map[string]any{"is_active": false}); r.Status != 404 {
			t.Fatalf("patch unknown plan: %s", r)
		}
		var all struct{ Items []struct{ Slug string } }
		must(t, e.As(dev, "GET", "/api/v1/admin/plans", nil), http.StatusOK).JSON(t, &all)
		if len(all.Items) != 7 {
			t.Fatalf("admin plans: %+v", all)
		}
		if r := e.As(owner.Token, "GET", "/api/v1/account/audit", nil); r.Status != 403 || r.Code() != "plan_inactive" {
			t.Fatalf("account on an inactive plan: %s", r)
		}
		r := e.As(owner.Token, "POST", "/api/v1/billing/checkout", map[string]string{"plan": "starter", "payment_method": "bank_transfer"})
		if r.Status != 422 {
			t.Fatalf("checkout of an inactive plan: %s", r)
		}
		move := startCheckout(t, e, owner, "agency")
		must(t, e.As(dev, "POST", "/api/v1/admin/payments/"+move.Payment.ID+"/confirm", nil), http.StatusOK)
		must(t, e.As(owner.Token, "GET", "/api/v1/account/audit", nil), http.StatusOK)
		ledgerClean(t, e)
	})
}

// The owner of a trial that has ended reaches billing, pays, and the
// account becomes active.
func TestExpiredTrialOwnerPays(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner, dev := e.SignUp("Trial Over"), e.Developer()
		db := e.App.DB()
		if _, err := db.SQL().Exec(db.Rebind(`UPDATE accounts SET trial_ends_at = ? WHERE id = ?`),
			time.Now().UTC().Add(-time.Hour), owner.AccountID); err != nil {
			t.Fatal(err)
		}
		if r := e.As(owner.Token, "GET", "/api/v1/account/audit", nil); r.Status != 403 || r.Code() != "account_suspended" {
			t.Fatalf("expired trial: %s", r)
		}
		res := startCheckout(t, e, owner, "scale")
		must(t, e.As(dev, "POST", "/api/v1/admin/payments/"+res.Payment.ID+"/confirm", nil), http.StatusOK)
		if a := getAccount(t, e, owner); a.Status != "active" || a.Plan.Slug != "scale" || a.Credits != 6000 {
			t.Fatalf("account: %+v", a)
		}
		must(t, e.As(owner.Token, "GET", "/api/v1/account/audit", nil), http.StatusOK)
	})
}

// serve's periodic jobs run the billing job.
func TestRunJobsRunsBillingJob(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b, func(c *config.Config) { c.JobInterval = 20 * time.Millisecond; c.GraceDays = 1 })
		owner, dev := e.SignUp("Ticking"), e.Developer()
		res := startCheckout(t, e, owner, "starter")
		must(t, e.As(dev, "POST", "/api/v1/admin/payments/"+res.Payment.ID+"/confirm", nil), http.StatusOK)
		backdate(t, e, owner.AccountID, 33) // two days past the end: beyond a one-day grace
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { e.App.RunJobs(ctx); close(done) }()
		defer func() { stop(); <-done }()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if getAccount(t, e, owner).Status == "suspended" {
				return
			}
		}
		t.Fatal("the periodic jobs did not suspend the overdue account")
	})
}
