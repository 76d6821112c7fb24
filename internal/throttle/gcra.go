// Package throttle implements igny8.Limiter: a smooth GCRA limiter in
// process memory (Memory), the same algorithm shared through Redis (Redis,
// on github.com/go-redis/redis_rate), and Fallback, which serves from memory
// while Redis is unreachable and returns to Redis when it answers again.
// New builds the limiter the server uses from its options.
//
// The algorithm is GCRA (generic cell rate algorithm): a budget of
// Rate.PerMinute requests a minute spaced evenly, of which up to Rate.Burst
// may come at once. Unlike a fixed window it never lets twice the rate
// through across a window boundary: in any interval of length d at most
// Burst + d*PerMinute/minute requests are allowed.
package throttle

import (
	"errors"
	"fmt"
	"time"

	"github.com/igny8/igny8"
)

// ErrInvalidRate is returned (wrapped) by every limiter here for a rate
// with PerMinute < 1, a negative Burst or a Burst above MaxBurst. It is a
// programming error and maps to the internal error code.
var ErrInvalidRate = errors.New("throttle: invalid rate")

// MaxBurst bounds Rate.Burst so that the arithmetic can never overflow.
const MaxBurst = 1_000_000

// period is the window a Rate's PerMinute is expressed in: a minute
// unless the rate names another.
func period(rate igny8.Rate) time.Duration {
	if rate.Period > 0 {
		return rate.Period
	}
	return time.Minute
}

// gcra is one rate in the algorithm's own terms, in nanoseconds: interval
// is the spacing between requests at the steady rate, tolerance how far
// ahead of now the theoretical arrival time may run (Burst intervals).
type gcra struct {
	limit     int
	interval  int64
	tolerance int64
}

// newGCRA checks rate and converts it. A Burst of 0 means 1: a request must
// always be able to pass once the budget is whole.
func newGCRA(rate igny8.Rate) (gcra, error) {
	if rate.PerMinute < 1 || rate.Burst < 0 || rate.Burst > MaxBurst {
		return gcra{}, fmt.Errorf("%w: %d per minute, burst %d", ErrInvalidRate, rate.PerMinute, rate.Burst)
	}
	interval := int64(period(rate)) / int64(rate.PerMinute)
	if interval < 1 {
		interval = 1
	}
	return gcra{limit: limitOf(rate), interval: interval, tolerance: interval * int64(burstOf(rate))}, nil
}

// limitOf is what a decision reports as rate's Limit: its requests a
// minute, or its burst when more may come at once (3 at once, then 1 a
// minute, is a limit of 3), so that Remaining never exceeds Limit.
func limitOf(rate igny8.Rate) int {
	return max(rate.PerMinute, burstOf(rate))
}

// burstOf is rate's burst with 0 taken as 1.
func burstOf(rate igny8.Rate) int {
	return max(rate.Burst, 1)
}

// decide applies one request at now to the stored theoretical arrival time
// tat (0 when the key is unknown). It returns the decision and the tat to
// store, which is meaningful only when the request is allowed. It is the
// same computation as redis_rate's Lua script, so both backends agree.
func (g gcra) decide(tat, now int64) (int64, igny8.RateDecision) {
	tat = max(tat, now)
	newTAT := tat + g.interval
	diff := now - (newTAT - g.tolerance)
	if diff < 0 {
		return tat, igny8.RateDecision{
			Limit:      g.limit,
			RetryAfter: time.Duration(-diff),
			ResetAfter: time.Duration(tat - now),
		}
	}
	return newTAT, igny8.RateDecision{
		Allowed:    true,
		Limit:      g.limit,
		Remaining:  int(diff / g.interval),
		ResetAfter: time.Duration(newTAT - now),
	}
}
