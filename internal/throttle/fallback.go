package throttle

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/igny8/igny8"
	"github.com/prometheus/client_golang/prometheus"
)

// Remote is a shared limiter that can fail: in production *Redis.
type Remote interface {
	igny8.Limiter
	// Ping reports whether the backend answers.
	Ping(ctx context.Context) error
}

// FallbackOptions tunes a Fallback; zero fields take the defaults. Timeout
// is applied as a context deadline, which go-redis honours on sockets only
// with Options.ContextTimeoutEnabled (New sets it).
type FallbackOptions struct {
	Logger     *slog.Logger     // where outages are reported (discarded when nil)
	Now        func() time.Time // clock for probes and log pacing (time.Now)
	Timeout    time.Duration    // bound on one Redis call (DefaultRedisTimeout); see below
	ProbeEvery time.Duration    // wait between probes while Redis is down (5s)
	LogEvery   time.Duration    // at most one outage log line per LogEvery (1m)
}

// DefaultRedisTimeout bounds one Redis call made by a Fallback, so that a
// Redis that hangs costs a request at most this much once per outage.
const DefaultRedisTimeout = 250 * time.Millisecond

// Fallback decides on a Remote limiter (Redis) and, while that fails, on a
// Memory limiter, so that Redis trouble never reaches the caller as an
// error. After a failure it stops calling Redis and probes it in the
// background at most once per ProbeEvery, returning to Redis as soon as a
// probe answers. While Redis is down each instance enforces its budgets
// on its own: a client spread over n instances may get up to n times the
// rate until Redis is back.
type Fallback struct {
	remote Remote
	local  *Memory
	opts   FallbackOptions // with defaults filled in

	up        atomic.Bool
	nextProbe atomic.Int64 // unix ns before which no probe starts
	probes    sync.WaitGroup

	mu         sync.Mutex // serializes outage logging
	lastLog    time.Time
	failures   int  // failures since the last outage log line
	downLogged bool // the current outage has been logged

	upGauge   prometheus.GaugeFunc
	fallbacks prometheus.Counter
}

var _ igny8.Limiter = (*Fallback)(nil)

// NewFallback returns a limiter deciding on remote, or on local while
// remote fails. It starts out assuming remote answers; call Check to find
// out before the first request.
func NewFallback(remote Remote, local *Memory, opts FallbackOptions) *Fallback {
	opts = opts.withDefaults()
	f := &Fallback{remote: remote, local: local, opts: opts}
	f.up.Store(true)
	f.upGauge = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "igny8_throttle_redis_up",
		Help: "1 while the rate limiter decides on Redis, 0 while it serves from process memory because Redis does not answer.",
	}, func() float64 {
		if f.up.Load() {
			return 1
		}
		return 0
	})
	f.fallbacks = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "igny8_throttle_fallback_decisions_total",
		Help: "Rate limit decisions served from process memory because Redis did not answer.",
	})
	return f
}

func (o FallbackOptions) withDefaults() FallbackOptions {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultRedisTimeout
	}
	if o.ProbeEvery <= 0 {
		o.ProbeEvery = 5 * time.Second
	}
	if o.LogEvery <= 0 {
		o.LogEvery = time.Minute
	}
	return o
}

// Allow decides one request under key at rate on Redis, or from memory
// when Redis fails or is known to be down. Its only error is a wrapped
// ErrInvalidRate; Redis errors are never returned.
func (f *Fallback) Allow(ctx context.Context, key string, rate igny8.Rate) (igny8.RateDecision, error) {
	if _, err := newGCRA(rate); err != nil {
		return igny8.RateDecision{}, err
	}
	if f.up.Load() {
		rctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
		d, err := f.remote.Allow(rctx, key, rate)
		cancel()
		if err == nil {
			return d, nil
		}
		if ctx.Err() == nil { // the caller giving up says nothing about Redis
			f.markDown(err)
		}
	} else {
		f.maybeProbe()
	}
	f.fallbacks.Inc()
	return f.local.Allow(ctx, key, rate)
}

// Healthy reports whether decisions are currently made on Redis.
func (f *Fallback) Healthy() bool { return f.up.Load() }

// Check probes Redis now when it is down and a probe is due, then reports
// whether decisions are made on Redis. A readiness handler calls it so the
// state recovers on an idle instance too.
func (f *Fallback) Check(ctx context.Context) bool {
	if !f.up.Load() && f.claimProbe() {
		f.probe(ctx)
	}
	return f.up.Load()
}

// Collectors returns the gauge igny8_throttle_redis_up and the counter
// igny8_throttle_fallback_decisions_total, for the caller's registry.
func (f *Fallback) Collectors() []prometheus.Collector {
	return []prometheus.Collector{f.upGauge, f.fallbacks}
}

// Wait blocks until background probes have finished; call it after the
// last Allow, before closing the Redis client.
func (f *Fallback) Wait() { f.probes.Wait() }

// claimProbe reports whether the caller won the right to probe now, and
// if so pushes the next probe ProbeEvery away.
func (f *Fallback) claimProbe() bool {
	now := f.opts.Now().UnixNano()
	next := f.nextProbe.Load()
	return now >= next && f.nextProbe.CompareAndSwap(next, now+int64(f.opts.ProbeEvery))
}

// maybeProbe starts a background probe when one is due, so that no
// request waits on a Redis that may hang.
func (f *Fallback) maybeProbe() {
	if !f.claimProbe() {
		return
	}
	f.probes.Add(1)
	go func() {
		defer f.probes.Done()
		f.probe(context.Background())
	}()
}

func (f *Fallback) probe(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	if err := f.remote.Ping(ctx); err != nil {
		f.noteFailure(err)
		return
	}
	f.markUp()
}

// markDown switches to memory after a failed Redis call.
func (f *Fallback) markDown(err error) {
	f.nextProbe.Store(f.opts.Now().Add(f.opts.ProbeEvery).UnixNano())
	f.up.Store(false)
	f.noteFailure(err)
}

// noteFailure counts a failure and logs at most once per LogEvery.
func (f *Fallback) noteFailure(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures++
	now := f.opts.Now()
	if !f.lastLog.IsZero() && now.Sub(f.lastLog) < f.opts.LogEvery {
		return
	}
	f.opts.Logger.Warn("throttle: Redis does not answer; rate limits are enforced per instance from memory",
		"err", err, "failures", f.failures, "probe_every", f.opts.ProbeEvery)
	f.lastLog, f.failures, f.downLogged = now, 0, true
}

// markUp switches back to Redis after a successful probe. The recovery is
// logged when the outage was, so the log never shows one without the other.
func (f *Fallback) markUp() {
	if f.up.Swap(true) {
		return
	}
	f.mu.Lock()
	logged := f.downLogged
	f.downLogged, f.failures = false, 0
	f.mu.Unlock()
	if logged {
		f.opts.Logger.Info("throttle: Redis answers again; rate limits are shared through Redis")
	}
}
