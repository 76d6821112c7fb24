package web

import (
	"net/http"
	"strings"

	"github.com/igny8/igny8"
)

// invitePage is the form that turns an invitation link into a login.
// Invite describes the invitation; the form shows only while it can be
// accepted.
type invitePage struct {
	Token, Name string
	Errors      formErrors
	FormError   string
	Invite      *igny8.InvitationPreview
}

// Open reports whether the invitation can still be accepted.
func (pg invitePage) Open() bool {
	return pg.Token != "" && (pg.Invite == nil || pg.Invite.State == igny8.InvitationPending)
}

func (h *Handler) acceptInviteForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	pg := invitePage{Token: r.URL.Query().Get("token"), Errors: formErrors{}}
	status := http.StatusOK
	if pg.Token == "" {
		pg.FormError = "This page needs the link from your invitation. Open the link you were sent."
	} else if err := h.previewInvite(r, &pg); err != nil {
		if igny8.ErrorCode(err) != igny8.ENotFound {
			return err
		}
		pg.Token, status = "", http.StatusNotFound
		pg.FormError = "This invitation link is not valid. Check that you opened the whole link, or ask for a new one."
	} else if !pg.Open() {
		status = http.StatusGone
	}
	return h.render(w, r, v, status, "accept_invite", "Join your team", pg)
}

// previewInvite describes pg's invitation and pre-fills the name the
// inviter gave.
func (h *Handler) previewInvite(r *http.Request, pg *invitePage) error {
	if pg.Token == "" || len(pg.Token) > 200 {
		return igny8.NotFound("Invitation")
	}
	inv, err := h.Members.PreviewInvitation(r.Context(), h.Secrets.HashToken(pg.Token))
	if err != nil {
		return err
	}
	pg.Invite = inv
	if pg.Name == "" {
		pg.Name = inv.Name
	}
	return nil
}

func (h *Handler) acceptInvite(w http.ResponseWriter, r *http.Request, v *visit) error {
	pg := invitePage{Token: r.PostFormValue("token"), Name: strings.TrimSpace(r.PostFormValue("name")), Errors: formErrors{}}
	if err := h.throttleAddress(r); err != nil {
		return err
	}
	enrol, err := h.joinTeam(w, r, pg.Token, pg.Name, r.PostFormValue("password"))
	if err == nil {
		to := "/sites?notice=joined"
		if enrol {
			to = enrolPath
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}
	if perr := h.previewInvite(r, &pg); perr != nil && igny8.ErrorCode(perr) != igny8.ENotFound {
		return perr
	}
	switch igny8.ErrorCode(err) {
	case igny8.EValidation:
		pg.Errors, pg.FormError = fieldErrors(err)
	case igny8.ENotFound:
		if pg.Invite == nil {
			pg.Token = ""
			pg.FormError = "This invitation link is not valid any more: it was used, withdrawn or has expired. Ask for a new one."
		}
	case igny8.EConflict, igny8.EPlanLimit:
		pg.FormError = igny8.ErrorMessage(err)
	default:
		return err
	}
	return h.render(w, r, v, statusFor(err), "accept_invite", "Join your team", pg)
}

// joinTeam creates the invited user and logs them in; enrol says that
// they must turn on a second factor first (the account requires one).
// Errors: validation_failed, not_found, conflict, plan_limit_reached.
func (h *Handler) joinTeam(w http.ResponseWriter, r *http.Request, token, name, password string) (enrol bool, err error) {
	if token == "" {
		return false, igny8.NotFound("Invitation")
	}
	if msg := fieldMessage(igny8.ValidatePassword(password), "password"); msg != "" {
		return false, igny8.Invalid("Please correct the fields marked below.", igny8.FieldError{Field: "password", Message: msg})
	}
	a, err := h.Flow.AcceptInvitation(r.Context(), igny8.CredentialSession, token, name, password)
	if err != nil {
		return false, err
	}
	if c, err := r.Cookie(igny8.SessionCookie); err == nil && c.Value != "" {
		_ = h.WebSessions.EndSession(background(r.Context()), c.Value)
	}
	return a.MustEnrol(), h.startSession(w, r, a)
}
