package igny8

import (
	"context"
	"time"
)

// Throttle scopes (docs/design.md section 8).
const (
	ScopeAPI   = "api"   // the plan's requests per minute, per account
	ScopeAI    = "ai"    // a tenth of the plan's rate, per account
	ScopeAuth  = "auth"  // 10 per minute per client IP and per email
	ScopeAdmin = "admin" // the admin endpoints, per developer
	ScopeAnon  = "anon"  // anonymous requests, per client IP
)

// Rate is a budget: PerMinute requests a minute, with Burst allowed at once.
type Rate struct {
	PerMinute int
	Burst     int
}

// RateDecision is a limiter's answer for one request.
type RateDecision struct {
	Allowed    bool
	Limit      int           // the budget's requests per minute
	Remaining  int           // requests that may still be made at once
	RetryAfter time.Duration // when not allowed: how long until one is
	ResetAfter time.Duration // until the budget is whole again
}

// Limiter decides whether one more request under key fits rate. Keys are
// built by the caller from the scope and the account, IP or email.
type Limiter interface {
	Allow(ctx context.Context, key string, rate Rate) (RateDecision, error)
}

// RateFor returns the budget of a throttle scope (docs/design.md section 8):
// api is the plan's rate, ai a tenth of it, auth 10 a minute; each with a
// small burst so that a client cannot spend a minute's budget at once.
func RateFor(scope string, planRate int) Rate {
	perMinute := planRate
	switch scope {
	case ScopeAI:
		perMinute = planRate / 10
	case ScopeAuth:
		perMinute = 10
	case ScopeAdmin:
		perMinute = 600
	case ScopeAnon:
		perMinute = 120
	}
	if perMinute < 1 {
		perMinute = 1
	}
	burst := perMinute / 10
	if burst < 3 {
		burst = min(3, perMinute)
	}
	return Rate{PerMinute: perMinute, Burst: burst}
}
