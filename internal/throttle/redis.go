package throttle

import (
	"context"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/igny8/igny8"
	"github.com/redis/go-redis/v9"
)

// DefaultRedisPrefix namespaces igny8's budgets in a shared Redis; the
// keys are redis_rate's "rate:" followed by this prefix and the caller's key.
const DefaultRedisPrefix = "igny8:"

// Redis is a GCRA limiter whose state lives in Redis, so that every server
// instance on one Redis enforces one budget per key. It uses redis_rate,
// whose script reads Redis's own clock, so instance clocks do not matter.
// It reports Redis trouble as errors; Fallback turns those into decisions
// from memory.
type Redis struct {
	client  redis.UniversalClient
	limiter *redis_rate.Limiter
	prefix  string
}

var _ igny8.Limiter = (*Redis)(nil)

// NewRedis returns a limiter on client whose keys start with prefix
// (DefaultRedisPrefix when empty). The caller keeps ownership of client.
func NewRedis(client redis.UniversalClient, prefix string) *Redis {
	if prefix == "" {
		prefix = DefaultRedisPrefix
	}
	return &Redis{client: client, limiter: redis_rate.NewLimiter(client), prefix: prefix}
}

// Allow decides one request under key at rate. It returns a wrapped
// ErrInvalidRate for a bad rate and a wrapped Redis error when Redis does
// not answer (both internal errors for an HTTP caller).
func (r *Redis) Allow(ctx context.Context, key string, rate igny8.Rate) (igny8.RateDecision, error) {
	if _, err := newGCRA(rate); err != nil {
		return igny8.RateDecision{}, err
	}
	limit := redis_rate.Limit{Rate: rate.PerMinute, Burst: burstOf(rate), Period: period(rate)}
	res, err := r.limiter.Allow(ctx, r.prefix+key, limit)
	if err != nil {
		return igny8.RateDecision{}, fmt.Errorf("throttle: redis: %w", err)
	}
	d := igny8.RateDecision{
		Allowed:    res.Allowed > 0,
		Limit:      limitOf(rate),
		ResetAfter: max(res.ResetAfter, 0),
	}
	if d.Allowed {
		d.Remaining = remainingAfter(limit, d.ResetAfter)
	} else {
		d.RetryAfter = max(res.RetryAfter, 0)
	}
	return d, nil
}

// remainingAfter is how many more requests an allowed request leaves, from
// the time until the budget is whole again. redis_rate's own remaining is a
// float the script truncates, so that N requests at once could report one
// fewer remaining than memory does (and than is admitted); this computes it
// as memory does, forgiving the tenths of a microsecond that reset_after loses in the
// script's float arithmetic (Redis's clock counts whole microseconds).
func remainingAfter(limit redis_rate.Limit, resetAfter time.Duration) int {
	interval := float64(limit.Period) / float64(limit.Rate)
	spare := float64(limit.Burst)*interval - float64(resetAfter) + float64(500*time.Nanosecond)
	return min(max(int(spare/interval), 0), limit.Burst-1)
}

// Ping reports whether Redis answers, as a wrapped Redis error.
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("throttle: redis: %w", err)
	}
	return nil
}
