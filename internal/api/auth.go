package api

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

func (h *Handler) authRoutes() []route {
	return []route{
		{method: "POST", path: "/api/v1/auth/register", summary: "Free-trial sign-up: name, email and password", tag: "auth",
			scope: igny8.ScopeAuth, in: igny8.SignUp{}, out: authResponse{}, status: http.StatusCreated, h: h.register},
		{method: "POST", path: "/api/v1/auth/login", summary: "Log in with email and password", tag: "auth",
			scope: igny8.ScopeAuth, in: loginRequest{}, out: authResponse{}, status: http.StatusOK, h: h.login},
		{method: "GET", path: "/api/v1/auth/me", summary: "The logged-in user and their account (an API key gets 403 forbidden: it has no login)", tag: "auth",
			access: person, suspendedOwner: true, out: meResponse{}, h: h.me},
		{method: "POST", path: "/api/v1/auth/refresh", summary: "Exchange a refresh token for a new token pair (rotation; reuse revokes the family)", tag: "auth",
			scope: igny8.ScopeAuth, in: refreshRequest{}, out: authResponse{}, status: http.StatusOK, h: h.refresh},
		{method: "POST", path: "/api/v1/auth/logout", summary: "Revoke this login's refresh tokens and access tokens (an API key gets 403 forbidden: it has no login)", tag: "auth",
			access: person, suspendedOwner: true, status: http.StatusNoContent, h: h.logout},
		{method: "POST", path: "/api/v1/auth/accept-invite", summary: "Accept an invitation: create the invited user and log in", tag: "auth",
			scope: igny8.ScopeAuth, in: acceptInviteRequest{}, out: authResponse{}, status: http.StatusCreated, h: h.acceptInvite},
	}
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
}

type meResponse struct {
	User    *igny8.User    `json:"user"`
	Account *igny8.Account `json:"account"`
}

// validatePassword enforces the password rule: at least 10 characters and
// not one of the commonly used passwords.
func validatePassword(pw string) error {
	if msg := passwordFault(pw); msg != "" {
		return igny8.Invalid("The password "+msg+".", igny8.FieldError{Field: "password", Message: msg})
	}
	return nil
}

// passwordFault says what is wrong with a new password, "" when nothing.
// 256 characters at most: argon2id reads all of it, and no one types more.
func passwordFault(pw string) string {
	switch {
	case utf8.RuneCountInString(pw) < 10:
		return "must be at least 10 characters"
	case utf8.RuneCountInString(pw) > 256:
		return "must be at most 256 characters"
	case commonPassword(pw):
		return "is too common; choose another"
	}
	return ""
}

func (h *Handler) register(w http.ResponseWriter, r *http.Request) error {
	var in igny8.SignUp
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	if err := h.chargeEmail(w, r, in.Email); err != nil {
		return err
	}
	fields := in.Check()
	if msg := passwordFault(in.Password); msg != "" {
		fields = append(fields, igny8.FieldError{Field: "password", Message: msg})
	}
	if len(fields) > 0 {
		return igny8.Invalid("The sign-up form has errors.", fields...)
	}
	hash, err := h.Passwords.Hash(in.Password)
	if err != nil {
		return err
	}
	user, acct, err := h.Identity.Register(r.Context(), in, hash, h.Config.TrialDays)
	if err != nil {
		return err
	}
	h.Logger.InfoContext(r.Context(), "sign-up", "user_id", user.ID, "account_id", acct.ID)
	resp, err := h.issue(r, user, acct)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, resp)
}

var errBadLogin = igny8.Errorf(igny8.EUnauthenticated, "The email or password is incorrect.")

func (h *Handler) login(w http.ResponseWriter, r *http.Request) error {
	var in loginRequest
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	if err := h.chargeEmail(w, r, in.Email); err != nil {
		return err
	}
	creds, err := h.Identity.CredentialsByEmail(r.Context(), in.Email)
	if igny8.ErrorCode(err) == igny8.ENotFound {
		h.Passwords.CheckNoUser(in.Password)
		return errBadLogin
	}
	if err != nil {
		return err
	}
	if !h.Passwords.Check(creds.PasswordHash, in.Password) {
		return errBadLogin
	}
	p, gate, err := h.Identity.PrincipalForUser(r.Context(), creds.User.ID)
	if err != nil {
		return err
	}
	acct, err := h.loginGate(r, p, gate)
	if err != nil {
		return err
	}
	if err := h.Identity.RecordLogin(r.Context(), creds.User.ID); err != nil {
		return err
	}
	resp, err := h.issue(r, &creds.User, acct)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, resp)
}

// issue starts a new login (a refresh-token family) and makes the token
// pair answered by register, login and accept-invite.
func (h *Handler) issue(r *http.Request, user *igny8.User, acct *igny8.Account) (*authResponse, error) {
	refresh, hash := h.Secrets.NewToken()
	family, err := h.Sessions.StartSession(r.Context(), user.ID, hash, h.Now().Add(h.Config.RefreshTTL))
	if err != nil {
		return nil, err
	}
	return h.tokenPair(user, acct, family, refresh)
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

// chargeEmail spends one request of the auth budget of the email named in
// the request, so that guessing one account's password from many
// addresses is throttled too.
func (h *Handler) chargeEmail(w http.ResponseWriter, r *http.Request, email string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return nil
	}
	return h.charge(w, r, igny8.EmailKey(igny8.ScopeAuth, email), igny8.RateFor(igny8.ScopeAuth, 0))
}

func (h *Handler) me(w http.ResponseWriter, r *http.Request) error {
	user, err := h.Identity.CurrentUser(r.Context())
	if err != nil {
		return err
	}
	resp := meResponse{User: user}
	if igny8.PrincipalFrom(r.Context()).AccountID != "" {
		if resp.Account, err = h.Accounts.CurrentAccount(r.Context()); err != nil {
			return err
		}
	}
	return httpx.WriteJSON(w, http.StatusOK, resp)
}
