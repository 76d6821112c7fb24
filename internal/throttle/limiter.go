package throttle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/igny8/igny8"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Backend names reported by Status.
const (
	BackendMemory   = "memory"   // in-process only: no Redis configured
	BackendRedis    = "redis"    // shared through Redis
	BackendFallback = "fallback" // Redis configured but not answering: in-process
)

// Options configures New.
type Options struct {
	// RedisURL (redis:// or rediss://, as go-redis ParseURL reads it)
	// shares budgets between instances; empty keeps them in process.
	RedisURL string
	// RedisPrefix namespaces the keys in Redis (DefaultRedisPrefix).
	RedisPrefix string
	// RedisTimeout bounds one Redis call (DefaultRedisTimeout).
	RedisTimeout time.Duration
	// Logger receives Redis outage reports (discarded when nil).
	Logger *slog.Logger
}

// Limiter is the limiter a server runs: in memory, or on Redis with the
// in-memory fallback. Build it with New and Close it on shutdown.
type Limiter struct {
	limiter  igny8.Limiter
	fallback *Fallback     // nil without Redis
	client   *redis.Client // nil without Redis
}

// Status is the limiter's state for /readyz details. Degraded (Redis
// configured but not answering) does not make the server unready: it keeps
// serving with per-instance budgets.
type Status struct {
	Backend  string `json:"backend"` // BackendMemory, BackendRedis or BackendFallback
	Degraded bool   `json:"degraded"`
}

var _ igny8.Limiter = (*Limiter)(nil)

// New builds the server's limiter. With an empty RedisURL it is in memory
// only. Otherwise it pings Redis once (bounded by ctx and RedisTimeout) and
// starts on Redis or, when Redis does not answer, on the fallback; an
// unreachable Redis is not an error. It returns an error only for a
// malformed RedisURL.
func New(ctx context.Context, opts Options) (*Limiter, error) {
	mem := NewMemory(nil)
	if opts.RedisURL == "" {
		return &Limiter{limiter: mem}, nil
	}
	ropts, err := redis.ParseURL(opts.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("throttle: redis url: %w", err)
	}
	timeout := opts.RedisTimeout
	if timeout <= 0 {
		timeout = DefaultRedisTimeout
	}
	tuneRedis(ropts, timeout)
	client := redis.NewClient(ropts)
	fb := NewFallback(NewRedis(client, opts.RedisPrefix), mem, FallbackOptions{Logger: opts.Logger, Timeout: timeout})
	l := &Limiter{limiter: fb, fallback: fb, client: client}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := fb.remote.Ping(pctx); err != nil {
		fb.markDown(err)
	}
	return l, nil
}

// tuneRedis fails fast rather than retrying: a request's limit decision
// must not wait seconds on a sick Redis when memory can answer. Settings
// given in the URL are kept.
func tuneRedis(o *redis.Options, timeout time.Duration) {
	if o.DialTimeout == 0 {
		o.DialTimeout = timeout
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = timeout
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = timeout
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = -1 // no retries
	}
	if o.DialerRetries == 0 {
		o.DialerRetries = 1
	}
	o.ContextTimeoutEnabled = true
}

// Allow decides one request under key at rate. Its only error is a wrapped
// ErrInvalidRate (internal); Redis trouble is served from memory.
func (l *Limiter) Allow(ctx context.Context, key string, rate igny8.Rate) (igny8.RateDecision, error) {
	return l.limiter.Allow(ctx, key, rate)
}

// Healthy reports false only while Redis is configured and not answering.
func (l *Limiter) Healthy() bool {
	return l.fallback == nil || l.fallback.Healthy()
}

// Status reports the backend in use, probing Redis first when it is down
// and a probe is due (at most one probe per few seconds).
func (l *Limiter) Status(ctx context.Context) Status {
	switch {
	case l.fallback == nil:
		return Status{Backend: BackendMemory}
	case l.fallback.Check(ctx):
		return Status{Backend: BackendRedis}
	default:
		return Status{Backend: BackendFallback, Degraded: true}
	}
}

// Collectors returns the Prometheus collectors to register on the
// server's registry: igny8_throttle_redis_up and
// igny8_throttle_fallback_decisions_total when Redis is configured, none
// otherwise.
func (l *Limiter) Collectors() []prometheus.Collector {
	if l.fallback == nil {
		return nil
	}
	return l.fallback.Collectors()
}

// Close waits for background probes and closes the Redis client. Call it
// after the last Allow.
func (l *Limiter) Close() error {
	if l.fallback == nil {
		return nil
	}
	l.fallback.Wait()
	if err := l.client.Close(); err != nil && !errors.Is(err, redis.ErrClosed) {
		return fmt.Errorf("throttle: close redis: %w", err)
	}
	return nil
}

// Noop allows every request; the server uses it when throttling is off
// (IGNY8_THROTTLE=off) because a gateway limits instead.
type Noop struct{}

var _ igny8.Limiter = Noop{}

// Allow allows the request and never fails. The decision reports the
// rate's limit (limitOf) as Limit and Remaining so headers stay meaningful.
func (Noop) Allow(_ context.Context, _ string, rate igny8.Rate) (igny8.RateDecision, error) {
	return igny8.RateDecision{Allowed: true, Limit: limitOf(rate), Remaining: limitOf(rate)}, nil
}
