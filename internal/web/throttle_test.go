package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// TestLoginPageSharesTheAuthBudget: the login page and the API's login
// draw on one budget of 10 a minute per email and per address, and the
// address is the one the trusted proxy added (the rightmost
// X-Forwarded-For entry), not one the client wrote in front of it.
func TestLoginPageSharesTheAuthBudget(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0], func(c *config.Config) { c.Throttle = "on"; c.TrustProxy = true })
	pageLogin := func(email, xff string) int {
		b := newBrowser(t, e)
		b.get("/login")
		return b.post("/login", url.Values{"email": {email}, "password": {"a wrong passphrase"}}, "X-Forwarded-For", xff).Status
	}

	// One email: 5 tries through the API and 5 on the page from different
	// addresses spend its 10; the 11th, on the page, is refused.
	for i := range 5 {
		r := e.Do("POST", "/api/v1/auth/login", map[string]string{"email": "target@example.com", "password": "a wrong passphrase"},
			"X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i+1))
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("API try %d: %s", i+1, r)
		}
	}
	for i := range 5 {
		if s := pageLogin("target@example.com", fmt.Sprintf("203.0.113.%d", 100+i)); s != http.StatusUnauthorized {
			t.Fatalf("page try %d: %d, want 401", i+1, s)
		}
	}
	if s := pageLogin("target@example.com", "203.0.113.200"); s != http.StatusTooManyRequests {
		t.Fatalf("11th try at one email through API and page: %d, want 429", s)
	}

	// One address writing a new forged entry in front each time: its
	// budget runs out after 10 all the same.
	for i := range 10 {
		if s := pageLogin(fmt.Sprintf("nobody%d@example.com", i), fmt.Sprintf("10.9.8.%d, 198.51.100.7", i)); s != http.StatusUnauthorized {
			t.Fatalf("try %d from one address: %d, want 401", i+1, s)
		}
	}
	if s := pageLogin("nobody-else@example.com", "10.9.9.9, 198.51.100.7"); s != http.StatusTooManyRequests {
		t.Fatalf("11th try from one address behind forged entries: %d, want 429", s)
	}
}
