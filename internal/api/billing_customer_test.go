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

// freeResultJSON is checkout's answer for the Free plan.
type freeResultJSON struct {
	Payment           *paymentJSON
	Subscription      subscriptionJSON
	ReplacedReference *string `json:"replaced_reference"`
}

func endTrial(t *testing.T, e *apptest.Env, accountID string) {
	t.Helper()
	e.Exec(`UPDATE accounts SET trial_ends_at = ? WHERE id = ?`, time.Now().UTC().Add(-time.Hour), accountID)
}

func checkoutFree(e *apptest.Env, u *apptest.User) *apptest.Response {
	return e.As(u.Token, "POST", "/api/v1/billing/checkout", map[string]string{"plan": "free"})
}

func auditActions(t *testing.T, e *apptest.Env, accountID, action string) int {
	t.Helper()
	return e.Count(`SELECT COUNT(*) FROM audit_events WHERE account_id = ? AND action = ?`, accountID, action)
}

// After the trial the owner moves to the Free plan: a $0 checkout is active
// at once, with no payment, the plan's credits granted once, and the
// transfer that was pending replaced.
func TestFreePlanCheckoutAfterTrial(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Going Free")
		pending := startCheckout(t, e, owner, "starter").Payment
		endTrial(t, e, owner.AccountID)
		if r := e.As(owner.Token, "GET", "/api/v1/account/audit", nil); r.Status != 403 {
			t.Fatalf("ended trial reached a normal route: %s", r)
		}

		var res freeResultJSON
		must(t, checkoutFree(e, owner), http.StatusCreated).JSON(t, &res)
		if res.Payment != nil || res.Subscription.Status != "active" || res.Subscription.Plan.Slug != "free" ||
			res.Subscription.CurrentPeriodEnd == nil || res.ReplacedReference == nil || *res.ReplacedReference != pending.Reference {
			t.Fatalf("free checkout: %+v", res)
		}
		if a := getAccount(t, e, owner); a.Status != "active" || a.StatusReason != "" || a.Plan.Slug != "free" || a.Credits != 2100 {
			t.Fatalf("account on the Free plan: %+v", a)
		}
		must(t, e.As(owner.Token, "GET", "/api/v1/account/audit", nil), http.StatusOK)
		sum := must(t, e.As(owner.Token, "GET", "/api/v1/billing/subscription", nil), http.StatusOK).Map(t)
		if sum["pending_payment"] != nil || sum["subscription"].(map[string]any)["status"] != "active" {
			t.Fatalf("summary: %v", sum)
		}
		var payments struct{ Items []paymentJSON }
		must(t, e.As(owner.Token, "GET", "/api/v1/billing/payments", nil), http.StatusOK).JSON(t, &payments)
		if len(payments.Items) != 1 || payments.Items[0].Status != "rejected" || payments.Items[0].RejectedReason != "superseded" {
			t.Fatalf("payments: %+v", payments)
		}
		if n := e.Count(`SELECT COUNT(*) FROM credit_transactions WHERE account_id = ? AND type = 'subscription' AND amount = 100`,
			owner.AccountID); n != 1 {
			t.Fatalf("%d subscription grants", n)
		}
		if n := auditActions(t, e, owner.AccountID, "subscription.activated"); n != 1 {
			t.Fatalf("%d activation audit events", n)
		}
		if r := checkoutFree(e, owner); r.Status != http.StatusConflict || r.Code() != "conflict" ||
			!strings.Contains(r.Map(t)["detail"].(string), "already on the Free Plan") {
			t.Fatalf("second free checkout: %s", r)
		}
		if r := e.As(owner.Token, "POST", "/api/v1/billing/checkout", map[string]string{"plan": "free-trial"}); r.Status != 422 {
			t.Fatalf("free-trial checkout: %s", r)
		}
		if a := getAccount(t, e, owner); a.Credits != 2100 {
			t.Fatalf("refused checkouts changed the credits: %+v", a)
		}
		ledgerClean(t, e)
	})
}

// Concurrent $0 checkouts activate the Free plan and grant its credits once.
func TestFreePlanConcurrentCheckouts(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Racing Free")
		endTrial(t, e, owner.AccountID)
		const n = 8
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = checkoutFree(e, owner).Status
			}()
		}
		wg.Wait()
		created := 0
		for _, s := range statuses {
			switch s {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
			default:
				t.Errorf("status %d", s)
			}
		}
		if created != 1 {
			t.Fatalf("%d activations: %v", created, statuses)
		}
		if a := getAccount(t, e, owner); a.Credits != 2100 || a.Status != "active" {
			t.Fatalf("account: %+v", a)
		}
		if c := e.Count(`SELECT COUNT(*) FROM subscriptions WHERE account_id = ?`, owner.AccountID); c != 1 {
			t.Fatalf("%d subscriptions", c)
		}
		ledgerClean(t, e)
	})
}

// A free subscription renews at its period's end with new credits, and is
// never past due or suspended for a payment.
func TestFreePlanRenewsInsteadOfPastDue(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Free Forever")
		endTrial(t, e, owner.AccountID)
		must(t, checkoutFree(e, owner), http.StatusCreated)
		backdate(t, e, owner.AccountID, 40)
		res, err := e.App.RunBillingJob(context.Background())
		if err != nil || res.PastDue != 0 || res.Renewed != 1 {
			t.Fatalf("job: %+v %v", res, err)
		}
		if res, err := e.App.RunBillingJob(context.Background()); err != nil || res.Renewed != 0 {
			t.Fatalf("second run: %+v %v", res, err)
		}
		if a := getAccount(t, e, owner); a.Status != "active" || a.Credits != 2200 {
			t.Fatalf("account: %+v", a)
		}
		var sum struct{ Subscription subscriptionJSON }
		must(t, e.As(owner.Token, "GET", "/api/v1/billing/subscription", nil), http.StatusOK).JSON(t, &sum)
		end, _ := time.Parse(time.RFC3339, *sum.Subscription.CurrentPeriodEnd)
		if sum.Subscription.Status != "active" || !end.After(time.Now()) {
			t.Fatalf("renewed subscription: %+v", sum.Subscription)
		}
		ledgerClean(t, e)
	})
}

// An account suspended by igny8 cannot lift its suspension with a $0
// checkout.
func TestFreePlanKeepsAnAdminSuspension(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner, dev := e.SignUp("Held"), e.Developer()
		must(t, e.As(dev, "POST", "/api/v1/admin/accounts/"+owner.AccountID+"/suspend", map[string]string{"reason": "abuse report"}), 200)
		if r := checkoutFree(e, owner); r.Status != 403 || r.Code() != "account_suspended" {
			t.Fatalf("free checkout of a suspended account: %s", r)
		}
		if a := getAccount(t, e, owner); a.Status != "suspended" || a.Plan.Slug != "free-trial" || a.Credits != 2000 {
			t.Fatalf("account: %+v", a)
		}
	})
}

// A checkout that replaces a pending transfer names the replaced reference.
func TestCheckoutNamesReplacedReference(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Changing Mind")
		first := must(t, e.As(owner.Token, "POST", "/api/v1/billing/checkout",
			map[string]string{"plan": "starter", "payment_method": "bank_transfer"}), 201).Map(t)
		if v, ok := first["replaced_reference"]; !ok || v != nil {
			t.Fatalf("first checkout: %v", first)
		}
		second := must(t, e.As(owner.Token, "POST", "/api/v1/billing/checkout",
			map[string]string{"plan": "growth", "payment_method": "bank_transfer"}), 201).Map(t)
		ref := first["payment"].(map[string]any)["reference"]
		if second["replaced_reference"] != ref || second["payment"].(map[string]any)["reference"] == ref {
			t.Fatalf("second checkout: %v", second)
		}
	})
}

// An owner undoes "cancel at period end"; the undo is audited and refused
// when there is nothing to undo.
func TestResumeOverHTTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner, dev := e.SignUp("Staying"), e.Developer()
		if r := e.As(owner.Token, "POST", "/api/v1/billing/resume", nil); r.Status != 409 || r.Code() != "conflict" {
			t.Fatalf("resume without subscription: %s", r)
		}
		res := startCheckout(t, e, owner, "starter")
		must(t, e.As(dev, "POST", "/api/v1/admin/payments/"+res.Payment.ID+"/confirm", nil), http.StatusOK)
		if r := e.As(owner.Token, "POST", "/api/v1/billing/resume", nil); r.Status != 409 ||
			!strings.Contains(r.Map(t)["detail"].(string), "nothing to resume") {
			t.Fatalf("resume without cancellation: %s", r)
		}
		_, key := e.NewAPIKey(owner.Token, map[string]any{"name": "ci", "role": "admin"})
		must(t, e.As(owner.Token, "POST", "/api/v1/billing/cancel", nil), http.StatusOK)
		if r := e.As(key, "POST", "/api/v1/billing/resume", nil); r.Status != 403 {
			t.Fatalf("API key resumed: %s", r)
		}
		var sub subscriptionJSON
		must(t, e.As(owner.Token, "POST", "/api/v1/billing/resume", nil), http.StatusOK).JSON(t, &sub)
		if sub.CancelAtPeriodEnd || sub.Status != "active" {
			t.Fatalf("resumed: %+v", sub)
		}
		if n := auditActions(t, e, owner.AccountID, "subscription.resumed"); n != 1 {
			t.Fatalf("%d resume audit events", n)
		}
		backdate(t, e, owner.AccountID, 32)
		if res, err := e.App.RunBillingJob(context.Background()); err != nil || res.Cancelled != 0 {
			t.Fatalf("job ended a resumed subscription: %+v %v", res, err)
		}
		if a := getAccount(t, e, owner); a.Status != "active" {
			t.Fatalf("account: %+v", a)
		}
	})
}

// A trial whose transfer was rejected shows no cancelled subscription.
func TestTrialNeverShowsCancelledSubscription(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner, dev := e.SignUp("Still Trying"), e.Developer()
		startCheckout(t, e, owner, "starter")
		startCheckout(t, e, owner, "growth") // supersedes the first
		second := startCheckout(t, e, owner, "scale")
		must(t, e.As(dev, "POST", "/api/v1/admin/payments/"+second.Payment.ID+"/reject", map[string]string{"reason": "no money"}), 200)
		sum := must(t, e.As(owner.Token, "GET", "/api/v1/billing/subscription", nil), http.StatusOK).Map(t)
		if sum["subscription"] != nil || sum["pending_payment"] != nil {
			t.Fatalf("trial summary: %v", sum)
		}
	})
}

// A suspension reaches the customer in customer words, with the support
// contact for a suspension by igny8, and never with the operator's note.
func TestSuspensionInCustomerWords(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b, func(c *config.Config) { c.SupportEmail = "help@igny8.example" })
		owner, dev := e.SignUp("Under Review"), e.Developer()
		_, key := e.NewAPIKey(owner.Token, map[string]any{"name": "wp"})
		const note = "chargeback on card 4242, ticket OPS-77"
		must(t, e.As(dev, "POST", "/api/v1/admin/accounts/"+owner.AccountID+"/suspend", map[string]string{"reason": note}), 200)

		noNote := func(what string, r *apptest.Response) {
			t.Helper()
			if strings.Contains(string(r.Body), "OPS-77") || strings.Contains(string(r.Body), "chargeback") {
				t.Errorf("%s shows the operator's note: %s", what, r)
			}
		}
		for _, path := range []string{"/api/v1/account", "/api/v1/auth/me"} {
			r := must(t, e.As(owner.Token, "GET", path, nil), http.StatusOK)
			noNote(path, r)
			if !strings.Contains(string(r.Body), `"status_reason":"suspended_by_igny8"`) {
				t.Errorf("%s: %s", path, r)
			}
		}
		login := must(t, e.Login(owner.Email, owner.Password), http.StatusOK)
		noNote("login", login)
		for _, r := range []*apptest.Response{e.As(key, "GET", "/api/v1/sites", nil), e.As(owner.Token, "GET", "/api/v1/sites", nil)} {
			noNote("refusal", r)
			m := r.Map(t)
			if r.Status != 403 || m["code"] != "account_suspended" || m["reason"] != "suspended_by_igny8" ||
				m["support_email"] != "help@igny8.example" ||
				m["detail"] != "This account was suspended by igny8; contact support at help@igny8.example." {
				t.Errorf("refusal: %s", r)
			}
		}
		var admin struct{ Items []accountJSON }
		must(t, e.As(dev, "GET", "/api/v1/admin/accounts?status=suspended", nil), 200).JSON(t, &admin)
		if len(admin.Items) != 1 || admin.Items[0].StatusReason != note {
			t.Errorf("operators lost the note: %+v", admin)
		}

		must(t, e.As(dev, "POST", "/api/v1/admin/accounts/"+owner.AccountID+"/reactivate", map[string]string{"reason": "cleared by OPS-77"}), 200)
		r := must(t, e.As(owner.Token, "GET", "/api/v1/account", nil), http.StatusOK)
		noNote("reactivated account", r)
		if !strings.Contains(string(r.Body), `"status_reason":""`) {
			t.Errorf("reactivated account: %s", r)
		}

		// The system's reasons reach the customer as they are.
		endTrial(t, e, owner.AccountID)
		if r := e.As(key, "GET", "/api/v1/sites", nil); r.Status != 403 || r.Map(t)["reason"] != "trial_expired" ||
			!strings.Contains(r.Map(t)["detail"].(string), "free trial has ended") {
			t.Errorf("ended trial: %s", r)
		}
		e.Exec(`UPDATE accounts SET status = 'suspended', status_reason = 'payment_overdue' WHERE id = ?`, owner.AccountID)
		if r := e.As(key, "GET", "/api/v1/sites", nil); r.Status != 403 || r.Map(t)["reason"] != "payment_overdue" ||
			!strings.Contains(r.Map(t)["detail"].(string), "payment is overdue") {
			t.Errorf("payment overdue: %s", r)
		}
	})
}
