package web_test

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// stripeFront stands in front of stripe-mock and records the return
// addresses igny8 gives each Checkout Session, which stripe-mock does not
// echo; the fake Checkout page sends the browser back to them.
type stripeFront struct {
	mu                 sync.Mutex
	success, cancelled string
}

func newStripeFront(t *testing.T, mock string) (*stripeFront, string) {
	t.Helper()
	target, err := url.Parse(mock)
	if err != nil {
		t.Fatal(err)
	}
	f := &stripeFront{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" && r.URL.Path == "/v1/checkout/sessions" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if form, err := url.ParseQuery(string(body)); err == nil {
				f.mu.Lock()
				f.success, f.cancelled = form.Get("success_url"), form.Get("cancel_url")
				f.mu.Unlock()
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return f, srv.URL
}

// fakeCheckout serves Stripe's hosted Checkout host (the browser resolves
// checkout.stripe.com to it): a page with Pay and Back links to the
// session's return addresses, recording the host and path it was opened at.
func fakeCheckout(t *testing.T, f *stripeFront) (port string, opened func() string) {
	t.Helper()
	var mu sync.Mutex
	var seen string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = "https://" + r.Host + r.URL.Path
		mu.Unlock()
		f.mu.Lock()
		success, cancelled := f.success, f.cancelled
		f.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>Checkout</title><h1 id="stripe">Stripe Checkout (test)</h1>
<a id="pay" href="%s">Pay</a> <a id="back" href="%s">Back</a>`, html.EscapeString(success), html.EscapeString(cancelled))
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return u.Port(), func() string { mu.Lock(); defer mu.Unlock(); return seen }
}

// TestBrowserCardCheckout: in headless Chromium the owner chooses a plan by
// card on /billing and is sent to Stripe's Checkout (checkout.stripe.com,
// served here by a stand-in page); Stripe's paid event arrives, and the
// Pay button returns the owner to /billing with the success notice and the
// plan active with its credits. Backing out of Stripe's page returns with
// the cancelled notice; while Stripe renews the plan, another card checkout
// is refused with the way to the portal.
func TestBrowserCardCheckout(t *testing.T) {
	mock := apptest.StripeMock(t)
	front, api := newStripeFront(t, mock)
	port, opened := fakeCheckout(t, front)
	root := newChromium(t,
		chromedp.Flag("host-resolver-rules", "MAP checkout.stripe.com 127.0.0.1:"+port),
		chromedp.Flag("ignore-certificate-errors", true))
	e := apptest.New(t, storetest.Backends()[0], apptest.WithStripe(api))
	if r := e.As(e.Developer(), "PATCH", "/api/v1/admin/plans/starter", map[string]any{"stripe_price_id": "price_starter"}); r.Status != 200 {
		t.Fatalf("price: %s", r)
	}
	owner := newTab(t, root, e, "owner")
	email := "card-" + randSuffix() + "@example.com"
	owner.step("sign up",
		owner.open("/signup"),
		fill("#f-name", "Card Browser"), fill("#f-email", email), fill("#f-password", testPassword),
		chromedp.Click(css(`main button[type=submit]`)),
		chromedp.WaitVisible(css(`[data-testid=credit-balance]`)))
	// Paying needs a confirmed address: open the e-mailed link.
	owner.step("confirm the e-mail address",
		owner.open("/verify-email?token="+url.QueryEscape(e.VerificationToken(email))),
		chromedp.WaitVisible(css(`[data-testid=verify-confirm]`)),
		chromedp.Click(css(`[data-testid=verify-confirm]`)),
		chromedp.WaitVisible(css(`[data-testid=verify-done]`)))

	owner.step("start paying by card, then back out on Stripe",
		owner.open("/billing"),
		chromedp.Click(css(`button[aria-label="Pay for Starter by card"]`)),
		chromedp.WaitVisible(css(`#stripe`)),
		chromedp.Click(css(`#back`)),
		chromedp.WaitVisible(css(`.notice`)))
	if p := owner.path(); p != "/billing?notice=card_cancelled" {
		t.Fatalf("back at %s", p)
	}
	owner.expect("cancelled notice", `.notice`, "nothing was charged")
	owner.expect("still on the trial", `[data-testid=current-plan]`, "Free Trial")

	owner.step("pay for Starter by card",
		chromedp.Click(css(`button[aria-label="Pay for Starter by card"]`)),
		chromedp.WaitVisible(css(`#stripe`)))
	loc, err := chromedp.Run(owner.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(loc, "https://checkout.stripe.com/") || !strings.HasPrefix(opened(), "https://checkout.stripe.com/") {
		t.Fatalf("the browser is at %q (page served for %q), not Stripe's Checkout", loc, opened())
	}
	front.mu.Lock()
	success := front.success
	front.mu.Unlock()
	if success != e.URL+"/billing?notice=card_paid" {
		t.Fatalf("Checkout returns to %q", success)
	}

	// Stripe reports the session paid while the owner is on its page.
	var payID string
	db := e.App.DB()
	if err := db.SQL().QueryRow(`SELECT id FROM payments WHERE method = 'stripe' AND status = 'pending'`).Scan(&payID); err != nil {
		t.Fatal(err)
	}
	if r := e.StripeEvent("evt_browser", "checkout.session.completed", time.Now(), map[string]any{"id": "cs_browser",
		"object": "checkout.session", "client_reference_id": payID, "mode": "subscription", "payment_status": "paid",
		"customer": "cus_test", "subscription": "sub_browser", "invoice": "in_browser", "amount_total": 8900, "currency": "usd"}); r.Status != 200 {
		t.Fatalf("event: %s", r)
	}
	owner.step("pay on Stripe and come back",
		chromedp.Click(css(`#pay`)),
		chromedp.WaitVisible(css(`[data-testid=current-plan]`)))
	if p := owner.path(); p != "/billing?notice=card_paid" {
		t.Fatalf("back at %s", p)
	}
	owner.expect("success notice", `.notice`, "your card payment went through")
	owner.expect("plan active", `[data-testid=current-plan]`, "Starter")
	owner.expect("status", `[data-testid=account-status]`, "Active")
	owner.expect("credits", `[data-testid=credit-balance]`, "3,000")
	owner.expect("portal offered", `[data-testid=card-portal]`, "Manage card and invoices")

	owner.step("a second card checkout is refused while Stripe renews the plan",
		dropNotices,
		chromedp.Click(css(`button[aria-label="Pay for Starter by card"]`)),
		chromedp.WaitVisible(css(`[role=alert]`)))
	owner.expect("refusal", `[role=alert]`, "renews by card through Stripe")
	owner.expect("still on Starter", `[data-testid=current-plan]`, "Starter")
}
