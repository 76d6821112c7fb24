package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

func mustNotContain(t *testing.T, r *result, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(r.Body, u) {
			t.Fatalf("page %s (%d) shows %q:\n%s", r.URL, r.Status, u, r.Body)
		}
	}
}

// Choosing another plan while a transfer is pending says which reference
// is replaced; a trial whose transfers came to nothing shows no cancelled
// subscription.
func TestBillingPageNamesReplacedReference(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		owner := newBrowser(t, e)
		owner.signUp("Undecided")
		r := owner.post("/billing/checkout", url.Values{"plan": {"starter"}, "payment_method": {"bank_transfer"}})
		first := referenceRE.FindStringSubmatch(r.Body)[1]
		mustContain(t, r, `data-testid="replace-warning"`, "replaces the order with reference <code>"+first+"</code>")
		mustNotContain(t, r, `data-testid="replaced-reference"`)

		r = owner.post("/billing/checkout", url.Values{"plan": {"growth"}, "payment_method": {"bank_transfer"}})
		second := referenceRE.FindStringSubmatch(r.Body)[1]
		mustContain(t, r, `data-testid="replaced-reference"`, "replaces reference <code>"+first+"</code>: do not pay that one")
		if second == first {
			t.Fatal("the same reference twice")
		}
		// The replaced order reads as replaced, not as a rejected payment.
		mustContain(t, owner.get("/billing"), `data-testid="payment-replaced">Replaced<`, "(by a later choice; do not pay it)")
		mustNotContain(t, owner.get("/billing"), ">Rejected<", "(Superseded)")
		// A reference in the address that is no replaced payment of this account is not shown.
		r = owner.get("/billing?replaced=" + second)
		mustNotContain(t, r, `data-testid="replaced-reference"`)

		dev := e.Developer()
		var pay struct {
			Items []struct{ Payment struct{ ID string } }
		}
		e.As(dev, "GET", "/api/v1/admin/payments?status=pending&reference="+second, nil).JSON(t, &pay)
		if r := e.As(dev, "POST", "/api/v1/admin/payments/"+pay.Items[0].Payment.ID+"/reject", map[string]string{"reason": "x"}); r.Status != 200 {
			t.Fatalf("reject: %s", r)
		}
		r = owner.get("/billing")
		mustContain(t, r, `data-testid="account-status">Trial<`)
		mustNotContain(t, r, `data-testid="subscription-status"`)
	})
}

// A suspension by igny8 is explained with the support contact, on the
// billing page and on a member's refused login, never with the operator's
// note; after the trial the owner moves to the Free plan from the page,
// then cancels and keeps the subscription again.
func TestBillingPageSuspensionFreePlanAndResume(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be, func(c *config.Config) { c.SupportEmail = "care@igny8.example" })
		owner := newBrowser(t, e)
		owner.signUp("Paused Co")
		acct := accountOf(t, owner)
		member := e.RawMember(acct, igny8.RoleEditor)
		const note = "internal: fraud score 97, see OPS-12"
		e.Exec(`UPDATE accounts SET status = 'suspended', status_reason = ? WHERE id = ?`, note, acct)

		r := owner.get("/billing")
		mustContain(t, r, `data-testid="suspension"`, "suspended by igny8", "care@igny8.example", `data-testid="status-reason">(suspended by igny8)<`)
		mustNotContain(t, r, "OPS-12", "fraud score", "Move to Free Plan")
		m := newBrowser(t, e)
		m.get("/login")
		r = m.post("/login", url.Values{"email": {member.Email}, "password": {member.Password}})
		mustContain(t, r, "suspended by igny8; contact support at care@igny8.example")
		mustNotContain(t, r, "OPS-12")

		// The trial ends instead: the owner moves to the Free plan (one user).
		e.Exec(`UPDATE accounts SET status = 'trial', status_reason = '', trial_ends_at = ? WHERE id = ?`,
			time.Now().UTC().Add(-time.Hour), acct)
		r = owner.post("/billing/checkout", url.Values{"plan": {"free"}})
		mustContain(t, r, "2 users in use")
		e.Exec(`UPDATE users SET deleted_at = ? WHERE id = ?`, time.Now().UTC(), member.ID)
		r = owner.get("/billing")
		mustContain(t, r, "Your free trial has ended", "move to the Free Plan", "Move to Free Plan · no payment")
		r = owner.post("/billing/checkout", url.Values{"plan": {"free"}})
		if r.URL.Path != "/billing" || r.URL.Query().Get("notice") != "free_plan_active" {
			t.Fatalf("free checkout landed on %s: %s", r.URL, r.Body)
		}
		mustContain(t, r, "You are on the Free Plan now", `data-testid="current-plan">Free Plan<`,
			`data-testid="account-status">Active<`, `data-testid="credit-balance">2,100<`)
		mustNotContain(t, r, `data-testid="suspension"`, "Awaiting your bank transfer")
		if r := owner.get("/sites"); r.URL.Path != "/sites" || r.Status != http.StatusOK {
			t.Fatalf("active Free plan account on %s (%d)", r.URL, r.Status)
		}

		r = owner.get("/billing")
		r = owner.post("/billing/cancel", url.Values{"confirm": {"yes"}})
		mustContain(t, r, `data-testid="renewal"`, "Keep my subscription")
		r = owner.post("/billing/resume", nil)
		mustContain(t, r, "renews as usual")
		mustNotContain(t, r, `data-testid="renewal"`, "Keep my subscription")
		if r := owner.post("/billing/resume", nil); r.Status != http.StatusConflict || !strings.Contains(r.Body, "nothing to resume") {
			t.Fatalf("second resume: %d %s", r.Status, r.Body)
		}
	})
}
