package api_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

type paymentJSON struct {
	ID             string
	Status         string
	Amount         int64
	Currency       string
	Reference      string
	Method         string
	Plan           string
	SubscriptionID string `json:"subscription_id"`
	RejectedReason string `json:"rejected_reason"`
	Instructions   *struct {
		Beneficiary, IBAN, BIC, Reference string
		BankName                          string `json:"bank_name"`
	}
}

type subscriptionJSON struct {
	ID                string
	Status            string
	CurrentPeriodEnd  *string `json:"current_period_end"`
	CancelAtPeriodEnd bool    `json:"cancel_at_period_end"`
	Plan              struct{ Slug string }
}

type resultJSON struct {
	Payment      paymentJSON
	Subscription subscriptionJSON
}

type accountJSON struct {
	Status        string
	StatusReason  string  `json:"status_reason"`
	PaymentMethod *string `json:"payment_method"`
	Credits       int64
	Plan          struct{ Slug string }
}

func must(t *testing.T, r *apptest.Response, status int) *apptest.Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("got %s, want %d", r, status)
	}
	return r
}

func startCheckout(t *testing.T, e *apptest.Env, u *apptest.User, plan string) resultJSON {
	t.Helper()
	var res resultJSON
	must(t, e.As(u.Token, "POST", "/api/v1/billing/checkout", map[string]string{"plan": plan, "payment_method": "bank_transfer"}),
		http.StatusCreated).JSON(t, &res)
	return res
}

func getAccount(t *testing.T, e *apptest.Env, u *apptest.User) accountJSON {
	t.Helper()
	var a accountJSON
	must(t, e.As(u.Token, "GET", "/api/v1/account", nil), http.StatusOK).JSON(t, &a)
	return a
}

func ledgerClean(t *testing.T, e *apptest.Env) {
	t.Helper()
	vs, err := sqlstore.NewAdmin(e.App.DB()).LedgerVerify(igny8.SystemContext(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Errorf("ledger violation: %s", v)
	}
}

var refRE = regexp.MustCompile(`^IGNY8-[2-9A-Z]{4}-[2-9A-Z]{4}$`)

// The whole bank-transfer path through the API: checkout, the admin queue,
// confirmation (twice), and what the owner then sees.
func TestBankTransferOverHTTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner, dev := e.SignUp("Acme Bank"), e.Developer()
		sum := must(t, e.As(owner.Token, "GET", "/api/v1/billing/subscription", nil), http.StatusOK).Map(t)
		if sum["subscription"] != nil || sum["pending_payment"] != nil {
			t.Fatalf("new account billing: %v", sum)
		}

		res := startCheckout(t, e, owner, "starter")
		p := res.Payment
		if p.Status != "pending" || p.Amount != 8900 || p.Currency != "USD" || !refRE.MatchString(p.Reference) ||
			p.Instructions == nil || p.Instructions.Reference != p.Reference || p.Instructions.IBAN != e.Cfg.BankIBAN ||
			p.Instructions.Beneficiary != e.Cfg.BankBeneficiary || p.Instructions.BankName != e.Cfg.BankName ||
			res.Subscription.Status != "pending_payment" {
			t.Fatalf("checkout: %+v", res)
		}
		if a := getAccount(t, e, owner); a.Status != "trial" || a.PaymentMethod == nil || *a.PaymentMethod != "bank_transfer" {
			t.Fatalf("account after checkout: %+v", a)
		}

		var queue struct {
			Items []struct {
				Payment    paymentJSON
				Account    struct{ ID, Name string }
				AgeSeconds *int64 `json:"age_seconds"`
			}
		}
		must(t, e.As(dev, "GET", "/api/v1/admin/payments?status=pending", nil), http.StatusOK).JSON(t, &queue)
		if len(queue.Items) != 1 || queue.Items[0].Payment.Reference != p.Reference || queue.Items[0].Account.Name != "Acme Bank" ||
			queue.Items[0].Payment.Plan != "starter" || queue.Items[0].AgeSeconds == nil {
			t.Fatalf("queue: %+v", queue)
		}

		var done resultJSON
		path := "/api/v1/admin/payments/" + p.ID + "/confirm"
		must(t, e.As(dev, "POST", path, map[string]string{"external_reference": "TRX-1"}), http.StatusOK).JSON(t, &done)
		if done.Payment.Status != "confirmed" || done.Payment.Instructions != nil || done.Subscription.Status != "active" ||
			done.Subscription.CurrentPeriodEnd == nil {
			t.Fatalf("confirmed: %+v", done)
		}
		a := getAccount(t, e, owner)
		if a.Status != "active" || a.Plan.Slug != "starter" || a.Credits != 3000 {
			t.Fatalf("account after confirmation: %+v", a)
		}
		var again resultJSON
		must(t, e.As(dev, "POST", path, nil), http.StatusOK).JSON(t, &again)
		if again.Payment.Status != "confirmed" || *again.Subscription.CurrentPeriodEnd != *done.Subscription.CurrentPeriodEnd ||
			getAccount(t, e, owner).Credits != 3000 {
			t.Fatalf("second confirmation: %+v", again)
		}

		var payments struct{ Items []paymentJSON }
		must(t, e.As(owner.Token, "GET", "/api/v1/billing/payments", nil), http.StatusOK).JSON(t, &payments)
		if len(payments.Items) != 1 || payments.Items[0].Status != "confirmed" {
			t.Fatalf("payments: %+v", payments)
		}
		var audit struct {
			Items []struct{ Action, Actor string }
		}
		must(t, e.As(owner.Token, "GET", "/api/v1/account/audit", nil), http.StatusOK).JSON(t, &audit)
		if len(audit.Items) < 2 || audit.Items[0].Action != "payment.confirmed" {
			t.Fatalf("account audit: %+v", audit)
		}
		must(t, e.As(dev, "GET", "/api/v1/admin/audit?account_id="+owner.AccountID+"&limit=1", nil), http.StatusOK).JSON(t, &audit)
		if len(audit.Items) != 1 || audit.Items[0].Action != "payment.confirmed" {
			t.Fatalf("admin audit: %+v", audit)
		}
		ledgerClean(t, e)
	})
}

// Four confirmations of one payment at the same moment: the plan's
// credits are granted once.
func TestConcurrentConfirmationsOverHTTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner, dev := e.SignUp("Four Admins"), e.Developer()
		p := startCheckout(t, e, owner, "growth").Payment
		var wg sync.WaitGroup
		statuses := make([]int, 4)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.As(dev, "POST", "/api/v1/admin/payments/"+p.ID+"/confirm", nil).Status
			}()
		}
		wg.Wait()
		for _, s := range statuses {
			if s != http.StatusOK && s != http.StatusConflict {
				t.Fatalf("statuses %v", statuses)
			}
		}
		if a := getAccount(t, e, owner); a.Credits != 4000 || a.Plan.Slug != "growth" {
			t.Fatalf("account: %+v (want 2000 trial + 2000 once)", a)
		}
		ledgerClean(t, e)
	})
}

// Checkout's refusals and the admin decisions' conflicts, as problems.
func TestBillingErrorsOverHTTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner, dev := e.SignUp("Refused"), e.Developer()
		cases := []struct {
			plan, method string
			status       int
			code, detail string
		}{
			{"nope", "bank_transfer", 422, "validation_failed", `"nope"`},
			{"enterprise", "bank_transfer", 422, "validation_failed", "contact sales"},
			{"starter", "stripe", 422, "payment_method_unavailable", "stripe"},
			{"starter", "paypal", 422, "payment_method_unavailable", "paypal"},
		}
		for _, c := range cases {
			r := e.As(owner.Token, "POST", "/api/v1/billing/checkout", map[string]string{"plan": c.plan, "payment_method": c.method})
			if r.Status != c.status || r.Code() != c.code || !strings.Contains(r.Map(t)["detail"].(string), c.detail) {
				t.Errorf("%s/%s: %s", c.plan, c.method, r)
			}
		}
		if r := e.As(owner.Token, "GET", "/api/v1/admin/payments", nil); r.Status != 403 {
			t.Errorf("owner reached the admin queue: %s", r)
		}
		// The billing and audit lists bound limit like every other list.
		for _, c := range []struct{ token, path string }{
			{owner.Token, "/api/v1/billing/payments"}, {owner.Token, "/api/v1/account/audit"},
			{dev, "/api/v1/admin/payments"}, {dev, "/api/v1/admin/audit"},
		} {
			for _, limit := range []string{"0", "201", "x"} {
				if r := e.As(c.token, "GET", c.path+"?limit="+limit, nil); r.Status != 422 || r.Code() != "validation_failed" {
					t.Errorf("%s?limit=%s: %s", c.path, limit, r)
				}
			}
			must(t, e.As(c.token, "GET", c.path+"?limit=200", nil), 200)
		}
		if r := e.As(dev, "POST", "/api/v1/billing/checkout", map[string]string{"plan": "starter", "payment_method": "bank_transfer"}); r.Status != 403 {
			t.Errorf("developer checked out: %s", r)
		}

		p := startCheckout(t, e, owner, "starter").Payment
		base := "/api/v1/admin/payments/" + p.ID
		must(t, e.As(dev, "POST", base+"/reject", map[string]string{"reason": ""}), 422)
		var rej resultJSON
		must(t, e.As(dev, "POST", base+"/reject", map[string]string{"reason": "nothing arrived"}), 200).JSON(t, &rej)
		if rej.Payment.Status != "rejected" || rej.Subscription.Status != "cancelled" {
			t.Fatalf("rejected: %+v", rej)
		}
		if r := e.As(dev, "POST", base+"/confirm", nil); r.Status != 409 || r.Code() != "conflict" {
			t.Fatalf("confirm after reject: %s", r)
		}
		if r := e.As(dev, "POST", "/api/v1/admin/payments/"+sqlstore.NewID()+"/confirm", nil); r.Status != 404 {
			t.Fatalf("unknown payment: %s", r)
		}
		p = startCheckout(t, e, owner, "starter").Payment
		r := e.As(dev, "POST", "/api/v1/admin/payments/"+p.ID+"/confirm", map[string]any{"amount_received": 100})
		if r.Status != 422 || len(r.Map(t)["errors"].([]any)) != 1 {
			t.Fatalf("short amount without note: %s", r)
		}
		if a := getAccount(t, e, owner); a.Status != "trial" || a.Credits != 2000 {
			t.Fatalf("refusals changed the account: %+v", a)
		}
	})
}

// A second checkout supersedes the first; the CLI confirms with the same
// code path as the API.
func TestSupersedeAndCLI(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Cli Co")
		first := startCheckout(t, e, owner, "starter").Payment
		second := startCheckout(t, e, owner, "growth").Payment
		var payments struct{ Items []paymentJSON }
		must(t, e.As(owner.Token, "GET", "/api/v1/billing/payments?limit=5", nil), http.StatusOK).JSON(t, &payments)
		if len(payments.Items) != 2 || payments.Items[0].ID != second.ID || payments.Items[1].Status != "rejected" ||
			payments.Items[1].RejectedReason != "superseded" || payments.Items[1].Instructions != nil {
			t.Fatalf("payments: %+v", payments)
		}
		if code, _, stderr := e.CLI("billing", "confirm", first.ID); code == 0 || !strings.Contains(stderr, "rejected") {
			t.Fatalf("CLI confirmed a superseded payment: %d %s", code, stderr)
		}
		code, out, stderr := e.CLI("billing", "pending")
		if code != 0 || !strings.Contains(out, second.Reference) {
			t.Fatalf("billing pending: %d %s %s", code, out, stderr)
		}
		code, out, stderr = e.CLI("billing", "confirm", second.ID, "--external-reference", "TRX-9")
		if code != 0 || !strings.Contains(out, "confirmed") || !strings.Contains(out, "active on growth") {
			t.Fatalf("billing confirm: %d %s %s", code, out, stderr)
		}
		if a := getAccount(t, e, owner); a.Status != "active" || a.Plan.Slug != "growth" || a.Credits != 4000 {
			t.Fatalf("account: %+v", a)
		}
		third := startCheckout(t, e, owner, "growth").Payment
		if code, _, stderr := e.CLI("billing", "reject", third.ID, "--reason", "sent to the wrong account"); code != 0 {
			t.Fatalf("billing reject: %s", stderr)
		}
		ledgerClean(t, e)
	})
}
