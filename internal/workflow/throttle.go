package workflow

import (
	"context"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/igny8/igny8"
)

type reportKey struct{}

// WithRateReport returns ctx with f, which is told every throttle decision
// made for the request (the API answers them as RateLimit headers).
func WithRateReport(ctx context.Context, f func(igny8.RateDecision)) context.Context {
	return context.WithValue(ctx, reportKey{}, f)
}

// Charge spends one request of key's budget at rate. When the budget is
// spent it returns rate_limited with retry_after, the seconds to wait.
// When the limiter fails, the request goes through and a warning is
// logged: an outage of Redis must not lock everyone out.
func (s *Service) Charge(ctx context.Context, key string, rate igny8.Rate) error {
	if s.Limiter == nil {
		return nil
	}
	d, err := s.Limiter.Allow(ctx, key, rate)
	if err != nil {
		s.Logger.WarnContext(ctx, "throttle unavailable", "err", err.Error())
		return nil
	}
	if f, ok := ctx.Value(reportKey{}).(func(igny8.RateDecision)); ok {
		f(d)
	}
	if d.Allowed {
		return nil
	}
	retry := CeilSeconds(d.RetryAfter)
	return &igny8.Error{Code: igny8.ERateLimited, Message: "Too many requests; retry after " + igny8.Plural(retry, "second") + ".",
		Extra: map[string]any{"retry_after": retry}}
}

// ChargeAddress spends one attempt of the auth budget of the client
// address addr (httpx.ClientIP): sign-up, login, refresh and invitations,
// on the API and the pages alike, draw on this one budget per address.
func (s *Service) ChargeAddress(ctx context.Context, addr string) error {
	rate := igny8.RateFor(igny8.ScopeAuth, 0)
	// The rate is part of the key, as in every budget (internal/api's
	// throttle): a new rate starts a new schedule.
	return s.Charge(ctx, igny8.IPKey(igny8.ScopeAuth, addr)+":"+strconv.Itoa(rate.PerMinute), rate)
}

// ChargeEmail spends one attempt of the auth budget of the email named in
// a sign-up, login or other password check, so that guessing one account's password from many
// addresses is throttled too. The key is hashed (igny8.EmailKey).
func (s *Service) ChargeEmail(ctx context.Context, email string) error {
	if strings.TrimSpace(email) == "" {
		return nil
	}
	return s.Charge(ctx, igny8.EmailKey(igny8.ScopeAuth, email), igny8.RateFor(igny8.ScopeAuth, 0))
}

// CeilSeconds is d in whole seconds, rounded up (RateLimit headers).
func CeilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(math.Ceil(d.Seconds()))
}

// ChargeRecovery spends one request of the recovery budget of email: each
// one may send a password reset message to that address, so it is kept
// far below the auth budget (igny8.RateFor) to make the form useless for
// flooding someone's mailbox. It is its own budget so that asking for
// links cannot lock the address out of logging in. The key is hashed.
func (s *Service) ChargeRecovery(ctx context.Context, email string) error {
	rate := igny8.RateFor(igny8.ScopeRecovery, 0)
	return s.Charge(ctx, igny8.EmailKey(igny8.ScopeRecovery, email)+":"+strconv.Itoa(rate.PerMinute), rate)
}
