package web

import (
	"net/http"
	"net/url"

	"github.com/igny8/igny8"
)

// verifyPage confirms an e-mail address from the link of a message. The
// link's GET only shows a Confirm button: mail scanners and link
// previewers fetch links, and must not spend them. Done is set after the
// POST that did.
type verifyPage struct {
	Token     string
	FormError string
	Done      *igny8.EmailConfirmed
}

func (h *Handler) verifyEmailForm(w http.ResponseWriter, r *http.Request, v *visit) error {
	pg := verifyPage{Token: r.URL.Query().Get("token")}
	status := http.StatusOK
	if pg.Token == "" {
		pg.FormError, status = "This page needs the link from our message. Open the whole link you were sent.", http.StatusNotFound
	}
	return h.render(w, r, v, status, "verify_email", "Confirm your e-mail address", pg)
}

func (h *Handler) verifyEmail(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := h.throttleAddress(r); err != nil {
		return err
	}
	pg := verifyPage{Token: r.PostFormValue("token")}
	done, err := h.Flow.VerifyEmail(r.Context(), pg.Token)
	switch igny8.ErrorCode(err) {
	case "":
		pg.Token, pg.Done = "", done
		return h.render(w, r, v, http.StatusOK, "verify_email", "E-mail address confirmed", pg)
	case igny8.EValidation, igny8.ENotFound:
		pg.Token = ""
		pg.FormError = "This link does not work any more: it was used, replaced by a newer one or has expired. Log in and ask for a new link."
	case igny8.EConflict:
		pg.Token = ""
		pg.FormError = "Another igny8 account started using this address meanwhile, so it cannot become yours. Your address stays as it was."
	default:
		return err
	}
	return h.render(w, r, v, statusFor(err), "verify_email", "Confirm your e-mail address", pg)
}

// resendVerification sends the logged-in person a new link and goes back
// to the page they asked from (the banner's and the error page's "send
// again").
func (h *Handler) resendVerification(w http.ResponseWriter, r *http.Request, v *visit) error {
	notice := "verification_sent"
	if _, err := h.Flow.ResendVerification(r.Context()); isCode(err, igny8.EConflict) {
		notice = "already_verified"
	} else if err != nil {
		return err
	}
	back, _ := url.Parse(localPath(r.PostFormValue("next"), h.home(v.P, "")))
	q := back.Query()
	q.Set("notice", notice)
	back.RawQuery = q.Encode()
	http.Redirect(w, r, back.String(), http.StatusSeeOther)
	return nil
}
