package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
	"github.com/igny8/igny8/internal/workflow"
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
// gate, second-factor enrolment, throttle, role check, input check (input.go), handler.
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
	if h.Limiter != nil && !rt.noThrottle {
		// Every budget the request spends, here or in a workflow, is
		// answered in the RateLimit headers.
		r = r.WithContext(workflow.WithRateReport(r.Context(), func(d igny8.RateDecision) { setRateHeaders(w, d) }))
	}
	var p *igny8.Principal
	var gate igny8.GateInput
	if rt.access != accessPublic {
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
		if p.MustEnrol() && !rt.passEnrolment {
			return igny8.ErrEnrolmentRequired
		}
		r = r.WithContext(igny8.WithPrincipal(r.Context(), p))
	}
	if err := h.throttle(rt, w, r, p, gate); err != nil {
		return err
	}
	switch rt.access {
	case accessPerson:
		if !p.IsPerson() {
			return errNoLogin
		}
	case accessAdmin:
		if err := igny8.Authorize(p, igny8.ActAdmin); err != nil {
			return err
		}
	case accessTenant:
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
// account, billing) so that they can pay or choose another plan
// (igny8.OwnerMayPay).
func (h *Handler) checkGate(rt route, p *igny8.Principal, gate igny8.GateInput) error {
	if p.AccountID == "" {
		return nil
	}
	err := h.Flow.Refusal(gate)
	if err != nil && rt.passSuspendedOwner && igny8.OwnerMayPay(p, err) {
		return nil
	}
	return err
}

// throttle charges the request to its budget: the account for
// authenticated requests, the client IP otherwise (the auth budget of
// the address for sign-up, login, refresh and invitations, shared with
// the pages); unthrottled routes (health, readiness, metrics) are free.
// It sets the RateLimit headers and answers 429 rate_limited when the
// budget is spent.
func (h *Handler) throttle(rt route, w http.ResponseWriter, r *http.Request, p *igny8.Principal, gate igny8.GateInput) error {
	if h.Limiter == nil || rt.noThrottle {
		return nil
	}
	if rt.throttleScope == igny8.ScopeAuth {
		return h.Flow.ChargeAddress(r.Context(), httpx.ClientIP(r, h.Config.TrustProxyHeaders))
	}
	key, rate := h.budget(rt, r, p, gate)
	// The rate is part of the key: a plan change starts a budget at the new
	// rate instead of carrying over a schedule made for the old one.
	return h.Flow.Charge(r.Context(), key+":"+strconv.Itoa(rate.PerMinute), rate)
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
	w.Header().Set("RateLimit-Reset", strconv.Itoa(workflow.CeilSeconds(d.ResetAfter)))
}

// budget picks the throttle key and rate of a request: every credential of
// an account shares the account's budget per scope.
func (h *Handler) budget(rt route, r *http.Request, p *igny8.Principal, gate igny8.GateInput) (key string, rate igny8.Rate) {
	switch {
	case rt.throttleScope == igny8.ScopeWebhook:
		return igny8.IPKey(igny8.ScopeWebhook, httpx.ClientIP(r, h.Config.TrustProxyHeaders)), igny8.RateFor(igny8.ScopeWebhook, 0)
	case p == nil:
		return igny8.IPKey(igny8.ScopeAnon, httpx.ClientIP(r, h.Config.TrustProxyHeaders)), igny8.RateFor(igny8.ScopeAnon, 0)
	case p.AccountID == "":
		return igny8.Key(igny8.ScopeAdmin, igny8.KindUser, p.UserID), igny8.RateFor(igny8.ScopeAdmin, 0)
	case rt.throttleScope == igny8.ScopeAI:
		return igny8.Key(igny8.ScopeAI, igny8.KindAccount, p.AccountID), igny8.RateFor(igny8.ScopeAI, gate.APIRequestsPerMinute)
	default:
		return igny8.Key(igny8.ScopeAPI, igny8.KindAccount, p.AccountID), igny8.RateFor(igny8.ScopeAPI, gate.APIRequestsPerMinute)
	}
}
