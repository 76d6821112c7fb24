package web

import (
	"net/http"
	"strings"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
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
	return h.startSession(w, r, a.User.ID)
}

// startSession logs userID in: a new session and its cookie.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, userID string) error {
	token, s, err := h.WebSessions.StartSession(r.Context(), userID, httpx.LoginClient(r, h.Config.TrustProxyHeaders))
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

func (h *Handler) login(w http.ResponseWriter, r *http.Request, v *visit) error {
	email, pw := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("password")
	pg := loginPage{Email: email, Next: localPath(r.PostFormValue("next"), ""), Errors: formErrors{}}
	if err := h.throttleAddress(r); err != nil {
		return err
	}
	a, err := h.Flow.Login(r.Context(), igny8.CredentialSession, email, pw)
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
	if err := h.startSession(w, r, a.User.ID); err != nil {
		return err
	}
	next := h.home(a.Principal, pg.Next)
	if a.Refusal != nil {
		next = "/billing"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
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
