package api_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// rateHeaders returns a response's RateLimit-Limit and -Remaining, failing
// when they are missing or not numbers, or RateLimit-Reset is missing.
func rateHeaders(t *testing.T, r *apptest.Response) (limit, remaining int) {
	t.Helper()
	limit, err1 := strconv.Atoi(r.Header.Get("RateLimit-Limit"))
	remaining, err2 := strconv.Atoi(r.Header.Get("RateLimit-Remaining"))
	if _, err3 := strconv.Atoi(r.Header.Get("RateLimit-Reset")); err1 != nil || err2 != nil || err3 != nil {
		t.Fatalf("RateLimit headers missing or malformed: %v", r.Header)
	}
	return limit, remaining
}

// TestThrottleAuthAdmitsWholeBudget: the auth budget of 10 a minute lets
// a sign-up and two mistyped passwords through from one address, its
// headers count down what is really left, and the 11th attempt is 429.
func TestThrottleAuthAdmitsWholeBudget(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0], throttleOn)
	ip := "X-Forwarded-For"
	r := e.Do("POST", "/api/v1/auth/register", map[string]string{"name": "Burst", "email": "burst@example.com",
		"password": "a long and unusual passphrase"}, ip, "203.0.113.9")
	if r.Status != http.StatusCreated {
		t.Fatalf("sign-up: %s", r)
	}
	if limit, remaining := rateHeaders(t, r); limit != 10 || remaining != 9 {
		t.Fatalf("sign-up: RateLimit-Limit %d, -Remaining %d; want 10 and 9", limit, remaining)
	}
	for i := range 9 {
		r := e.Do("POST", "/api/v1/auth/login", map[string]string{"email": "burst@example.com", "password": "mistyped passphrase"},
			ip, "203.0.113.9")
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("mistyped password %d after sign-up: %s, want 401", i+1, r)
		}
		// The address has spent i+2, the email i+2 (sign-up included).
		if limit, remaining := rateHeaders(t, r); limit != 10 || remaining != 8-i {
			t.Fatalf("mistyped password %d: RateLimit-Limit %d, -Remaining %d; want 10 and %d", i+1, limit, remaining, 8-i)
		}
	}
	r = e.Do("POST", "/api/v1/auth/login", map[string]string{"email": "burst@example.com", "password": "a long and unusual passphrase"},
		ip, "203.0.113.9")
	if r.Status != http.StatusTooManyRequests || r.Code() != "rate_limited" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("11th auth request in a minute: %s %v, want 429 rate_limited with Retry-After", r, r.Header)
	}
	if limit, remaining := rateHeaders(t, r); limit != 10 || remaining != 0 {
		t.Fatalf("refused: RateLimit-Limit %d, -Remaining %d; want 10 and 0", limit, remaining)
	}
	if retry, _ := strconv.Atoi(r.Header.Get("Retry-After")); retry < 1 || retry > 6 {
		t.Fatalf("Retry-After %q, want at most one refill interval (6 s)", r.Header.Get("Retry-After"))
	}
}

// TestThrottleFreeTrialKeyAdmitsWholeBudget: a free-trial account's key
// (120 a minute) syncs 20 posts in quick succession, and the headers say
// 120 with one fewer left after each.
func TestThrottleFreeTrialKeyAdmitsWholeBudget(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b, throttleOn)
		u := e.SignUp("Sync")
		_, key := e.NewAPIKey(u.Token, map[string]any{"name": "WordPress"})
		for i := range 20 {
			r := e.As(key, "GET", "/api/v1/account", nil)
			if r.Status != http.StatusOK {
				t.Fatalf("call %d of 20 with a free-trial key: %s", i+1, r)
			}
			// SignUp and NewAPIKey spent 1 of the account's budget. The
			// budget refills at 2 a second meanwhile, so a slow machine
			// may see more left, never less.
			if limit, remaining := rateHeaders(t, r); limit != 120 || remaining < 118-i || remaining > 119 {
				t.Fatalf("call %d: RateLimit-Limit %d, -Remaining %d; want 120 and %d to 119", i+1, limit, remaining, 118-i)
			}
		}
	})
}

// TestProbesAreNeverThrottled: load-balancer probes and scrapes from one
// address never spend a budget.
func TestProbesAreNeverThrottled(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0], throttleOn)
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		for i := range 200 {
			r := e.Do("GET", path, nil, "X-Forwarded-For", "198.51.100.1")
			if r.Status != http.StatusOK {
				t.Fatalf("probe %d of %s: %s", i+1, path, r)
			}
			if r.Header.Get("RateLimit-Limit") != "" {
				t.Fatalf("%s charged a budget: %v", path, r.Header)
			}
		}
	}
}
