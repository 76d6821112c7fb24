package throttle

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/prometheus/client_golang/prometheus"
)

// flakyRemote is a Remote that fails on demand and counts its calls.
type flakyRemote struct {
	mem   *Memory
	down  atomic.Bool
	calls atomic.Int64
	pings atomic.Int64
}

var errRefused = errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")

func (r *flakyRemote) Allow(ctx context.Context, key string, rate igny8.Rate) (igny8.RateDecision, error) {
	r.calls.Add(1)
	if err := ctx.Err(); err != nil {
		return igny8.RateDecision{}, err
	}
	if r.down.Load() {
		return igny8.RateDecision{}, errRefused
	}
	return r.mem.Allow(ctx, key, rate)
}

func (r *flakyRemote) Ping(context.Context) error {
	r.pings.Add(1)
	if r.down.Load() {
		return errRefused
	}
	return nil
}

// logRecorder is a slog.Handler keeping the records it is given.
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *logRecorder) WithGroup(string) slog.Handler            { return h }
func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r)
	return nil
}

func (h *logRecorder) levels() []slog.Level {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []slog.Level
	for _, r := range h.records {
		out = append(out, r.Level)
	}
	return out
}

type fallbackRig struct {
	t      *testing.T
	clock  *fakeClock
	remote *flakyRemote
	logs   *logRecorder
	f      *Fallback
}

func newFallbackRig(t *testing.T) *fallbackRig {
	t.Helper()
	clock := newFakeClock()
	rig := &fallbackRig{t: t, clock: clock, remote: &flakyRemote{mem: NewMemory(clock.Now)}, logs: &logRecorder{}}
	rig.f = NewFallback(rig.remote, NewMemory(clock.Now), FallbackOptions{
		Logger: slog.New(rig.logs), Now: clock.Now, ProbeEvery: 5 * time.Second, LogEvery: time.Minute,
	})
	t.Cleanup(rig.f.Wait)
	return rig
}

// allow runs one Allow, lets a probe it may start finish, and returns.
func (rig *fallbackRig) allow(t *testing.T, key string) igny8.RateDecision {
	t.Helper()
	d := mustAllow(t, rig.f, key, igny8.Rate{PerMinute: 60, Burst: 3})
	rig.f.Wait()
	return d
}

func (rig *fallbackRig) metrics() (up, fallbacks float64) {
	values := gather(rig.t, rig.f.Collectors())
	return values["igny8_throttle_redis_up"], values["igny8_throttle_fallback_decisions_total"]
}

// gather registers collectors on a fresh registry and returns the value
// of each metric by name.
func gather(tb testing.TB, collectors []prometheus.Collector) map[string]float64 {
	tb.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(collectors...)
	families, err := reg.Gather()
	if err != nil {
		tb.Fatalf("gather: %v", err)
	}
	values := make(map[string]float64)
	for _, fam := range families {
		for _, m := range fam.GetMetric() {
			values[fam.GetName()] += m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	return values
}

func TestFallbackServesFromMemoryWhileRedisIsDown(t *testing.T) {
	rig := newFallbackRig(t)
	rig.remote.down.Store(true)
	allowed := 0
	for range 10 {
		if rig.allow(t, "k").Allowed {
			allowed++
		}
	}
	if allowed != 3 {
		t.Fatalf("allowed %d of 10 from memory, want the burst of 3", allowed)
	}
	if rig.f.Healthy() {
		t.Fatal("Healthy while Redis is down")
	}
	if up, n := rig.metrics(); up != 0 || n != 10 {
		t.Fatalf("redis_up %v, fallback decisions %v; want 0 and 10", up, n)
	}
	if calls, pings := rig.remote.calls.Load(), rig.remote.pings.Load(); calls != 1 || pings != 0 {
		t.Fatalf("Redis called %d times and pinged %d times; want 1 call and no probe yet", calls, pings)
	}
	if got := rig.logs.levels(); len(got) != 1 || got[0] != slog.LevelWarn {
		t.Fatalf("log levels %v, want one warning", got)
	}
}

func TestFallbackProbesAndLogsAtMeasuredPace(t *testing.T) {
	rig := newFallbackRig(t)
	rig.remote.down.Store(true)
	rig.allow(t, "k") // fails over
	for range 4 {     // 4s: no probe is due yet
		rig.clock.Advance(time.Second)
		rig.allow(t, "k")
	}
	if n := rig.remote.pings.Load(); n != 0 {
		t.Fatalf("probed %d times within the first 5s", n)
	}
	for range 60 { // one probe per 5s for a minute, one more log line
		rig.clock.Advance(time.Second)
		rig.allow(t, "k")
		rig.allow(t, "k")
	}
	if n := rig.remote.pings.Load(); n != 12 {
		t.Fatalf("probed %d times in a minute, want 12 (every 5s)", n)
	}
	if got := rig.logs.levels(); len(got) != 2 {
		t.Fatalf("logged %d lines in 65s of outage, want 2 (once a minute)", len(got))
	}
}

func TestFallbackReturnsToRedis(t *testing.T) {
	rig := newFallbackRig(t)
	rig.remote.down.Store(true)
	rig.allow(t, "k")
	rig.remote.down.Store(false)
	rig.clock.Advance(5 * time.Second)
	rig.allow(t, "k") // served from memory, starts the probe that succeeds
	if !rig.f.Healthy() {
		t.Fatal("not Healthy after a successful probe")
	}
	before := rig.remote.calls.Load()
	rig.allow(t, "k")
	if rig.remote.calls.Load() != before+1 {
		t.Fatal("the request after recovery did not go to Redis")
	}
	if up, n := rig.metrics(); up != 1 || n != 2 {
		t.Fatalf("redis_up %v, fallback decisions %v; want 1 and 2", up, n)
	}
	if got := rig.logs.levels(); len(got) != 2 || got[1] != slog.LevelInfo {
		t.Fatalf("log levels %v, want a warning then the recovery", got)
	}
}

func TestFallbackCheckProbesWhenDue(t *testing.T) {
	rig := newFallbackRig(t)
	rig.remote.down.Store(true)
	rig.allow(t, "k")
	ctx := context.Background()
	if rig.f.Check(ctx) || rig.remote.pings.Load() != 0 {
		t.Fatal("Check probed before a probe was due")
	}
	rig.clock.Advance(5 * time.Second)
	rig.remote.down.Store(false)
	if !rig.f.Check(ctx) || rig.remote.pings.Load() != 1 {
		t.Fatalf("Check did not probe once and recover (%d probes)", rig.remote.pings.Load())
	}
}

func TestFallbackCallerCancelIsNotAnOutage(t *testing.T) {
	rig := newFallbackRig(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := rig.f.Allow(ctx, "k", igny8.RateFor(igny8.ScopeAPI, 60)); err != nil {
		t.Fatalf("Allow with a cancelled context: %v", err)
	}
	if !rig.f.Healthy() || len(rig.logs.levels()) != 0 {
		t.Fatal("a caller's cancellation was taken for a Redis outage")
	}
}

func TestFallbackInvalidRateSkipsRedis(t *testing.T) {
	rig := newFallbackRig(t)
	if _, err := rig.f.Allow(context.Background(), "k", igny8.Rate{}); !errors.Is(err, ErrInvalidRate) {
		t.Fatalf("got %v, want ErrInvalidRate", err)
	}
	if rig.remote.calls.Load() != 0 {
		t.Fatal("an invalid rate reached Redis")
	}
}

// TestFallbackNeverFailsWhileRedisFlaps hammers a Fallback while Redis
// goes up and down, for the race detector and the no-error promise.
func TestFallbackNeverFailsWhileRedisFlaps(t *testing.T) {
	remote := &flakyRemote{mem: NewMemory(nil)}
	f := NewFallback(remote, NewMemory(nil), FallbackOptions{ProbeEvery: time.Millisecond})
	defer f.Wait()
	stop := make(chan struct{})
	var flapper sync.WaitGroup
	flapper.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Microsecond):
				remote.down.Store(!remote.down.Load())
			}
		}
	})
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 500 {
				key := igny8.Key(igny8.ScopeAPI, igny8.KindAccount, string(rune('a'+(g+i)%8)))
				if _, err := f.Allow(context.Background(), key, igny8.RateFor(igny8.ScopeAPI, 600)); err != nil {
					t.Errorf("Allow: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	flapper.Wait()
}

func TestNewWithUnreachableRedisServesFromMemory(t *testing.T) {
	logs := &logRecorder{}
	l, err := New(context.Background(), Options{RedisURL: "redis://127.0.0.1:1/0", Logger: slog.New(logs)})
	if err != nil {
		t.Fatalf("New with an unreachable Redis: %v", err)
	}
	defer l.Close()
	if st := l.Status(context.Background()); st != (Status{Backend: BackendFallback, Degraded: true}) || l.Healthy() {
		t.Fatalf("status %+v, healthy %v; want degraded fallback", st, l.Healthy())
	}
	rate := igny8.RateFor(igny8.ScopeAuth, 0)
	allowed := 0
	for range 15 {
		if mustAllow(t, l, igny8.EmailKey(igny8.ScopeAuth, "a@example.com"), rate).Allowed {
			allowed++
		}
	}
	if allowed != rate.Burst {
		t.Fatalf("allowed %d, want the burst of %d", allowed, rate.Burst)
	}
	values := gather(t, l.Collectors())
	if up, n := values["igny8_throttle_redis_up"], values["igny8_throttle_fallback_decisions_total"]; up != 0 || n != 15 || len(values) != 2 {
		t.Fatalf("metrics %v: want redis_up 0 and 15 fallback decisions", values)
	}
	if len(logs.levels()) != 1 {
		t.Fatalf("logged %d lines, want 1", len(logs.levels()))
	}
}

func TestNewInMemory(t *testing.T) {
	l, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if st := l.Status(context.Background()); st != (Status{Backend: BackendMemory}) || !l.Healthy() || l.Collectors() != nil {
		t.Fatalf("status %+v: want memory, healthy, no collectors", st)
	}
	if d := mustAllow(t, l, "k", igny8.RateFor(igny8.ScopeAPI, 60)); !d.Allowed || d.Limit != 60 {
		t.Fatalf("got %+v", d)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := New(context.Background(), Options{RedisURL: "http://example.com"}); err == nil {
		t.Fatal("New accepted a URL that is not Redis's")
	}
}

func TestNoopAllowsEverything(t *testing.T) {
	for range 100 {
		if d := mustAllow(t, Noop{}, "k", igny8.Rate{PerMinute: 1}); !d.Allowed {
			t.Fatalf("Noop denied: %+v", d)
		}
	}
}
