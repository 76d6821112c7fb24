package api_test

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

func throttleOn(c *config.Config) { c.Throttle = "on"; c.TrustProxy = true }

// setPlanRate gives an account's plan a rate (a private copy of its plan,
// so other accounts are not affected).
func setPlanRate(t *testing.T, e *apptest.Env, accountID string, perMinute int) {
	t.Helper()
	db := e.App.DB()
	slug := "rate-" + strconv.Itoa(perMinute) + "-" + accountID[len(accountID)-8:]
	for _, q := range []string{
		`INSERT INTO plans (id, slug, name, price, currency, billing_period, included_credits, max_sites, max_users,
			max_sectors_per_site, api_requests_per_minute, is_active, features, created_at, updated_at)
			SELECT ?, ?, 'Rate test', price, currency, billing_period, included_credits, max_sites, max_users,
			max_sectors_per_site, ?, TRUE, features, created_at, updated_at FROM plans WHERE slug = 'starter'`,
		`UPDATE accounts SET plan_id = (SELECT id FROM plans WHERE slug = ?) WHERE id = ?`,
	} {
		var args []any
		if q[0] == 'I' {
			args = []any{sqlstore.NewID(), slug, perMinute}
		} else {
			args = []any{slug, accountID}
		}
		if _, err := db.SQL().Exec(db.Rebind(q), args...); err != nil {
			t.Fatal(err)
		}
	}
}

// spend sends GET /account until the first 429 and returns how many passed.
func spend(t *testing.T, e *apptest.Env, token string, max int) int {
	t.Helper()
	for i := 0; i < max; i++ {
		r := e.As(token, "GET", "/api/v1/account", nil)
		switch r.Status {
		case http.StatusOK:
			if r.Header.Get("RateLimit-Limit") == "" || r.Header.Get("RateLimit-Remaining") == "" || r.Header.Get("RateLimit-Reset") == "" {
				t.Fatalf("no RateLimit headers: %v", r.Header)
			}
		case http.StatusTooManyRequests:
			if r.Code() != "rate_limited" || r.Header.Get("Retry-After") == "" {
				t.Fatalf("429 without code or Retry-After: %s %v", r, r.Header)
			}
			return i
		default:
			t.Fatalf("unexpected %s", r)
		}
	}
	return max
}

func TestThrottlePerAccount(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b, throttleOn)
		a, bb := e.SignUp("Alpha"), e.SignUp("Beta")
		setPlanRate(t, e, a.AccountID, 6)  // 6 at once, one more every 10 s
		setPlanRate(t, e, bb.AccountID, 6) // its own budget

		// Two logins of one account share its budget.
		second := e.Login(a.Email, a.Password).Map(t)["access_token"].(string)
		passed := spend(t, e, a.Token, 2) + spend(t, e, second, 100)
		if passed < 6 || passed > 7 {
			t.Fatalf("two tokens of one account passed %d requests, want the budget of 6", passed)
		}
		// Another account is unaffected.
		if n := spend(t, e, bb.Token, 6); n != 6 {
			t.Fatalf("second account throttled after %d", n)
		}
		// A plan change changes the rate.
		setPlanRate(t, e, a.AccountID, 6000) // 6000 at once
		if n := spend(t, e, a.Token, 50); n != 50 {
			t.Fatalf("after upgrading the plan only %d requests passed", n)
		}
	})
}

func TestThrottleStopsPasswordGuessing(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0], throttleOn)
	victim := e.SignUp("Victim")
	login := func(email, ip string) int {
		return e.Do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": "wrong guess 12345"},
			"X-Forwarded-For", ip).Status
	}
	// One email from many addresses: the email's budget runs out.
	limited := false
	for i := 0; i < 15 && !limited; i++ {
		limited = login(victim.Email, fmt.Sprintf("203.0.113.%d", i+1)) == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatal("guessing one email's password from 15 addresses was never throttled")
	}
	// One address over many emails: the address's budget runs out.
	limited = false
	for i := 0; i < 15 && !limited; i++ {
		limited = login(fmt.Sprintf("nobody%d@example.com", i), "198.51.100.7") == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatal("one address trying 15 emails was never throttled")
	}
	// Another address and email still gets through.
	if s := login(victim.Email+".other", "192.0.2.1"); s != http.StatusUnauthorized {
		t.Fatalf("fresh address and email: %d", s)
	}
}

func TestThrottleOff(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0]) // apptest default: IGNY8_THROTTLE=off
	u := e.SignUp("Unlimited")
	if n := spend(t, e, u.Token, 0); n != 0 {
		t.Fatal()
	}
	for i := 0; i < 200; i++ {
		if r := e.As(u.Token, "GET", "/api/v1/account", nil); r.Status != 200 {
			t.Fatalf("request %d with throttling off: %s", i, r)
		}
	}
}

// TestThrottleSharedThroughRedis runs two instances on one database and
// one Redis: one account's requests through both draw on one budget.
func TestThrottleSharedThroughRedis(t *testing.T) {
	redisURL := os.Getenv("IGNY8_TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("Redis tests skipped: set IGNY8_TEST_REDIS_URL=redis://127.0.0.1:6379/0 to run them")
	}
	b := storetest.Backends()[len(storetest.Backends())-1]
	dbURL := b.URL(t)
	withRedis := func(c *config.Config) { throttleOn(c); c.RedisURL = redisURL; c.DatabaseURL = dbURL }
	one := apptest.New(t, b, withRedis)
	two := apptest.New(t, b, withRedis)
	u := one.SignUp("Shared")
	setPlanRate(t, one, u.AccountID, 3) // 3 at once, one more every 20 s

	var ok, limited, other atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(e *apptest.Env) {
			defer wg.Done()
			switch e.As(u.Token, "GET", "/api/v1/account", nil).Status {
			case 200:
				ok.Add(1)
			case 429:
				limited.Add(1)
			default:
				other.Add(1)
			}
		}([]*apptest.Env{one, two}[i%2])
	}
	wg.Wait()
	if other.Load() != 0 || ok.Load() < 3 || ok.Load() > 4 || limited.Load() == 0 {
		t.Fatalf("two instances on one Redis: %d passed, %d limited, %d other; want one budget of 3",
			ok.Load(), limited.Load(), other.Load())
	}
}
