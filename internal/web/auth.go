package web

import (
	"net"
	"net/http"
	"strings"

	"github.com/igny8/igny8"
)

type landingPage struct{ Plans []igny8.Plan }

func (h *Handler) landing(w http.ResponseWriter, r *http.Request, v *visit) error {
	plans, err := h.Plans.ListPlans(r.Context(), false)
	if err != nil {
		return err
	}
	var shown []igny8.Plan
	for _, p := range plans {
		if p.Slug != igny8.PlanFreeTrial {
			shown = append(shown, p)
		}
	}
	return h.render(w, r, v, http.StatusOK, "landing", "AI content for your websites", landingPage{Plans: shown})
}

// signupPage is the sign-up form with what was typed (never the password)
// and its errors.
type signupPage struct {
	Name, Email string
	Errors      formErrors
	FormError   string
	TrialDays   int
}

func (h *Handler) signupForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	if v.P != nil && v.GateErr == nil {
		http.Redirect(w, r, h.home(v.P, ""), http.StatusSeeOther)
		return nil
	}
	return h.render(w, r, v, http.StatusOK, "signup", "Start Your Free Trial", signupPage{TrialDays: h.Config.TrialDays})
}

func (h *Handler) signup(w http.ResponseWriter, r *http.Request, v *visit) error {
	in := igny8.SignUp{Name: igny8.TrimName(r.PostFormValue("name")), Email: strings.TrimSpace(r.PostFormValue("email")),
		Password: r.PostFormValue("password")}
	pg := signupPage{Name: in.Name, Email: in.Email, Errors: formErrors{}, TrialDays: h.Config.TrialDays}
	if err := h.throttleAuth(r, in.Email); err != nil {
		return err
	}
	err := h.registerUser(w, r, in)
	if err == nil {
		http.Redirect(w, r, "/sites?notice=welcome", http.StatusSeeOther)
		return nil
	}
	switch {
	case isCode(err, igny8.EValidation):
		pg.Errors, pg.FormError = fieldErrors(err)
	case isCode(err, igny8.EConflict):
		pg.Errors["email"] = "An account with this email already exists. Log in instead?"
	default:
		return err
	}
	return h.render(w, r, v, http.StatusUnprocessableEntity, "signup", "Start Your Free Trial", pg)
}

// registerUser checks the whole form at once, runs the free-trial sign-up
// and logs the new owner in. Errors: validation_failed, conflict.
func (h *Handler) registerUser(w http.ResponseWriter, r *http.Request, in igny8.SignUp) error {
	var fields []igny8.FieldError
	if msg := igny8.NameFault(in.Name, igny8.MaxNameLen); msg == "must not be blank" {
		fields = append(fields, igny8.FieldError{Field: "name", Message: "enter your name"})
	} else if msg != "" {
		fields = append(fields, igny8.FieldError{Field: "name", Message: msg})
	}
	if _, err := mailAddress(in.Email); err != nil {
		fields = append(fields, igny8.FieldError{Field: "email", Message: "enter a valid email address, like you@example.com"})
	}
	if msg := fieldMessage(h.ValidatePassword(in.Password), "password"); msg != "" {
		fields = append(fields, igny8.FieldError{Field: "password", Message: msg})
	}
	if len(fields) > 0 {
		return igny8.Invalid("Please correct the fields marked below.", fields...)
	}
	hash, err := h.Passwords.Hash(in.Password)
	if err != nil {
		return err
	}
	user, acct, err := h.Identity.Register(r.Context(), in, hash, h.Config.TrialDays)
	if err != nil {
		return err
	}
	h.Logger.InfoContext(r.Context(), "sign-up", "user_id", user.ID, "account_id", acct.ID, "via", "web")
	return h.startSession(w, r, user.ID)
}

// startSession logs userID in: a new session and its cookie.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, userID string) error {
	token, s, err := h.WebSessions.StartSession(r.Context(), userID)
	if err != nil {
		return err
	}
	h.setCookie(w, r, token, s)
	return nil
}

type loginPage struct {
	Email, Next string
	Errors      formErrors
	FormError   string
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	next := localPath(r.URL.Query().Get("next"), "")
	if v.P != nil && v.GateErr == nil {
		http.Redirect(w, r, h.home(v.P, next), http.StatusSeeOther)
		return nil
	}
	return h.render(w, r, v, http.StatusOK, "login", "Log in", loginPage{Next: next})
}

var errBadLogin = igny8.Errorf(igny8.EUnauthenticated, "The email or password is incorrect.")

func (h *Handler) login(w http.ResponseWriter, r *http.Request, v *visit) error {
	email, pw := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	pg := loginPage{Email: email, Next: localPath(r.PostFormValue("next"), ""), Errors: formErrors{}}
	if err := h.throttleAuth(r, email); err != nil {
		return err
	}
	p, err := h.checkLogin(r, email, pw)
	if err != nil {
		code := igny8.ErrorCode(err)
		if code == igny8.EInternal || code == igny8.ERateLimited {
			return err
		}
		pg.FormError = igny8.ErrorMessage(err)
		return h.render(w, r, v, http.StatusUnauthorized, "login", "Log in", pg)
	}
	if v.token != "" {
		_ = h.WebSessions.EndSession(background(r.Context()), v.token)
	}
	if err := h.startSession(w, r, p.UserID); err != nil {
		return err
	}
	next := h.home(p, pg.Next)
	if p.AccountID != "" && p.Role == igny8.RoleOwner && h.suspended(r, p) {
		next = "/billing"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// checkLogin verifies email and password and applies the account gate, as
// the API's login does: the owner of a suspended account may log in to
// pay, everyone else of a refused account may not. A wrong password and an
// unknown email look the same.
func (h *Handler) checkLogin(r *http.Request, email, pw string) (*igny8.Principal, error) {
	creds, err := h.Identity.CredentialsByEmail(r.Context(), email)
	if igny8.ErrorCode(err) == igny8.ENotFound {
		h.Passwords.CheckNoUser(pw)
		return nil, errBadLogin
	}
	if err != nil {
		return nil, err
	}
	if !h.Passwords.Check(creds.PasswordHash, pw) {
		return nil, errBadLogin
	}
	p, gate, err := h.Identity.PrincipalForUser(r.Context(), creds.User.ID)
	if err != nil {
		return nil, err
	}
	if p.AccountID != "" {
		err := igny8.WithSupportContact(igny8.CheckGate(gate, h.Now()), h.Config.SupportEmail)
		ownerMayPay := p.Role == igny8.RoleOwner && igny8.ErrorCode(err) == igny8.EAccountSuspended
		if err != nil && !ownerMayPay {
			return nil, err
		}
	}
	if err := h.Identity.RecordLogin(r.Context(), p.UserID); err != nil {
		return nil, err
	}
	return p, nil
}

// suspended reports whether p's account is refused by the gate now.
func (h *Handler) suspended(r *http.Request, p *igny8.Principal) bool {
	_, gate, err := h.Identity.PrincipalForUser(r.Context(), p.UserID)
	return err == nil && igny8.CheckGate(gate, h.Now()) != nil
}

// home is where a person lands after logging in: next when given, the
// admin console for developers, the sites otherwise.
func (h *Handler) home(p *igny8.Principal, next string) string {
	if p.AccountID == "" {
		return localPath(next, "/admin")
	}
	return localPath(next, "/sites")
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := h.WebSessions.EndSession(background(r.Context()), v.token); err != nil {
		return err
	}
	h.clearCookie(w, r)
	http.Redirect(w, r, "/?notice=logged_out", http.StatusSeeOther)
	return nil
}

// throttleAuth spends one attempt of the auth budget of the client address
// and of the email: the same budgets as the API's login and sign-up (the
// same keys), so that pages and API together get 10 a minute, not 10 each.
func (h *Handler) throttleAuth(r *http.Request, email string) error {
	if h.Limiter == nil {
		return nil
	}
	keys := []string{igny8.IPKey(igny8.ScopeAuth, h.clientIP(r))}
	if e := strings.ToLower(strings.TrimSpace(email)); e != "" {
		keys = append(keys, igny8.EmailKey(igny8.ScopeAuth, e))
	}
	for _, k := range keys {
		d, err := h.Limiter.Allow(r.Context(), k, igny8.RateFor(igny8.ScopeAuth, 0))
		if err != nil {
			h.Logger.WarnContext(r.Context(), "throttle unavailable", "err", err.Error())
			return nil
		}
		if !d.Allowed {
			return igny8.Errorf(igny8.ERateLimited, "Too many attempts. Wait a minute and try again.")
		}
	}
	return nil
}

// clientIP is the address the request came from. Behind a trusted proxy
// it is the rightmost X-Forwarded-For entry, the one that proxy added, as
// in the API: entries to its left are the client's to forge.
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
