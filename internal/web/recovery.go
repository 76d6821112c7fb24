package web

import (
	"net/http"
	"strings"

	"github.com/igny8/igny8"
)

// forgotPage asks for the e-mail of a login to send a reset link to.
type forgotPage struct {
	Email     string
	Errors    formErrors
	FormError string
}

func (h *Handler) forgotForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	return h.render(w, r, v, http.StatusOK, "forgot_password", "Forgot your password?", forgotPage{Errors: formErrors{}})
}

// forgotPassword asks for a link and answers the same whoever the e-mail
// belongs to: the notice after the redirect is workflow.ForgotPasswordAnswer.
func (h *Handler) forgotPassword(w http.ResponseWriter, r *http.Request, v *visit) error {
	pg := forgotPage{Email: strings.TrimSpace(r.PostFormValue("email")), Errors: formErrors{}}
	if err := h.throttleAddress(r); err != nil {
		return err
	}
	err := h.Flow.ForgotPassword(r.Context(), pg.Email)
	if err == nil {
		http.Redirect(w, r, "/forgot-password?notice=reset_sent", http.StatusSeeOther)
		return nil
	}
	if !isCode(err, igny8.EValidation) {
		return err
	}
	pg.Errors, pg.FormError = fieldErrors(err)
	if _, ok := pg.Errors["email"]; ok {
		// The field says it: no second message above the form.
		pg.Errors["email"], pg.FormError = "Enter the e-mail you log in with, like you@example.com", ""
	}
	return h.render(w, r, v, http.StatusUnprocessableEntity, "forgot_password", "Forgot your password?", pg)
}

// resetPage is the form that sets a new password with a reset link's
// token, carried in a hidden field. LinkError says why the link cannot be
// used (the form is not shown then).
type resetPage struct {
	Token     string
	Errors    formErrors
	FormError string
	LinkError string
}

// noReferrer keeps the token in the page's address out of the Referer
// header of anything the page loads or links to.
func noReferrer(w http.ResponseWriter) { w.Header().Set("Referrer-Policy", "no-referrer") }

func (h *Handler) resetForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	noReferrer(w)
	pg := resetPage{Token: r.URL.Query().Get("token"), Errors: formErrors{}}
	status := http.StatusOK
	if pg.Token == "" {
		pg.LinkError = needsLink
	} else if err := h.Flow.CheckResetLink(r.Context(), pg.Token); err != nil {
		if !isCode(err, igny8.EValidation) {
			return err
		}
		pg.Token, pg.LinkError, status = "", linkProblem(err), http.StatusGone
	}
	return h.render(w, r, v, status, "reset_password", "Choose a new password", pg)
}

// needsLink answers a visit without a token.
const needsLink = "This page needs the link from your password reset message. Open the whole link you were sent."

// linkProblem is the sentence that says what became of a reset link.
func linkProblem(err error) string {
	if msg := fieldMessage(err, "token"); msg == "is required" {
		return needsLink
	} else if msg != "" {
		return "This link " + msg + "."
	}
	return igny8.ErrorMessage(err)
}

// resetPassword sets the new password; every login of the person ends,
// this browser's session too, and they log in again with it.
func (h *Handler) resetPassword(w http.ResponseWriter, r *http.Request, v *visit) error {
	noReferrer(w)
	pg := resetPage{Token: r.PostFormValue("token"), Errors: formErrors{}}
	if err := h.throttleAddress(r); err != nil {
		return err
	}
	err := h.Flow.ResetPassword(r.Context(), pg.Token, r.PostFormValue("password"))
	if err == nil {
		if v.token != "" {
			_ = h.WebSessions.EndSession(background(r.Context()), v.token)
		}
		h.clearCookie(w, r)
		http.Redirect(w, r, "/login?notice=password_reset", http.StatusSeeOther)
		return nil
	}
	if !isCode(err, igny8.EValidation) {
		return err
	}
	pg.Errors, pg.FormError = fieldErrors(err)
	if _, bad := pg.Errors["token"]; bad {
		pg.Token, pg.LinkError, pg.FormError = "", linkProblem(err), ""
		delete(pg.Errors, "token")
	} else {
		pg.FormError = "Please choose another password."
	}
	return h.render(w, r, v, http.StatusUnprocessableEntity, "reset_password", "Choose a new password", pg)
}
