package api

import (
	"net/http"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
	"github.com/igny8/igny8/internal/workflow"
)

// The OpenAPI documentation of the second factor's handlers (the rows are
// in routes.go): enrolment and turning it off for the person logged in
// (open to a person who must enrol), the second step of a login, and the
// administrators' reset.
func init() {
	document(docs{
		"secondStep": {summary: "The second step of a login: the challenge the login answered and a current TOTP code or an unused recovery code; answers the token pair",
			in: mfaRequest{}, out: authResponse{}, status: http.StatusOK},
		"mfaStatus": {summary: "The caller's second factor: on or off, recovery codes left, whether it is required and whether this login used it",
			out: igny8.SecondFactor{}},
		"startTOTP": {summary: "Start turning on two-step login: a new TOTP secret (as text, otpauth URL and QR code), pending until confirmed",
			out: totpStartResponse{}, status: http.StatusCreated},
		"confirmTOTP": {summary: "Confirm two-step login with a current code; answers the ten recovery codes, shown once",
			in: codeRequest{}, out: recoveryCodesResponse{}, status: http.StatusOK},
		"disableTOTP": {summary: "Turn off two-step login with a current code or an unused recovery code",
			in: codeRequest{}, status: http.StatusNoContent},
		"adminResetFactor": {summary: "Turn off a person's second factor (a lost device): their logins end, the reset is audited and they are e-mailed",
			out: igny8.User{}},
	})
}

type mfaRequest struct {
	Challenge string `json:"challenge" max:"128"`
	Code      string `json:"code" max:"64"`
}

type codeRequest struct {
	Code string `json:"code" max:"64"`
}

type totpStartResponse struct {
	// Secret is the TOTP secret in base32, to type into an app.
	Secret     string `json:"secret"`
	OTPAuthURL string `json:"otpauth_url"`
	// QRCode is the otpauth URL as a QR code: a PNG data: URL.
	QRCode string `json:"qr_code"`
}

type recoveryCodesResponse struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

// loginResponse is a login's answer: the token pair, or, for a person
// with a second factor, mfa_required with the challenge to send with a
// code to POST /auth/mfa (and no tokens).
type loginResponse struct {
	AccessToken  string         `json:"access_token,omitempty"`
	RefreshToken string         `json:"refresh_token,omitempty"`
	TokenType    string         `json:"token_type,omitempty"`
	ExpiresIn    int            `json:"expires_in,omitempty"`
	User         *igny8.User    `json:"user,omitempty"`
	Account      *igny8.Account `json:"account,omitempty"`
	// MFAEnrolmentRequired: the person must turn on two-step login before
	// anything else (mfa_enrolment_required).
	MFAEnrolmentRequired bool `json:"mfa_enrolment_required,omitempty"`
	MFARequired          bool `json:"mfa_required,omitempty"`
	// Challenge is single-use and lives ChallengeExpiresIn seconds.
	Challenge          string `json:"challenge,omitempty"`
	ChallengeExpiresIn int    `json:"challenge_expires_in,omitempty"`
}

func (h *Handler) secondStep(w http.ResponseWriter, r *http.Request) error {
	var in mfaRequest
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	a, err := h.Flow.SecondStep(r.Context(), igny8.CredentialJWT, workflow.SecondStepAttempt{Challenge: in.Challenge, Code: in.Code,
		Address: httpx.ClientIP(r, h.Config.TrustProxyHeaders)})
	if err != nil {
		return err
	}
	resp, err := h.issue(r, a)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, resp)
}

func (h *Handler) mfaStatus(w http.ResponseWriter, r *http.Request) error {
	sf, err := h.Factors.SecondFactorOf(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, sf)
}

func (h *Handler) startTOTP(w http.ResponseWriter, r *http.Request) error {
	e, err := h.Flow.StartTOTP(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, totpStartResponse{Secret: e.Text, OTPAuthURL: e.URL, QRCode: e.QRCode})
}

func (h *Handler) confirmTOTP(w http.ResponseWriter, r *http.Request) error {
	var in codeRequest
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	codes, err := h.Flow.ConfirmTOTP(r.Context(), in.Code)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, recoveryCodesResponse{RecoveryCodes: codes})
}

func (h *Handler) disableTOTP(w http.ResponseWriter, r *http.Request) error {
	var in codeRequest
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	if err := h.Flow.DisableTOTP(r.Context(), in.Code); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) adminResetFactor(w http.ResponseWriter, r *http.Request) error {
	u, err := h.AdminFactors.ResetSecondFactor(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, u)
}
