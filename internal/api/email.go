package api

import (
	"net/http"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// E-mail verification and change of address (docs/design.md section 3);
// the workflows are internal/workflow/email.go, shared with the pages.
func init() {
	document(docs{
		"verifyEmail": {summary: "Confirm an e-mail address with the token of the link we sent " +
			"(valid 3 days, once; a newer link replaces it): the address is verified, or becomes the login for a change of address " +
			"(the old address is told). 404 not_found for an unknown, used, replaced or expired token; 409 conflict when the new address was taken meanwhile",
			in: verifyEmailRequest{}, out: igny8.EmailConfirmed{}, status: http.StatusOK},
		"resendVerification": {summary: "E-mail a new link for the caller's address awaiting confirmation (a pending change, else their own), " +
			"replacing the earlier link; 3 an hour per person (429 rate_limited with Retry-After); 409 conflict when nothing awaits confirmation (an API key gets 403 forbidden)",
			out: igny8.PendingEmail{}, status: http.StatusAccepted},
		"changeEmail": {summary: "Change the caller's e-mail address (the current password required): a link goes to the new address, " +
			"which becomes the login only when it is opened; 409 conflict for an address in use; spends the same budget as resend (an API key gets 403 forbidden)",
			in: changeEmailRequest{}, out: igny8.PendingEmail{}, status: http.StatusAccepted},
	})
}

type verifyEmailRequest struct {
	Token string `json:"token" max:"256"`
}

type changeEmailRequest struct {
	Email           string `json:"email" max:"254"`
	CurrentPassword string `json:"current_password" max:"256"`
}

func (h *Handler) verifyEmail(w http.ResponseWriter, r *http.Request) error {
	var in verifyEmailRequest
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	done, err := h.Flow.VerifyEmail(r.Context(), in.Token)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, done)
}

func (h *Handler) resendVerification(w http.ResponseWriter, r *http.Request) error {
	pe, err := h.Flow.ResendVerification(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusAccepted, pe)
}

func (h *Handler) changeEmail(w http.ResponseWriter, r *http.Request) error {
	var in changeEmailRequest
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	pe, err := h.Flow.ChangeEmail(r.Context(), in.Email, in.CurrentPassword)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusAccepted, pe)
}
