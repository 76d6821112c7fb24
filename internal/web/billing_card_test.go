package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// postLocation posts a form with the page's CSRF token without following
// the redirect, and returns where it points.
func (b *browser) postLocation(path string, form url.Values) string {
	b.t.Helper()
	form.Set("csrf_token", b.csrf)
	c := *b.c
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.PostForm(b.e.URL+path, form)
	if err != nil {
		b.t.Fatalf("POST %s: %v", path, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("POST %s: %d, want 303", path, resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// Paying by card from the billing page: the card button sends the owner to
// Stripe's Checkout, Stripe's return shows the confirmation notice, the paid
// event activates the plan, and the portal link opens Stripe's portal.
func TestBillingPageCardCheckout(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be, apptest.WithStripe(apptest.StripeMock(t)))
		if r := e.As(e.Developer(), "PATCH", "/api/v1/admin/plans/starter", map[string]any{"stripe_price_id": "price_starter"}); r.Status != 200 {
			t.Fatalf("price: %s", r)
		}
		owner := newBrowser(t, e)
		owner.signUp("Card Page")
		// Browsers apply form-action to the redirect after a post: the
		// checkout and portal forms must be allowed to land on Stripe.
		for _, app := range []*apptest.Env{e, apptest.New(t, be)} {
			resp, err := http.Get(app.URL + "/login")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			csp := resp.Header.Get("Content-Security-Policy")
			if strings.Contains(csp, "form-action 'self' https://checkout.stripe.com https://billing.stripe.com") != (app == e) {
				t.Fatalf("CSP with Stripe %v: %s", app == e, csp)
			}
		}
		r := owner.get("/billing")
		mustContain(t, r, `aria-label="Pay for Starter by card"`)
		mustNotContain(t, r, `aria-label="Pay for Growth by card"`, `data-testid="card-portal"`)

		to := owner.postLocation("/billing/checkout", url.Values{"plan": {"starter"}, "payment_method": {"stripe"}})
		if !strings.HasPrefix(to, "https://checkout.stripe.com/") {
			t.Fatalf("checkout went to %q", to)
		}
		r = owner.get("/billing")
		mustContain(t, r, `data-testid="card-pending"`)
		r = owner.get("/billing?notice=card_paid")
		mustContain(t, r, "your card payment went through")

		var payID string
		db := e.App.DB()
		if err := db.SQL().QueryRow(`SELECT id FROM payments WHERE method = 'stripe' AND status = 'pending'`).Scan(&payID); err != nil {
			t.Fatal(err)
		}
		if r := e.StripeEvent("evt_web", "checkout.session.completed", time.Now(), map[string]any{"id": "cs_1", "object": "checkout.session",
			"client_reference_id": payID, "mode": "subscription", "payment_status": "paid", "customer": "cus_test",
			"subscription": "sub_1", "invoice": "in_1", "amount_total": 8900, "currency": "usd"}); r.Status != 200 {
			t.Fatalf("event: %s", r)
		}
		r = owner.get("/billing")
		mustContain(t, r, `data-testid="current-plan">Starter<`, `data-testid="card-portal"`)
		if to := owner.postLocation("/billing/portal", url.Values{}); !strings.HasPrefix(to, "https://") {
			t.Fatalf("portal went to %q", to)
		}
	})
}

// The credits page offers the packs to the owner: by bank transfer it shows
// the reference to quote, by card it sends the owner to Stripe.
func TestCreditsPageBuysPacks(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be, apptest.WithStripe(apptest.StripeMock(t)))
		owner := newBrowser(t, e)
		owner.signUp("Pack Page")
		r := owner.get("/credits")
		mustContain(t, r, `href="#buy"`, `aria-label="Buy 1000 credits by bank transfer"`, `aria-label="Buy 20000 credits by card"`)
		r = owner.post("/credits/buy", url.Values{"pack": {"credits-5000"}, "payment_method": {"bank_transfer"}})
		mustContain(t, r, `data-testid="purchase-reference">IGNY8-`, "5,000 credits")
		owner.get("/credits")
		if to := owner.postLocation("/credits/buy", url.Values{"pack": {"credits-1000"}, "payment_method": {"stripe"}}); !strings.HasPrefix(to, "https://checkout.stripe.com/") {
			t.Fatalf("card pack went to %q", to)
		}
	})
}
