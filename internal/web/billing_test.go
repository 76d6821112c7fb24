package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

var (
	referenceRE     = regexp.MustCompile(`data-testid="payment-reference">(IGNY8-[A-Z0-9]{4}-[A-Z0-9]{4})<`)
	confirmActionRE = regexp.MustCompile(`action="(/admin/payments/[0-9a-f-]{36}/confirm)"`)
	accountRowRE    = regexp.MustCompile(`action="(/admin/accounts/[0-9a-f-]{36})/status"`)
)

// developer creates a system administrator with their second factor
// (apptest.NewDeveloper) and logs a browser in as them: the password,
// then a code.
func developer(t *testing.T, e *apptest.Env) *browser {
	t.Helper()
	d := e.NewDeveloper()
	b := newBrowser(t, e)
	b.get("/login")
	r := b.post("/login", url.Values{"email": {d.Email}, "password": {d.Password}})
	if r := b.post("/login/code", url.Values{"challenge": {challengeOf(t, r)}, "code": {d.Factor.Recovery()}}); r.URL.Path != "/admin" {
		t.Fatalf("developer landed on %s", r.URL)
	}
	return b
}

var challengeRE = regexp.MustCompile(`name="challenge" value="([^"]*)"`)

// challengeOf is the challenge of the second login form on r.
func challengeOf(t *testing.T, r *result) string {
	t.Helper()
	m := challengeRE.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no second login form on %s (%d):\n%s", r.URL, r.Status, r.Body)
	}
	return html.UnescapeString(m[1])
}

func TestBankTransferConfirmedByAdminThenSuspension(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		owner := newBrowser(t, e)
		email := owner.signUp("Paying Customer")
		r := owner.get("/billing")
		mustContain(t, r, "Choose a plan", "Growth", "$139.00", "No payments yet.")
		r = owner.post("/billing/checkout", url.Values{"plan": {"growth"}, "payment_method": {"bank_transfer"}})
		mustContain(t, r, "Awaiting your bank transfer", e.Cfg.BankIBAN, e.Cfg.BankBeneficiary, "$139.00")
		ref := referenceRE.FindStringSubmatch(r.Body)[1]

		admin := developer(t, e)
		r = admin.get("/admin/payments")
		mustContain(t, r, ref, "Paying Customer")
		action := confirmActionRE.FindStringSubmatch(r.Body)[1]
		r = admin.post(action, url.Values{"external_reference": {"BANK-1"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("confirm without the box: %d", r.Status)
		}
		mustContain(t, r, "Tick the confirmation box")
		r = admin.post(action, url.Values{"external_reference": {"BANK-1"}, "confirm": {"yes"}})
		mustContain(t, r, "The payment was confirmed")

		r = owner.get("/billing")
		mustContain(t, r, `data-testid="current-plan">Growth<`, `data-testid="account-status">Active<`,
			`data-testid="credit-balance">4,000<`, "Confirmed", ref)

		r = admin.get("/admin?q=" + url.QueryEscape(email))
		status := accountRowRE.FindStringSubmatch(r.Body)[1] + "/status"
		r = admin.post(status, url.Values{"action": {"suspend"}, "reason": {"chargeback"}, "confirm": {"yes"}})
		mustContain(t, r, "The account was suspended.", `data-testid="status-`+email+`">Suspended<`)

		r = owner.get("/sites")
		if r.URL.Path != "/billing" {
			t.Fatalf("suspended owner at %s, not /billing", r.URL)
		}
		mustContain(t, r, `data-testid="suspension"`, "Your account is paused")
		if r := owner.get("/account"); r.Status != http.StatusOK || r.URL.Path != "/account" {
			t.Fatalf("suspended owner on /account: %d %s", r.Status, r.URL)
		}
		// The API refuses the cookie too, except for what the owner needs to pay.
		if api := owner.get("/api/v1/sites"); api.Status != http.StatusForbidden || !strings.Contains(api.Body, "account_suspended") {
			t.Fatalf("API with the suspended owner's cookie: %d %s", api.Status, api.Body)
		}
	})
}

func TestAdminPagesAreForDevelopersOnly(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0])
	owner := newBrowser(t, e)
	owner.signUp("Curious Owner")
	if r := owner.get("/admin"); r.Status != http.StatusForbidden {
		t.Fatalf("owner on /admin: %d", r.Status)
	}
	admin := developer(t, e)
	if r := admin.get("/sites"); r.URL.Path != "/admin" {
		t.Fatalf("developer on /sites went to %s", r.URL)
	}
	for _, p := range []string{"/admin", "/admin/payments", "/admin/plans", "/admin/audit"} {
		if r := admin.get(p); r.Status != http.StatusOK {
			t.Fatalf("%s: %d", p, r.Status)
		}
	}
	r := admin.post("/admin/plans/starter", url.Values{"name": {"Starter Plus"}, "price": {"99.00"}, "included_credits": {"1500"},
		"max_sites": {"2"}, "max_users": {"2"}, "max_sectors_per_site": {"5"}, "api_requests_per_minute": {"300"},
		"is_active": {"yes"}, "confirm": {"yes"}})
	mustContain(t, r, "The plan was saved.", "Starter Plus", "$99.00")
}

// TestAdminPaymentsOfOneAccount follows the accounts page's Payments link:
// the payments page then lists that account's payments only, says so, and
// keeps the filter when the status changes; an id of the wrong shape is a
// message, not an error page.
func TestAdminPaymentsOfOneAccount(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		refs := map[string]string{}
		var email string
		for _, name := range []string{"First Payer", "Second Payer"} {
			owner := newBrowser(t, e)
			email = owner.signUp(name)
			owner.get("/billing")
			r := owner.post("/billing/checkout", url.Values{"plan": {"growth"}, "payment_method": {"bank_transfer"}})
			refs[name] = referenceRE.FindStringSubmatch(r.Body)[1]
		}
		admin := developer(t, e)
		link := regexpFind(t, admin.get("/admin?q="+url.QueryEscape(email)).Body, `<a href="(/admin/payments\?[^"]+)">Payments</a>`)
		r := admin.get(strings.ReplaceAll(link, "&amp;", "&"))
		mustContain(t, r, refs["Second Payer"], `data-testid="account-filter">Payments of <strong>Second Payer</strong> only`)
		if strings.Contains(r.Body, refs["First Payer"]) {
			t.Fatalf("the payments of one account list another's:\n%s", r.Body)
		}
		mustContain(t, r, `<input type="hidden" name="account" value="`)
		r = admin.get("/admin/payments?status=confirmed&account=" + accountIDRE.FindStringSubmatch(link)[1])
		mustContain(t, r, "No payments confirmed.", `data-testid="account-filter"`)

		r = admin.get("/admin/payments?account=not-an-id")
		if r.Status != http.StatusOK || strings.Contains(r.Body, refs["First Payer"]) {
			t.Fatalf("account=not-an-id: %d\n%s", r.Status, r.Body)
		}
		mustContain(t, r, "must be an account id")
		for _, bad := range []string{"%00", "%ff"} {
			if r = admin.get("/admin/payments?account=" + bad); r.Status != http.StatusBadRequest {
				t.Fatalf("account=%s: %d\n%s", bad, r.Status, r.Body)
			}
		}
	})
}

var accountIDRE = regexp.MustCompile(`account=([0-9a-f-]{36})`)
