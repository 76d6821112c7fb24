package api

import (
	"net/http"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
	"github.com/igny8/igny8/internal/workflow"
)

// The OpenAPI documentation of this file's handlers (the rows are in routes.go).
func init() {
	document(docs{
		"register": {summary: "Free-trial sign-up: name, email and password",
			in: igny8.SignUp{}, out: authResponse{}, status: http.StatusCreated},
		"login": {summary: "Log in with email and password: the token pair, or for a person with two-step login mfa_required and a challenge for POST /auth/mfa",
			in: loginRequest{}, out: loginResponse{}, status: http.StatusOK},
		"me": {summary: "The logged-in user and their account (an API key gets 403 forbidden: it has no login)", out: meResponse{}},
		"refresh": {summary: "Exchange a refresh token for a new token pair (rotation; reuse revokes the family)",
			in: refreshRequest{}, out: authResponse{}, status: http.StatusOK},
		"logout": {summary: "Revoke this login's refresh tokens and access tokens (an API key gets 403 forbidden: it has no login)",
			status: http.StatusNoContent},
		"acceptInvite": {summary: "Accept an invitation: create the invited user and log in",
			in: acceptInviteRequest{}, out: authResponse{}, status: http.StatusCreated},
		"forgotPassword": {summary: "Ask for a password reset link by e-mail (the same 202 answer, in the same time, whether or not the e-mail has a login)",
			in: forgotPasswordRequest{}, out: forgotPasswordResponse{}, status: http.StatusAccepted},
		"resetPassword": {summary: "Choose a new password with the token of a reset link; every login and web session of the user ends",
			in: resetPasswordRequest{}, status: http.StatusNoContent},
	})
}

type forgotPasswordRequest struct {
	Email string `json:"email" max:"254"`
}

type forgotPasswordResponse struct {
	Message string `json:"message"`
}

type resetPasswordRequest struct {
	Token    string `json:"token" max:"200"`
	Password string `json:"password" max:"256"`
}

func (h *Handler) forgotPassword(w http.ResponseWriter, r *http.Request) error {
	var in forgotPasswordRequest
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	if err := h.Flow.ForgotPassword(r.Context(), in.Email); err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusAccepted, forgotPasswordResponse{Message: workflow.ForgotPasswordAnswer})
}

func (h *Handler) resetPassword(w http.ResponseWriter, r *http.Request) error {
	var in resetPasswordRequest
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	if err := h.Flow.ResetPassword(r.Context(), in.Token, in.Password); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type loginRequest struct {
	Email    string `json:"email" max:"254"`
	Password string `json:"password" max:"256"`
}

type authResponse struct {
	AccessToken  string         `json:"access_token"`
	RefreshToken string         `json:"refresh_token,omitempty"`
	TokenType    string         `json:"token_type"`
	ExpiresIn    int            `json:"expires_in"`
	User         *igny8.User    `json:"user"`
	Account      *igny8.Account `json:"account"`
	// MFAEnrolmentRequired: the person must turn on two-step login before
	// anything else (mfa_enrolment_required).
	MFAEnrolmentRequired bool `json:"mfa_enrolment_required,omitempty"`
}

type meResponse struct {
	User    *igny8.User    `json:"user"`
	Account *igny8.Account `json:"account"`
	// PendingEmail is the address a link was sent to and not yet opened
	// (POST /auth/email/resend sends it again), null when there is none.
	PendingEmail *igny8.PendingEmail `json:"pending_email"`
}

func (h *Handler) register(w http.ResponseWriter, r *http.Request) error {
	var in igny8.SignUp
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	a, err := h.Flow.SignUp(r.Context(), igny8.CredentialJWT, in)
	if err != nil {
		return err
	}
	resp, err := h.issue(r, a)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, resp)
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) error {
	var in loginRequest
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	a, ch, err := h.Flow.Login(r.Context(), igny8.CredentialJWT, workflow.LoginAttempt{Email: in.Email, Password: in.Password,
		Address: httpx.ClientIP(r, h.Config.TrustProxyHeaders)})
	if err != nil {
		return err
	}
	if ch != nil {
		return httpx.WriteJSON(w, http.StatusOK, loginResponse{MFARequired: true, Challenge: ch.Token,
			ChallengeExpiresIn: int(workflow.ChallengeTTL.Seconds())})
	}
	resp, err := h.issue(r, a)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, loginResponse{AccessToken: resp.AccessToken, RefreshToken: resp.RefreshToken,
		TokenType: resp.TokenType, ExpiresIn: resp.ExpiresIn, User: resp.User, Account: resp.Account,
		MFAEnrolmentRequired: resp.MFAEnrolmentRequired})
}

// issue starts a new login (a refresh-token family) of the person a
// workflow let in and makes the token pair answered by register, login and
// accept-invite.
func (h *Handler) issue(r *http.Request, a *workflow.Admitted) (*authResponse, error) {
	family, refresh, err := h.Flow.StartRefreshFamily(r.Context(), a, httpx.LoginClient(r, h.Config.TrustProxyHeaders))
	if err != nil {
		return nil, err
	}
	resp, err := h.tokenPair(a.User, a.Account, family, refresh)
	if err != nil {
		return nil, err
	}
	resp.MFAEnrolmentRequired = a.MustEnrol()
	return resp, nil
}

// tokenPair signs an access token of family and pairs it with refresh.
func (h *Handler) tokenPair(user *igny8.User, acct *igny8.Account, family, refresh string) (*authResponse, error) {
	p := &igny8.Principal{Kind: igny8.CredentialJWT, UserID: user.ID, Role: user.Role, Email: user.Email, SessionID: family}
	if acct != nil {
		p.AccountID = acct.ID
	}
	token, exp, err := h.Tokens.Issue(p)
	if err != nil {
		return nil, err
	}
	return &authResponse{AccessToken: token, RefreshToken: refresh, TokenType: "Bearer",
		ExpiresIn: int(exp.Sub(h.Now()).Seconds()), User: user, Account: acct}, nil
}

func (h *Handler) me(w http.ResponseWriter, r *http.Request) error {
	user, err := h.Identity.CurrentUser(r.Context())
	if err != nil {
		return err
	}
	resp := meResponse{User: user}
	if resp.PendingEmail, err = h.Flow.PendingEmail(r.Context()); err != nil {
		return err
	}
	if igny8.PrincipalFrom(r.Context()).AccountID != "" {
		if resp.Account, err = h.Accounts.CurrentAccount(r.Context()); err != nil {
			return err
		}
	}
	return httpx.WriteJSON(w, http.StatusOK, resp)
}
