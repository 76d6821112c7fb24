package api

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// dispatch serves one path: it picks the route for the method, or answers
// 405 problem+json with Allow.
func (h *Handler) dispatch(rs []route) http.Handler {
	byMethod := map[string]http.Handler{}
	var allow []string
	for _, rt := range rs {
		byMethod[rt.method] = h.wrap(rt)
		allow = append(allow, rt.method)
	}
	if _, ok := byMethod[http.MethodGet]; ok {
		allow = append(allow, http.MethodHead)
	}
	allowed := strings.Join(allow, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := r.Method
		if m == http.MethodHead {
			m = http.MethodGet
		}
		if next, ok := byMethod[m]; ok {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Allow", allowed)
		httpx.WriteError(w, r, h.Logger, igny8.Errorf(igny8.EMethodNotAllowed, "%s is not allowed here; use %s.", r.Method, allowed))
	})
}

// wrap runs a request's way (docs/design.md section 5): authenticate, account
// gate, throttle, role check, input check (input.go), handler.
// Every route passes here; no handler can skip a step.
func (h *Handler) wrap(rt route) http.Handler {
	pvs := pathValues(rt.path)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h.serve(rt, pvs, w, r); err != nil {
			httpx.WriteError(w, r, h.Logger, err)
		}
	})
}

func (h *Handler) serve(rt route, pvs []pathValue, w http.ResponseWriter, r *http.Request) error {
	var p *igny8.Principal
	var gate igny8.GateInput
	if rt.access != public {
		var err error
		if p, gate, err = h.authenticate(r); err != nil {
			return err
		}
		if p == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="igny8"`)
			return igny8.Errorf(igny8.EUnauthenticated, "Authentication required.")
		}
		if err := h.checkGate(rt, p, gate); err != nil {
			return err
		}
		r = r.WithContext(igny8.WithPrincipal(r.Context(), p))
	}
	if err := h.throttle(rt, w, r, p, gate); err != nil {
		return err
	}
	switch rt.access {
	case person:
		if !p.IsPerson() {
			return errNoLogin
		}
	case admin:
		if err := igny8.Authorize(p, igny8.ActAdmin); err != nil {
			return err
		}
	case tenant:
		if err := igny8.Authorize(p, rt.action); err != nil {
			return err
		}
	}
	if err := checkInput(rt, pvs, r); err != nil {
		return err
	}
	return rt.h(w, r)
}

// errNoLogin answers an API key on the routes of a login (/auth/me,
// /auth/logout): the key is valid, it just has no login to show or end.
var errNoLogin = igny8.Errorf(igny8.EForbidden, "API keys have no login.")

// checkGate applies the one account gate to principals of an account. The
// owner of a suspended account, or of one whose plan was retired, may
// still reach the routes marked suspendedOwner (their profile, their
// account, billing) so that they can pay or choose another plan.
func (h *Handler) checkGate(rt route, p *igny8.Principal, gate igny8.GateInput) error {
	if p.AccountID == "" {
		return nil
	}
	err := igny8.CheckGate(gate, h.Now())
	code := igny8.ErrorCode(err)
	if err != nil && rt.suspendedOwner && p.Role == igny8.RoleOwner && p.IsPerson() &&
		(code == igny8.EAccountSuspended || code == igny8.EPlanInactive) {
		return nil
	}
	return igny8.WithSupportContact(err, h.Config.SupportEmail)
}

// throttle charges the request to its budget: the account for
// authenticated requests, the client IP otherwise; unthrottled routes
// (health, readiness, metrics) are free. It sets the RateLimit
// headers and answers 429 rate_limited when the budget is spent.
func (h *Handler) throttle(rt route, w http.ResponseWriter, r *http.Request, p *igny8.Principal, gate igny8.GateInput) error {
	if h.Limiter == nil || rt.unthrottled {
		return nil
	}
	key, rate := h.budget(rt, r, p, gate)
	// The rate is part of the key: a plan change starts a budget at the new
	// rate instead of carrying over a schedule made for the old one.
	return h.charge(w, r, key+":"+strconv.Itoa(rate.PerMinute), rate)
}

// charge spends one request of key's budget.
func (h *Handler) charge(w http.ResponseWriter, r *http.Request, key string, rate igny8.Rate) error {
	if h.Limiter == nil {
		return nil
	}
	d, err := h.Limiter.Allow(r.Context(), key, rate)
	if err != nil {
		h.Logger.WarnContext(r.Context(), "throttle unavailable", "err", err.Error())
		return nil
	}
	setRateHeaders(w, d)
	if d.Allowed {
		return nil
	}
	retry := ceilSeconds(d.RetryAfter)
	return &igny8.Error{Code: igny8.ERateLimited, Message: "Too many requests; retry after " + igny8.Plural(retry, "second") + ".",
		Extra: map[string]any{"retry_after": retry}}
}

// setRateHeaders reports d in the RateLimit headers. A request charged to
// two budgets (login: the address and the email) reports the one with
// fewer requests left, so that the headers never promise more than is
// admitted.
func setRateHeaders(w http.ResponseWriter, d igny8.RateDecision) {
	if prev, err := strconv.Atoi(w.Header().Get("RateLimit-Remaining")); err == nil && d.Allowed && prev <= d.Remaining {
		return
	}
	w.Header().Set("RateLimit-Limit", strconv.Itoa(d.Limit))
	w.Header().Set("RateLimit-Remaining", strconv.Itoa(d.Remaining))
	w.Header().Set("RateLimit-Reset", strconv.Itoa(ceilSeconds(d.ResetAfter)))
}

func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(math.Ceil(d.Seconds()))
}

// budget picks the throttle key and rate of a request: every credential of
// an account shares the account's budget per scope.
func (h *Handler) budget(rt route, r *http.Request, p *igny8.Principal, gate igny8.GateInput) (key string, rate igny8.Rate) {
	switch {
	case rt.scope == igny8.ScopeAuth:
		return igny8.IPKey(igny8.ScopeAuth, h.clientIP(r)), igny8.RateFor(igny8.ScopeAuth, 0)
	case p == nil:
		return igny8.IPKey(igny8.ScopeAnon, h.clientIP(r)), igny8.RateFor(igny8.ScopeAnon, 0)
	case p.AccountID == "":
		return igny8.Key(igny8.ScopeAdmin, igny8.KindUser, p.UserID), igny8.RateFor(igny8.ScopeAdmin, 0)
	case rt.scope == igny8.ScopeAI:
		return igny8.Key(igny8.ScopeAI, igny8.KindAccount, p.AccountID), igny8.RateFor(igny8.ScopeAI, gate.APIRequestsPerMinute)
	default:
		return igny8.Key(igny8.ScopeAPI, igny8.KindAccount, p.AccountID), igny8.RateFor(igny8.ScopeAPI, gate.APIRequestsPerMinute)
	}
}

// clientIP is the address the request came from. Behind a trusted proxy it
// is the rightmost X-Forwarded-For entry: the one that proxy added, which
// the client cannot choose (entries to its left can be forged).
func (h *Handler) clientIP(r *http.Request) string {
	if h.Config.TrustProxyHeaders {
		if xff := strings.Join(r.Header.Values("X-Forwarded-For"), ","); xff != "" {
			last := xff[strings.LastIndexByte(xff, ',')+1:]
			if ip := net.ParseIP(strings.TrimSpace(last)); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
