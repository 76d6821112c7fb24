package web

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/workflow"
)

// enrolPath is the profile page, whose two-step login section turns a
// second factor on and off. A person who must enrol reaches only their
// profile, enrolment and logging out.
const enrolPath = "/profile#two-step"

// twoStepPage is the person's second factor: its state, a pending
// enrolment (QR code and secret), or the recovery codes just made.
type twoStepPage struct {
	Factor        *igny8.SecondFactor
	Pending       *workflow.TOTPEnrolment
	RecoveryCodes []string
	FormError     string
	ErrorFor      string
}

// QRCode is the pending enrolment's QR code, a PNG made here, as the
// data: URL an img may load (the pages' CSP allows img-src data:).
func (pg *twoStepPage) QRCode() template.URL {
	if pg.Pending == nil || !strings.HasPrefix(pg.Pending.QRCode, "data:image/png;base64,") {
		return ""
	}
	return template.URL(pg.Pending.QRCode) // #nosec: a PNG data: URL rendered by igny8, checked above
}

// Since is the day the factor was turned on.
func (pg *twoStepPage) Since() string {
	if pg.Factor == nil || pg.Factor.ConfirmedAt == nil {
		return ""
	}
	return pg.Factor.ConfirmedAt.UTC().Format("2 Jan 2006")
}

// twoStep is the old address of the section: the profile page.
func (h *Handler) twoStep(w http.ResponseWriter, r *http.Request, v *visit) error {
	http.Redirect(w, r, enrolPath, http.StatusSeeOther)
	return nil
}

// renderTwoStep renders the profile page with the two-step section ts.
func (h *Handler) renderTwoStep(w http.ResponseWriter, r *http.Request, v *visit, status int, ts *twoStepPage) error {
	return h.renderProfile(w, r, v, status, &profilePage{TwoStep: ts})
}

// fillTwoStep reads what the two-step section shows: the factor, and a
// pending enrolment's QR code and key.
func (h *Handler) fillTwoStep(r *http.Request, pg *profilePage) error {
	if pg.TwoStep == nil {
		pg.TwoStep = &twoStepPage{}
	}
	ts := pg.TwoStep
	var err error
	if ts.Factor, err = h.Factors.SecondFactorOf(r.Context()); err != nil {
		return err
	}
	if !ts.Factor.Enabled {
		if ts.Pending, err = h.Flow.PendingTOTP(r.Context()); err != nil {
			return err
		}
	}
	return nil
}

// twoStepFailed shows a refused form of the page at target.
func (h *Handler) twoStepFailed(w http.ResponseWriter, r *http.Request, v *visit, target string, err error) error {
	switch igny8.ErrorCode(err) {
	case igny8.EValidation, igny8.EConflict, igny8.ENotFound:
	default:
		return err
	}
	msg := igny8.ErrorMessage(err)
	if m := fieldMessage(err, "code"); m != "" {
		msg = "The code " + m + "."
	}
	return h.renderTwoStep(w, r, v, statusFor(err), &twoStepPage{FormError: msg, ErrorFor: target})
}

func (h *Handler) startTwoStep(w http.ResponseWriter, r *http.Request, v *visit) error {
	if _, err := h.Flow.StartTOTP(r.Context()); err != nil {
		return h.twoStepFailed(w, r, v, "start", err)
	}
	http.Redirect(w, r, "/profile#confirm", http.StatusSeeOther)
	return nil
}

func (h *Handler) confirmTwoStep(w http.ResponseWriter, r *http.Request, v *visit) error {
	codes, err := h.Flow.ConfirmTOTP(r.Context(), strings.TrimSpace(r.PostFormValue("code")))
	if err != nil {
		return h.twoStepFailed(w, r, v, "confirm", err)
	}
	// The login just proved the factor: the page is drawn for it as it
	// now is, with the recovery codes shown this once.
	v.P.SecondFactor = true
	return h.renderTwoStep(w, r, v, http.StatusOK, &twoStepPage{RecoveryCodes: codes})
}

func (h *Handler) disableTwoStep(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := h.Flow.DisableTOTP(r.Context(), strings.TrimSpace(r.PostFormValue("code"))); err != nil {
		if igny8.ErrorCode(err) == igny8.ERateLimited {
			return err
		}
		return h.twoStepFailed(w, r, v, "disable", err)
	}
	http.Redirect(w, r, "/profile?notice=two_step_off#two-step", http.StatusSeeOther)
	return nil
}

// requireTwoStep is the owner's switch: everyone of the account must use
// a second factor.
func (h *Handler) requireTwoStep(w http.ResponseWriter, r *http.Request, v *visit) error {
	on := r.PostFormValue("require") == "yes"
	if _, err := h.Accounts.UpdateAccount(r.Context(), igny8.AccountPatch{RequireSecondFactor: &on}); err != nil {
		return h.accountFailed(w, r, v, "two-step", err)
	}
	notice := "two_step_not_required"
	if on {
		notice = "two_step_required"
	}
	http.Redirect(w, r, "/account?notice="+notice, http.StatusSeeOther)
	return nil
}

// adminResetTwoStep turns off the second factor of the person with the
// e-mail given (a lost device).
func (h *Handler) adminResetTwoStep(w http.ResponseWriter, r *http.Request, v *visit) error {
	if !confirmed(r) {
		return h.renderAdminAccounts(w, r, v, http.StatusUnprocessableEntity,
			&adminAccountsPage{FormError: "Tick the confirmation box to go ahead.", ErrorFor: "two-step"})
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	creds, err := h.Identity.CredentialsByEmail(r.Context(), email)
	if err == nil {
		_, err = h.AdminFactors.ResetSecondFactor(r.Context(), creds.User.ID)
	}
	if err != nil {
		if igny8.ErrorCode(err) == igny8.ENotFound {
			return h.renderAdminAccounts(w, r, v, http.StatusNotFound,
				&adminAccountsPage{FormError: "No person with this e-mail has two-step login on.", ErrorFor: "two-step"})
		}
		return err
	}
	http.Redirect(w, r, "/admin?notice=two_step_reset", http.StatusSeeOther)
	return nil
}
