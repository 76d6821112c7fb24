package web

import (
	"net/http"
	"strings"

	"github.com/igny8/igny8"
)

// profilePage is /profile: the logged-in person's own settings, developers
// included. templates/profile.html lists its sections in order, each a
// partial of its own in templates/profile/<section>.html defining
// "profile/<section>" over the whole view; a section adds the fields it
// shows here and fills them in renderProfile.
//
// A refused form is shown again in its section: Failed names the section,
// Errors and FormError say what is wrong, and the section's fields keep
// what was typed (never a password).
type profilePage struct {
	User      *igny8.User
	Failed    string
	Errors    formErrors
	FormError string
	// Name is what the name form shows: the user's name, or what was typed.
	Name string
	// NewEmail is what the e-mail form shows after a refusal; Pending the
	// address a link was sent to and not yet opened.
	NewEmail string
	Pending  *igny8.PendingEmail
	// Logins are the person's active logins, newest first (a page of the
	// most recent igny8.MaxPageSize); MoreLogins says there are older ones.
	Logins     []igny8.Login
	MoreLogins bool
	// TwoStep is the two-step login section (twostep.go).
	TwoStep *twoStepPage
}

// FailedIn reports whether section's form is the one refused.
func (pg *profilePage) FailedIn(section string) bool { return pg.Failed == section }

// ErrorsIn are the field errors of section's form: none unless it is the
// one refused.
func (pg *profilePage) ErrorsIn(section string) formErrors {
	if pg.Failed != section {
		return nil
	}
	return pg.Errors
}

// FormErrorIn is the message of section's refused form when no field
// carries it, "" otherwise.
func (pg *profilePage) FormErrorIn(section string) string {
	if pg.Failed != section || len(pg.Errors) > 0 {
		return ""
	}
	return pg.FormError
}

func (h *Handler) profile(w http.ResponseWriter, r *http.Request, v *visit) error {
	return h.renderProfile(w, r, v, http.StatusOK, &profilePage{})
}

// renderProfile reads what every section shows and renders the page; a
// section whose form was refused keeps what pg already holds.
func (h *Handler) renderProfile(w http.ResponseWriter, r *http.Request, v *visit, status int, pg *profilePage) error {
	ctx := r.Context()
	user, err := h.Identity.CurrentUser(ctx)
	if err != nil {
		return err
	}
	pg.User = user
	if !pg.FailedIn("name") {
		pg.Name = user.Name
	}
	if pg.Pending, err = h.Flow.PendingEmail(ctx); err != nil {
		return err
	}
	logins, err := h.Flow.Logins(ctx, igny8.PageRequest{Limit: igny8.MaxPageSize})
	if err != nil {
		return err
	}
	pg.Logins, pg.MoreLogins = logins.Items, logins.NextCursor != nil
	if err := h.fillTwoStep(r, pg); err != nil {
		return err
	}
	return h.render(w, r, v, status, "profile", "Your profile", pg)
}

// profileFailed shows the refused form of section again with what is
// wrong (a validation error); any other error is the error page's.
func (h *Handler) profileFailed(w http.ResponseWriter, r *http.Request, v *visit, section string, pg *profilePage, err error) error {
	if !isCode(err, igny8.EValidation) {
		return err
	}
	pg.Failed = section
	pg.Errors, pg.FormError = fieldErrors(err)
	return h.renderProfile(w, r, v, http.StatusUnprocessableEntity, pg)
}

func (h *Handler) changeName(w http.ResponseWriter, r *http.Request, v *visit) error {
	name := r.PostFormValue("name")
	if _, err := h.Flow.ChangeName(r.Context(), name); err != nil { // the same workflow as PATCH /api/v1/auth/me
		return h.profileFailed(w, r, v, "name", &profilePage{Name: igny8.TrimName(name)}, err)
	}
	http.Redirect(w, r, "/profile?notice=name_saved", http.StatusSeeOther)
	return nil
}

// changeEmail asks for the move to a new address (the same workflow as
// POST /api/v1/auth/me/email): the link goes to it, and until it is opened
// the person logs in with the old one.
func (h *Handler) changeEmail(w http.ResponseWriter, r *http.Request, v *visit) error {
	email := strings.TrimSpace(r.PostFormValue("email"))
	if _, err := h.Flow.ChangeEmail(r.Context(), email, r.PostFormValue("email_current_password")); err != nil {
		pg := &profilePage{NewEmail: email}
		// The password section has its own current_password field.
		if e, ok := err.(*igny8.Error); ok && len(e.Fields) == 1 && e.Fields[0].Field == "current_password" {
			err = igny8.Invalid(e.Message, igny8.FieldError{Field: "email_current_password", Message: e.Fields[0].Message})
		}
		if isCode(err, igny8.EConflict) {
			err = igny8.Invalid(igny8.ErrorMessage(err), igny8.FieldError{Field: "email", Message: "is used by another igny8 account"})
			pg.Failed = "email"
		}
		return h.profileFailed(w, r, v, "email", pg, err)
	}
	http.Redirect(w, r, "/profile?notice=email_change_sent#email", http.StatusSeeOther)
	return nil
}

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request, v *visit) error {
	// The same workflow as POST /api/v1/auth/me/password: this session is
	// the login kept.
	_, err := h.Flow.ChangePassword(r.Context(), r.PostFormValue("current_password"), r.PostFormValue("password"))
	if err != nil {
		return h.profileFailed(w, r, v, "password", &profilePage{}, err)
	}
	http.Redirect(w, r, "/profile?notice=password_changed", http.StatusSeeOther)
	return nil
}

// endLogin logs one of the person's logins out (DELETE
// /api/v1/auth/sessions/{id}); ending this session's own is logging out.
func (h *Handler) endLogin(w http.ResponseWriter, r *http.Request, v *visit) error {
	id := r.PathValue("id")
	if err := h.Flow.EndLogin(r.Context(), id); err != nil {
		return err
	}
	if id == v.Session.ID {
		h.clearCookie(w, r)
		http.Redirect(w, r, "/?notice=logged_out", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/profile?notice=login_ended#logins", http.StatusSeeOther)
	return nil
}

// endOtherLogins logs out everywhere else (POST
// /api/v1/auth/sessions/end-others).
func (h *Handler) endOtherLogins(w http.ResponseWriter, r *http.Request, v *visit) error {
	if _, err := h.Flow.EndOtherLogins(r.Context()); err != nil {
		return err
	}
	http.Redirect(w, r, "/profile?notice=logins_ended#logins", http.StatusSeeOther)
	return nil
}
