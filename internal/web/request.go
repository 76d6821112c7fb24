package web

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// access says who may open a page.
type access int

const (
	public access = iota // anyone; a session is used when there is one
	person               // any logged-in person, with or without an account
	tenant               // a person of an account, subject to action
	admin                // developers (system administrators)
)

// page is one route of the app.
type page struct {
	method, path string
	access       access
	action       igny8.Action
	// suspendedOwner lets the owner of a suspended account in (billing,
	// logging out), so that they can pay.
	suspendedOwner bool
	// noGate skips the account gate (logging out always works).
	noGate bool
	// enrolment pages stay open to a person who must turn on a second
	// factor and has not (igny8.Principal.MustEnrol); every other page
	// sends them to enrolment.
	enrolment bool
	h         func(w http.ResponseWriter, r *http.Request, v *visit) error
}

// visit is what the request's way resolved: the logged-in person, their
// session and account, and whether the account passed the gate.
type visit struct {
	P       *igny8.Principal
	Session *igny8.WebSession
	Account *igny8.Account
	// GateErr is the account gate's refusal, shown on the pages a
	// suspended owner may still reach.
	GateErr error
	token   string
}

// errCrossSite is the answer to a state-changing request from another site
// or without the session's CSRF token.
var errCrossSite = igny8.Errorf(igny8.EForbidden,
	"This form was sent from another site or has expired. Go back, reload the page and try again.")

// crossOrigin refuses state-changing requests a browser marks as
// cross-site (Sec-Fetch-Site, or an Origin other than the host).
var crossOrigin = http.NewCrossOriginProtection()

// wrap runs a page's way: recover, cross-origin check, input check
// (input.go), session, gate, second-factor enrolment, role, CSRF token,
// handler; errors become
// friendly pages.
//
// The Content-Security-Policy lets forms post only to the app itself; with
// card payments on, also to Stripe's hosted pages, since browsers apply
// form-action to the redirect that follows a post: the checkout and portal
// forms answer 303 to checkout.stripe.com and billing.stripe.com.
func (h *Handler) csp() string {
	formAction := "'self'"
	if h.CardPortal != nil {
		formAction += " " + stripeHostedPages
	}
	return "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action " + formAction
}

// stripeHostedPages are the origins of Stripe Checkout and the customer
// portal.
const stripeHostedPages = "https://checkout.stripe.com https://billing.stripe.com"

func (h *Handler) wrap(pg page) http.Handler {
	names, ids := pathParams(pg.path)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				h.fail(w, r, nil, fmt.Errorf("panic: %v", p))
			}
		}()
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Content-Security-Policy", h.csp())
		v, err := h.enter(w, r, pg, names, ids)
		if err == nil && v != nil {
			err = pg.h(w, r.WithContext(igny8.WithPrincipal(r.Context(), v.P)), v)
		}
		if err != nil {
			h.fail(w, r, v, err)
		}
	})
}

// enter checks everything before the handler. A nil visit with a nil
// error means enter has already answered (a redirect).
func (h *Handler) enter(w http.ResponseWriter, r *http.Request, pg page, names []string, ids []bool) (*visit, error) {
	if err := crossOrigin.Check(r); err != nil {
		return &visit{}, errCrossSite
	}
	v, err := h.resolve(w, r)
	if err != nil {
		return &visit{}, err
	}
	if err := checkInput(w, r, names, ids); err != nil {
		return v, err
	}
	if pg.access == public {
		return v, h.checkCSRF(w, r, v)
	}
	if v.P == nil {
		http.Redirect(w, r, loginURL(r), http.StatusSeeOther)
		return nil, nil
	}
	if err := h.gate(pg, v); err != nil {
		if err == errToBilling {
			http.Redirect(w, r, "/billing", http.StatusSeeOther)
			return nil, nil
		}
		return v, err
	}
	if v.P.MustEnrol() && !pg.enrolment {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			http.Redirect(w, r, enrolPath, http.StatusSeeOther)
			return nil, nil
		}
		return v, igny8.ErrEnrolmentRequired
	}
	if err := h.authorize(pg, v); err != nil {
		if v.P.AccountID == "" && pg.access == tenant {
			http.Redirect(w, r, "/admin", http.StatusSeeOther)
			return nil, nil
		}
		return v, err
	}
	return v, h.checkCSRF(w, r, v)
}

// resolve reads the session cookie. A stale cookie is cleared and the
// request goes on as anonymous.
func (h *Handler) resolve(w http.ResponseWriter, r *http.Request) (*visit, error) {
	v := &visit{}
	c, err := r.Cookie(igny8.SessionCookie)
	if err != nil || c.Value == "" {
		return v, nil
	}
	p, gate, s, err := h.WebSessions.ResolveSession(r.Context(), c.Value)
	if igny8.ErrorCode(err) == igny8.EUnauthenticated {
		h.clearCookie(w, r)
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	v.P, v.Session, v.token = p, s, c.Value
	if p.AccountID != "" {
		v.GateErr = h.Flow.Refusal(gate)
		ctx := igny8.WithPrincipal(r.Context(), p)
		if v.Account, err = h.Accounts.CurrentAccount(ctx); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// errToBilling sends the owner of a suspended account to billing.
var errToBilling = errors.New("to billing")

// gate applies the account gate: the owner of a suspended account, or of
// one whose plan was retired (igny8.OwnerMayPay), may open the pages marked
// suspendedOwner and is sent to billing from the others; everyone else of
// a refused account sees the refusal.
func (h *Handler) gate(pg page, v *visit) error {
	if v.GateErr == nil || pg.noGate {
		return nil
	}
	if igny8.OwnerMayPay(v.P, v.GateErr) {
		if pg.suspendedOwner {
			return nil
		}
		return errToBilling
	}
	return v.GateErr
}

func (h *Handler) authorize(pg page, v *visit) error {
	switch pg.access {
	case admin:
		return igny8.Authorize(v.P, igny8.ActAdmin)
	case tenant:
		return igny8.Authorize(v.P, pg.action)
	}
	return nil
}

// checkCSRF requires the session's CSRF token on every state-changing
// request made with a session, compared in constant time.
func (h *Handler) checkCSRF(w http.ResponseWriter, r *http.Request, v *visit) error {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || v.Session == nil {
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	got := r.PostFormValue("csrf_token")
	if subtle.ConstantTimeCompare([]byte(got), []byte(v.Session.CSRFToken)) != 1 {
		return errCrossSite
	}
	return nil
}

// secure reports whether the request reached us over TLS, directly or
// through a trusted proxy.
func (h *Handler) secure(r *http.Request) bool { return httpx.OverHTTPS(r, h.Config.TrustProxyHeaders) }

func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, token string, s *igny8.WebSession) {
	http.SetCookie(w, &http.Cookie{Name: igny8.SessionCookie, Value: token, Path: "/", Expires: s.ExpiresAt,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure(r)})
}

func (h *Handler) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: igny8.SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure(r)})
}

// loginURL is the login page, coming back to the page asked for when it
// was a page (a form post cannot be repeated by a redirect).
func loginURL(r *http.Request) string {
	if r.Method != http.MethodGet {
		return "/login"
	}
	return "/login?next=" + url.QueryEscape(r.URL.RequestURI())
}

// localPath keeps a redirect target only when it stays on this site.
func localPath(next, fallback string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return fallback
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return fallback
	}
	return next
}

// isCode reports whether err carries code.
func isCode(err error, code string) bool {
	var e *igny8.Error
	return errors.As(err, &e) && e.Code == code
}
