package web

import (
	"net/http"
	"strings"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
	"github.com/igny8/igny8/internal/workflow"
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
	return h.render(w, r, v, http.StatusOK, "signup", "Start Your Free Trial", signupPage{TrialDays: h.Flow.Config.TrialDays})
}

func (h *Handler) signup(w http.ResponseWriter, r *http.Request, v *visit) error {
	in := igny8.SignUp{Name: igny8.TrimName(r.PostFormValue("name")), Email: strings.TrimSpace(r.PostFormValue("email")),
		Password: r.PostFormValue("password")}
	pg := signupPage{Name: in.Name, Email: in.Email, Errors: formErrors{}, TrialDays: h.Flow.Config.TrialDays}
	if err := h.throttleAddress(r); err != nil {
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
	if msg := fieldMessage(igny8.ValidatePassword(in.Password), "password"); msg != "" {
		fields = append(fields, igny8.FieldError{Field: "password", Message: msg})
	}
	if len(fields) > 0 {
		return igny8.Invalid("Please correct the fields marked below.", fields...)
	}
	a, err := h.Flow.SignUp(r.Context(), igny8.CredentialSession, in)
	if err != nil {
		return err
	}
	return h.startSession(w, r, a)
}

// startSession logs a in, a person a workflow let in: a new session
// (marked when the login proved a second factor) and its cookie, and the
// device cookie that makes this browser a known device (protection.go).
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, a *workflow.Admitted) error {
	token, s, err := h.WebSessions.StartSession(r.Context(), a.User.ID, httpx.LoginClient(r, h.Config.TrustProxyHeaders), a.SecondFactor)
	if err != nil {
		return err
	}
	h.setCookie(w, r, token, s)
	if a.Device != "" {
		http.SetCookie(w, &http.Cookie{Name: deviceCookie, Value: a.Device, Path: "/", MaxAge: int(workflow.KnownDeviceTTL.Seconds()),
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.secure(r)})
	}
	return nil
}

// deviceCookie holds the token of a known device: a browser that
// completed a login is not slowed by others' failed logins.
const deviceCookie = "igny8_device"

// device is the request's device cookie token, if any.
func device(r *http.Request) string {
	c, err := r.Cookie(deviceCookie)
	if err != nil || len(c.Value) > 128 {
		return ""
	}
	return c.Value
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

func (h *Handler) login(w http.ResponseWriter, r *http.Request, v *visit) error {
	email, pw := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	pg := loginPage{Email: email, Next: localPath(r.PostFormValue("next"), ""), Errors: formErrors{}}
	if err := h.throttleAddress(r); err != nil {
		return err
	}
	a, ch, err := h.Flow.Login(r.Context(), igny8.CredentialSession, workflow.LoginAttempt{Email: email, Password: pw,
		Address: httpx.ClientIP(r, h.Config.TrustProxyHeaders), Device: device(r)})
	if err != nil {
		code := igny8.ErrorCode(err)
		if code == igny8.EInternal || code == igny8.ERateLimited {
			return err
		}
		pg.FormError = igny8.ErrorMessage(err)
		return h.render(w, r, v, http.StatusUnauthorized, "login", "Log in", pg)
	}
	if ch != nil {
		return h.render(w, r, v, http.StatusOK, "login_code", "Two-step login", codePage{Challenge: ch.Token, Next: pg.Next})
	}
	return h.loggedIn(w, r, v, a, pg.Next)
}

// loggedIn starts the session of a completed login (replacing the
// browser's old one) and sends the person on: to enrolment when they
// must turn on a second factor, to billing when only billing is open to
// them, else to next or their home.
func (h *Handler) loggedIn(w http.ResponseWriter, r *http.Request, v *visit, a *workflow.Admitted, next string) error {
	if v.token != "" {
		_ = h.WebSessions.EndSession(background(r.Context()), v.token)
	}
	if err := h.startSession(w, r, a); err != nil {
		return err
	}
	to := h.home(a.Principal, next)
	switch {
	case a.MustEnrol():
		to = enrolPath
	case a.Refusal != nil:
		to = "/billing"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// codePage is the second form of a login: the challenge of the first
// and a code.
type codePage struct {
	Challenge, Next string
	FormError       string
}

// loginCode is the second step of a login on the pages.
func (h *Handler) loginCode(w http.ResponseWriter, r *http.Request, v *visit) error {
	pg := codePage{Challenge: r.PostFormValue("challenge"), Next: localPath(r.PostFormValue("next"), "")}
	if err := h.throttleAddress(r); err != nil {
		return err
	}
	a, err := h.Flow.SecondStep(r.Context(), igny8.CredentialSession, workflow.SecondStepAttempt{Challenge: pg.Challenge,
		Code: strings.TrimSpace(r.PostFormValue("code")), Address: httpx.ClientIP(r, h.Config.TrustProxyHeaders), Device: device(r)})
	if err != nil {
		switch igny8.ErrorCode(err) {
		case igny8.EInternal, igny8.ERateLimited:
			return err
		case igny8.EValidation:
			if pg.Challenge == "" {
				return h.render(w, r, v, http.StatusUnauthorized, "login", "Log in",
					loginPage{Next: pg.Next, FormError: "Log in with your email and password first.", Errors: formErrors{}})
			}
			pg.FormError = "Enter the code your authenticator app shows, or one of your recovery codes."
		default:
			if _, cerr := h.Flow.ChallengeLive(r.Context(), pg.Challenge); cerr != nil {
				return h.render(w, r, v, http.StatusUnauthorized, "login", "Log in",
					loginPage{Next: pg.Next, FormError: igny8.ErrorMessage(cerr), Errors: formErrors{}})
			}
			pg.FormError = igny8.ErrorMessage(err)
		}
		return h.render(w, r, v, http.StatusUnauthorized, "login_code", "Two-step login", pg)
	}
	return h.loggedIn(w, r, v, a, pg.Next)
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
	if err := h.Flow.Logout(r.Context(), v.token); err != nil {
		return err
	}
	h.clearCookie(w, r)
	http.Redirect(w, r, "/?notice=logged_out", http.StatusSeeOther)
	return nil
}

// throttleAddress spends one attempt of the auth budget of the client
// address, the budget the API's sign-up, login, refresh and invitations
// draw on too; the email's budget is spent by the workflow.
func (h *Handler) throttleAddress(r *http.Request) error {
	return h.Flow.ChargeAddress(r.Context(), httpx.ClientIP(r, h.Config.TrustProxyHeaders))
}
