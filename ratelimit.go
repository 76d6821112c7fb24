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
	// ScopeRecovery is the password reset messages asked for, per email:
	// 3 at once, then 1 a minute.
	ScopeRecovery = "recovery"
	// ScopeWebhook is the payment provider's webhook, per client IP: Stripe
	// sends from a few addresses, so it has its own generous budget.
	ScopeWebhook = "webhook"
)

// Rate is a budget: PerMinute requests a minute (or per Period, when set),
// with Burst allowed at once.
type Rate struct {
	PerMinute int
	Burst     int
	// Period is the window PerMinute counts in; zero is a minute. Slow
	// budgets (ScopeVerify: 3 an hour) set it.
	Period time.Duration
}

// RateDecision is a limiter's answer for one request.
type RateDecision struct {
	Allowed    bool
	Limit      int           // the budget's requests per minute, or its burst when larger
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
// api is the plan's rate, ai a tenth of it, auth 10 a minute, recovery 1
// a minute with 3 at once. A budget of
// N a minute admits N requests at once and refills at N a minute (one
// every minute/N), so RateLimit-Limit: N is what a client may send. The
// burst is capped at maxBurst so that no plan rate can overflow a limiter.
func RateFor(scope string, planRate int) Rate {
	perMinute := planRate
	switch scope {
	case ScopeRecovery:
		return Rate{PerMinute: 1, Burst: 3}
	case ScopeAI:
		perMinute = planRate / 10
	case ScopeAuth:
		perMinute = 10
	case ScopeAdmin:
		perMinute = 600
	case ScopeAnon:
		perMinute = 120
	case ScopeWebhook:
		perMinute = 6000
	case ScopeVerify:
		return verifyRate
	}
	perMinute = max(perMinute, 1)
	return Rate{PerMinute: perMinute, Burst: min(perMinute, maxBurst)}
}

// maxBurst is internal/throttle's MaxBurst: the largest burst a limiter takes.
const maxBurst = 1_000_000
