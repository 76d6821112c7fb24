package throttle

import (
	"testing"
	"time"

	"github.com/igny8/igny8"
)

// checkWholeBudget spends a fresh key's budget of rate at once on l: all
// rate.PerMinute requests pass with Remaining counting down to 0 and a
// ResetAfter that grows by one interval each, then the next is refused
// with a RetryAfter of about one interval. Durations may be short by
// slack (the time the requests took) and, when slack is not 0, long by a
// microsecond (Redis computes in floats).
func checkWholeBudget(t *testing.T, l igny8.Limiter, key string, rate igny8.Rate, slack time.Duration) {
	t.Helper()
	n := rate.PerMinute
	interval := time.Minute / time.Duration(n)
	over := time.Duration(0)
	if slack > 0 {
		over = time.Microsecond
	}
	for i := range n {
		d := mustAllow(t, l, key, rate)
		if !d.Allowed || d.Limit != n || d.Remaining != n-1-i {
			t.Fatalf("request %d of %d at once: %+v, want allowed, limit %d, %d remaining", i+1, n, d, n, n-1-i)
		}
		want := time.Duration(i+1) * interval
		if d.ResetAfter > want+over || d.ResetAfter < want-slack {
			t.Fatalf("request %d: ResetAfter %v, want %v", i+1, d.ResetAfter, want)
		}
	}
	d := mustAllow(t, l, key, rate)
	if d.Allowed || d.Remaining != 0 || d.RetryAfter > interval+over || d.RetryAfter < interval-slack {
		t.Fatalf("request %d: %+v, want refused, retry after %v", n+1, d, interval)
	}
}

func TestRateForAdmitsWholeBudgetAtOnce(t *testing.T) {
	for _, rate := range []igny8.Rate{igny8.RateFor(igny8.ScopeAuth, 0), igny8.RateFor(igny8.ScopeAPI, 120), igny8.RateFor(igny8.ScopeAPI, 7)} {
		clock := newFakeClock()
		m := NewMemory(clock.Now)
		checkWholeBudget(t, m, "k", rate, 0)
		// It refills at the rate: one request per interval, a whole budget
		// after a minute.
		interval := time.Minute / time.Duration(rate.PerMinute)
		clock.Advance(interval)
		if d := mustAllow(t, m, "k", rate); !d.Allowed || d.Remaining != 0 {
			t.Fatalf("%+v: one interval after spending it all: %+v, want one more allowed", rate, d)
		}
		if d := mustAllow(t, m, "k", rate); d.Allowed {
			t.Fatalf("%+v: a second request within the interval was allowed", rate)
		}
		clock.Advance(time.Minute)
		checkWholeBudget(t, m, "k", rate, 0)
	}
}

func TestRedisAdmitsWholeBudgetAtOnce(t *testing.T) {
	client := testRedis(t)
	r := NewRedis(client, testPrefix(t, client))
	// Requests take real time on Redis: a slow rate keeps the test from
	// outrunning an interval, and ResetAfter may be short by the time taken.
	for _, rate := range []igny8.Rate{igny8.RateFor(igny8.ScopeAuth, 0), igny8.RateFor(igny8.ScopeAPI, 7)} {
		checkWholeBudget(t, r, "k"+time.Duration(rate.PerMinute).String(), rate, 2*time.Second)
	}
}
