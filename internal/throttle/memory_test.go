package throttle

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/igny8/igny8"
)

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func mustAllow(tb testing.TB, l igny8.Limiter, key string, rate igny8.Rate) igny8.RateDecision {
	tb.Helper()
	d, err := l.Allow(context.Background(), key, rate)
	if err != nil {
		tb.Fatalf("Allow(%q, %+v): %v", key, rate, err)
	}
	return d
}

func TestMemoryBurstThenSteadyRate(t *testing.T) {
	clock := newFakeClock()
	m := NewMemory(clock.Now)
	rate := igny8.Rate{PerMinute: 60, Burst: 5}
	for i := range 5 {
		d := mustAllow(t, m, "k", rate)
		want := igny8.RateDecision{Allowed: true, Limit: 60, Remaining: 4 - i, ResetAfter: time.Duration(i+1) * time.Second}
		if d != want {
			t.Fatalf("request %d: got %+v, want %+v", i+1, d, want)
		}
	}
	d := mustAllow(t, m, "k", rate)
	want := igny8.RateDecision{Limit: 60, RetryAfter: time.Second, ResetAfter: 5 * time.Second}
	if d != want {
		t.Fatalf("over burst: got %+v, want %+v", d, want)
	}
	clock.Advance(time.Second)
	if d := mustAllow(t, m, "k", rate); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("after one interval: got %+v, want allowed with 0 remaining", d)
	}
	if d := mustAllow(t, m, "k", rate); d.Allowed {
		t.Fatalf("second request in the interval allowed: %+v", d)
	}
}

func TestMemoryRetryAfterIsExact(t *testing.T) {
	clock := newFakeClock()
	m := NewMemory(clock.Now)
	rate := igny8.Rate{PerMinute: 7, Burst: 2} // an interval that is not a round number
	mustAllow(t, m, "k", rate)
	mustAllow(t, m, "k", rate)
	clock.Advance(1234 * time.Millisecond)
	d := mustAllow(t, m, "k", rate)
	if d.Allowed || d.RetryAfter <= 0 {
		t.Fatalf("over burst: got %+v, want denied with a RetryAfter", d)
	}
	clock.Advance(d.RetryAfter - time.Nanosecond)
	if d := mustAllow(t, m, "k", rate); d.Allowed {
		t.Fatalf("allowed 1ns before RetryAfter: %+v", d)
	}
	clock.Advance(time.Nanosecond)
	if d := mustAllow(t, m, "k", rate); !d.Allowed {
		t.Fatalf("denied at RetryAfter: %+v", d)
	}
}

func TestMemoryResetAfterRestoresWholeBudget(t *testing.T) {
	clock := newFakeClock()
	m := NewMemory(clock.Now)
	rate := igny8.Rate{PerMinute: 30, Burst: 4}
	var last igny8.RateDecision
	for range 3 {
		last = mustAllow(t, m, "k", rate)
	}
	clock.Advance(last.ResetAfter)
	if d := mustAllow(t, m, "k", rate); d.Remaining != rate.Burst-1 {
		t.Fatalf("after ResetAfter: got %+v, want %d remaining", d, rate.Burst-1)
	}
}

// TestMemoryNoDoubleRateAcrossWindows sends a request every 10ms for five
// minutes and checks every window of every length that a fixed window
// limiter would get wrong: no interval holds more than Burst plus its
// length's worth of the rate.
func TestMemoryNoDoubleRateAcrossWindows(t *testing.T) {
	clock := newFakeClock()
	m := NewMemory(clock.Now)
	rate := igny8.Rate{PerMinute: 120, Burst: 6}
	interval := time.Minute / time.Duration(rate.PerMinute)
	step := 10 * time.Millisecond
	var allowedAt []time.Duration
	for elapsed := time.Duration(0); elapsed < 5*time.Minute; elapsed += step {
		if mustAllow(t, m, "k", rate).Allowed {
			allowedAt = append(allowedAt, elapsed)
		}
		clock.Advance(step)
	}
	for _, window := range []time.Duration{time.Second, 10 * time.Second, time.Minute, 2 * time.Minute} {
		bound := rate.Burst + int(window/interval)
		for i := range allowedAt {
			n := 0
			for j := i; j < len(allowedAt) && allowedAt[j]-allowedAt[i] < window; j++ {
				n++
			}
			if n > bound {
				t.Fatalf("%d requests within %v from %v, bound %d", n, window, allowedAt[i], bound)
			}
		}
	}
	if want := rate.Burst + 5*rate.PerMinute; len(allowedAt) > want || len(allowedAt) < want-1 {
		t.Fatalf("allowed %d in five minutes, want about %d", len(allowedAt), want)
	}
}

func TestMemoryHammeredKeyAllowsExactlyTheBudget(t *testing.T) {
	clock := newFakeClock() // frozen: the budget is exactly the burst
	m := NewMemory(clock.Now)
	rate := igny8.Rate{PerMinute: 1000, Burst: 50}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for range 200 {
				if mustAllow(t, m, "hot", rate).Allowed {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got := allowed.Load(); got != int64(rate.Burst) {
		t.Fatalf("allowed %d of 12800 concurrent requests, want exactly %d", got, rate.Burst)
	}
}

func TestMemoryHammeredKeysStayIndependent(t *testing.T) {
	clock := newFakeClock()
	m := NewMemory(clock.Now)
	rate := igny8.Rate{PerMinute: 100, Burst: 10}
	const keys = 20
	var allowed [keys]atomic.Int64
	var wg sync.WaitGroup
	for g := range 40 {
		wg.Go(func() {
			for i := range 100 {
				k := (g + i) % keys
				if mustAllow(t, m, fmt.Sprintf("key-%d", k), rate).Allowed {
					allowed[k].Add(1)
				}
			}
		})
	}
	wg.Wait()
	for k := range keys {
		if got := allowed[k].Load(); got != int64(rate.Burst) {
			t.Errorf("key-%d: allowed %d, want %d", k, got, rate.Burst)
		}
	}
}

func TestMemoryTwoKeysAreIndependent(t *testing.T) {
	m := NewMemory(newFakeClock().Now)
	rate := igny8.Rate{PerMinute: 10, Burst: 3}
	for range 3 {
		mustAllow(t, m, "a", rate)
	}
	if d := mustAllow(t, m, "a", rate); d.Allowed {
		t.Fatalf("a over budget allowed: %+v", d)
	}
	if d := mustAllow(t, m, "b", rate); !d.Allowed || d.Remaining != 2 {
		t.Fatalf("b: got %+v, want allowed with 2 remaining", d)
	}
}

func TestMemoryRateChangeTakesEffect(t *testing.T) {
	m := NewMemory(newFakeClock().Now)
	small := igny8.Rate{PerMinute: 60, Burst: 3}
	for range 3 {
		mustAllow(t, m, "k", small)
	}
	if d := mustAllow(t, m, "k", small); d.Allowed {
		t.Fatalf("over the small burst allowed: %+v", d)
	}
	if d := mustAllow(t, m, "k", igny8.Rate{PerMinute: 600, Burst: 60}); !d.Allowed {
		t.Fatalf("a larger plan's rate did not apply at once: %+v", d)
	}
}

func TestMemoryInvalidRate(t *testing.T) {
	m := NewMemory(nil)
	for _, rate := range []igny8.Rate{{}, {PerMinute: -1, Burst: 1}, {PerMinute: 10, Burst: -1}, {PerMinute: 10, Burst: MaxBurst + 1}} {
		if _, err := m.Allow(context.Background(), "k", rate); !errors.Is(err, ErrInvalidRate) {
			t.Errorf("rate %+v: got %v, want ErrInvalidRate", rate, err)
		}
	}
	if d := mustAllow(t, m, "k", igny8.Rate{PerMinute: 10}); !d.Allowed || d.Remaining != 0 {
		t.Errorf("burst 0: got %+v, want one request allowed", d)
	}
}

func TestMemoryForgetsIdleKeys(t *testing.T) {
	clock := newFakeClock()
	m := NewMemory(clock.Now)
	rate := igny8.Rate{PerMinute: 60, Burst: 3}
	for i := range 5000 {
		mustAllow(t, m, fmt.Sprintf("old-%d", i), rate)
	}
	clock.Advance(sweepEvery + time.Second)
	for i := range 5000 {
		mustAllow(t, m, fmt.Sprintf("new-%d", i), rate)
	}
	if n := m.Len(); n != 5000 {
		t.Fatalf("holding %d keys after the old ones went idle, want 5000", n)
	}
}

func TestMemorySweepKeepsLiveState(t *testing.T) {
	clock := newFakeClock()
	m := NewMemory(clock.Now)
	rate := igny8.Rate{PerMinute: 1, Burst: 3} // the state outlives a sweep
	for range 3 {
		mustAllow(t, m, "slow", rate)
	}
	clock.Advance(sweepEvery + time.Second)
	if d := mustAllow(t, m, "slow", rate); !d.Allowed {
		t.Fatalf("one interval later: got %+v, want allowed", d)
	}
	if d := mustAllow(t, m, "slow", rate); d.Allowed {
		t.Fatalf("the sweep forgot a live key: %+v", d)
	}
}

func TestMemoryStaysBoundedUnderManyKeys(t *testing.T) {
	clock := newFakeClock()
	m := NewMemory(clock.Now)
	rate := igny8.Rate{PerMinute: 60, Burst: 1} // each key lives one second
	for i := range 300_000 {
		mustAllow(t, m, fmt.Sprintf("ip-%d", i), rate)
		clock.Advance(150 * time.Microsecond) // 45s in all: no time sweep
	}
	if n := m.Len(); n > shardCount*minSweepLen+20_000 {
		t.Fatalf("holding %d keys of which about 7000 are live", n)
	}
}

// TestMemoryRateOverAPeriod: a budget counted per hour (Rate.Period) admits
// its burst, then one request every period/N.
func TestMemoryRateOverAPeriod(t *testing.T) {
	clock := newFakeClock()
	m := NewMemory(clock.Now)
	rate := igny8.Rate{PerMinute: 3, Burst: 3, Period: time.Hour}
	for i := range 3 {
		if d := mustAllow(t, m, "k", rate); !d.Allowed || d.Remaining != 2-i {
			t.Fatalf("request %d: %+v", i+1, d)
		}
	}
	if d := mustAllow(t, m, "k", rate); d.Allowed || d.RetryAfter != 20*time.Minute || d.ResetAfter != time.Hour {
		t.Fatalf("over the hour's budget: %+v", d)
	}
	clock.Advance(20 * time.Minute)
	if d := mustAllow(t, m, "k", rate); !d.Allowed {
		t.Fatalf("after a third of the hour: %+v", d)
	}
}
