package workflow

import (
	"context"
	"net/url"
	"strings"

	"github.com/igny8/igny8"
)

// errBadLogin is the answer to a wrong password and to an unknown email
// alike.
var errBadLogin = igny8.Errorf(igny8.EUnauthenticated, "The email or password is incorrect.")

// SignUp starts a free trial: a new account with in's owner, to be logged
// in as kind, and e-mails the owner the link that verifies their address
// (in the same transaction). The email's auth budget is spent first, then
// the password rule applies. Errors: rate_limited, validation_failed, conflict.
func (s *Service) SignUp(ctx context.Context, kind igny8.CredentialKind, in igny8.SignUp) (*Admitted, error) {
	if err := s.ChargeEmail(ctx, in.Email); err != nil {
		return nil, err
	}
	fields := in.Check()
	if msg := igny8.PasswordFault(in.Password); msg != "" {
		fields = append(fields, igny8.FieldError{Field: "password", Message: msg})
	}
	if len(fields) > 0 {
		return nil, igny8.Invalid("The sign-up form has errors.", fields...)
	}
	hash, err := s.Passwords.Hash(in.Password)
	if err != nil {
		return nil, err
	}
	token, tokenHash := s.Secrets.NewToken()
	user, acct, err := s.Identity.Register(ctx, in, hash, s.Config.TrialDays, igny8.EmailToken{Token: token, Hash: tokenHash})
	if err != nil {
		return nil, err
	}
	s.Logger.InfoContext(ctx, "sign-up", "user_id", user.ID, "account_id", acct.ID, "via", via(kind))
	p := &igny8.Principal{Kind: kind, UserID: user.ID, AccountID: acct.ID, Role: user.Role, Email: user.Email}
	return &Admitted{User: user, Account: acct, Principal: p}, nil
}

// LoginAttempt is a login's email and password, with what the surface
// knows of the device: the client address (httpx.ClientIP) and, on the
// pages, the device cookie's token.
type LoginAttempt struct {
	Email, Password string
	Address, Device string
}

// Login checks email and password for a login as kind. Unless the device
// is known (protection.go) the email's auth budget is spent and repeated
// failures slow the attempt; the password is checked (an unknown email
// costs the same work and looks the same) and a failure counted. A
// person with a second factor gets a Challenge for SecondStep and no
// login; anyone else passes the account gate (the owner of a suspended
// account or of one on a retired plan may still log in, to reach
// billing: see Admitted.Refusal) and the login is recorded. Exactly one
// of the results is set when err is nil.
// Errors: rate_limited, unauthenticated, the gate's refusals.
func (s *Service) Login(ctx context.Context, kind igny8.CredentialKind, in LoginAttempt) (*Admitted, *Challenge, error) {
	creds, err := s.Identity.CredentialsByEmail(ctx, in.Email)
	if err != nil && igny8.ErrorCode(err) != igny8.ENotFound {
		return nil, nil, err
	}
	if err != nil {
		creds = nil
	}
	known := false
	if creds != nil {
		if known, err = s.knownDevice(ctx, kind, creds.User.ID, in.Address, in.Device); err != nil {
			return nil, nil, err
		}
	}
	if !known {
		if err := s.guardEmail(ctx, in.Email); err != nil {
			return nil, nil, err
		}
	}
	// An unknown e-mail, an unusable password and a wrong one cost the
	// same work (docs/design.md, "Login timing"): the decoy is read and the
	// check run whoever the e-mail names.
	decoy, err := s.Identity.LegacyPasswordHash(ctx)
	if err != nil {
		return nil, nil, err
	}
	stored, userID := "", ""
	if creds != nil {
		stored, userID = creds.PasswordHash, creds.User.ID
	}
	if !s.Passwords.Check(stored, decoy, in.Password) {
		s.loginFailed(ctx, in.Email, userID)
		return nil, nil, errBadLogin
	}
	f, err := s.Factors.TOTP(ctx, creds.User.ID)
	if err != nil && igny8.ErrorCode(err) != igny8.ENotFound {
		return nil, nil, err
	}
	if err == nil && f.Confirmed {
		ch, err := s.challenge(ctx, creds.User.ID)
		if err != nil {
			return nil, nil, err
		}
		return nil, ch, nil
	}
	a, err := s.letIn(ctx, creds.User.ID, kind)
	if err != nil {
		return nil, nil, err
	}
	if err := s.finishLogin(ctx, a, creds.User.ID, in.Address, in.Device); err != nil {
		return nil, nil, err
	}
	a.User = &creds.User
	return a, nil, nil
}

// StartRefreshFamily starts a login on the API for a, a person just let
// in by SignUp, Login, SecondStep or AcceptInvitation from client: a
// refresh-token family, marked when the login proved a second factor,
// with its first refresh token, which is returned and kept only as its
// hash.
func (s *Service) StartRefreshFamily(ctx context.Context, a *Admitted, client igny8.Client) (family, refreshToken string, err error) {
	token, hash := s.Secrets.NewToken()
	if family, err = s.Sessions.StartSession(ctx, a.User.ID, hash, s.Now().Add(s.Config.RefreshTTL), client, a.SecondFactor); err != nil {
		return "", "", err
	}
	return family, token, nil
}

// ConfirmPassword checks password again for the person logged in (ctx)
// before a change a stolen access token alone must not make (deleting the
// account), and returns them. Their email's auth budget is spent first.
// Errors: rate_limited, validation_failed naming the password,
// unauthenticated.
func (s *Service) ConfirmPassword(ctx context.Context, password string) (*igny8.User, error) {
	return s.confirmPassword(ctx, "password", password)
}

// confirmPassword is ConfirmPassword naming the form's field.
func (s *Service) confirmPassword(ctx context.Context, field, password string) (*igny8.User, error) {
	user, err := s.Identity.CurrentUser(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.ChargeEmail(ctx, user.Email); err != nil {
		return nil, err
	}
	creds, err := s.Identity.CredentialsByEmail(ctx, user.Email)
	if err != nil && igny8.ErrorCode(err) != igny8.ENotFound {
		return nil, err
	}
	// The person is known (logged in): no decoy hides who they are.
	if err != nil || creds.User.ID != user.ID || !s.Passwords.Check(creds.PasswordHash, "", password) {
		return nil, igny8.InvalidField(field, "is not your password")
	}
	return user, nil
}

// Rotated is a refresh: the person let in again, the login (refresh-token
// family) it continues and the refresh token that replaces the one spent.
type Rotated struct {
	Admitted
	Family, RefreshToken string
}

// Refresh spends refreshToken for its successor in the same family. The
// account gate approves before the token is spent, so a refused refresh
// (a suspended account) leaves the token usable after reactivation.
// Errors: validation_failed, unauthenticated (unknown, expired or reused
// token), the gate's refusals.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (*Rotated, error) {
	if refreshToken == "" {
		return nil, igny8.InvalidField("refresh_token", "is required")
	}
	next, nextHash := s.Secrets.NewToken()
	var a *Admitted
	approve := func(userID, family string) error {
		p, gate, err := s.Sessions.PrincipalForToken(ctx, userID, family)
		if err != nil {
			return err
		}
		a, err = s.admit(ctx, p, gate, igny8.CredentialJWT)
		if a != nil {
			a.SecondFactor = p.SecondFactor
		}
		return err
	}
	_, family, err := s.Sessions.RotateRefreshToken(ctx, s.Secrets.HashToken(refreshToken),
		nextHash, s.Now().Add(s.Config.RefreshTTL), approve)
	if err != nil {
		return nil, err
	}
	if a.User, err = s.Identity.CurrentUser(igny8.WithPrincipal(ctx, a.Principal)); err != nil {
		return nil, err
	}
	return &Rotated{Admitted: *a, Family: family, RefreshToken: next}, nil
}

// Logout ends the login of the principal in ctx: the web session of
// sessionToken when it came with the session cookie, its refresh-token
// family (and so its access tokens) otherwise. It finishes even when the
// caller goes away. Errors: unauthenticated.
func (s *Service) Logout(ctx context.Context, sessionToken string) error {
	ctx = context.WithoutCancel(ctx)
	if p := igny8.PrincipalFrom(ctx); p == nil || p.Kind == igny8.CredentialSession {
		return s.WebSessions.EndSession(ctx, sessionToken)
	}
	return s.Sessions.RevokeSession(ctx)
}

// Invited is a new invitation with its token and the link that accepts it,
// both shown once to the inviter and kept nowhere (the store keeps the
// token's hash).
type Invited struct {
	Invitation *igny8.Invitation
	Token      string
	Link       string
}

// Invite invites someone to the caller's account and e-mails them the
// link (the store writes the message with the invitation). origin is the
// scheme and host the inviter used (httpx.Origin): the link shown to them
// opens the pages there, unless Config.PublicURL is set, the base of the
// e-mailed link. Errors: validation_failed, forbidden, conflict,
// plan_limit_reached.
func (s *Service) Invite(ctx context.Context, in igny8.NewInvitation, origin string) (*Invited, error) {
	token, hash := s.Secrets.NewToken()
	inv, err := s.Members.InviteUser(ctx, in, token, hash)
	if err != nil {
		return nil, err
	}
	s.Logger.InfoContext(ctx, "invitation created", "invitation_id", inv.ID, "account_id", igny8.PrincipalFrom(ctx).AccountID)
	return &Invited{Invitation: inv, Token: token, Link: s.inviteLink(origin, token)}, nil
}

// ResendInvitation e-mails a pending invitation of the caller's account
// again, with a new link (the earlier one stops working), shown once to
// the inviter as Invite's is. Errors: not_found, plan_limit_reached.
func (s *Service) ResendInvitation(ctx context.Context, id, origin string) (*Invited, error) {
	token, hash := s.Secrets.NewToken()
	inv, err := s.Members.ResendInvitation(ctx, id, token, hash)
	if err != nil {
		return nil, err
	}
	s.Logger.InfoContext(ctx, "invitation resent", "invitation_id", inv.ID, "account_id", igny8.PrincipalFrom(ctx).AccountID)
	return &Invited{Invitation: inv, Token: token, Link: s.inviteLink(origin, token)}, nil
}

// inviteLink is the accept page of token: on the public URL when one is
// configured (as in the e-mail), else on origin.
func (s *Service) inviteLink(origin, token string) string {
	if s.Config.PublicURL != "" {
		origin = strings.TrimRight(s.Config.PublicURL, "/")
	}
	return origin + "/accept-invite?" + url.Values{"token": {token}}.Encode()
}

// AcceptInvitation creates the user invited with token, named name (the
// inviter's choice when empty), and lets them in as kind through the same
// gate as a login. Errors: validation_failed (every invalid field of
// token, password and name at once), not_found (unknown, used, withdrawn
// or expired invitation), conflict, plan_limit_reached, the gate's
// refusals.
func (s *Service) AcceptInvitation(ctx context.Context, kind igny8.CredentialKind, token, name, password string) (*Admitted, error) {
	var fields []igny8.FieldError
	if token == "" {
		fields = append(fields, igny8.FieldError{Field: "token", Message: "is required"})
	}
	if msg := igny8.PasswordFault(password); msg != "" {
		fields = append(fields, igny8.FieldError{Field: "password", Message: msg})
	}
	if name := igny8.TrimName(name); name != "" {
		if msg := igny8.NameFault(name, igny8.MaxNameLen); msg != "" {
			fields = append(fields, igny8.FieldError{Field: "name", Message: msg})
		}
	}
	if len(fields) > 0 {
		return nil, igny8.Invalid("The invitation form has errors.", fields...)
	}
	hash, err := s.Passwords.Hash(password)
	if err != nil {
		return nil, err
	}
	user, err := s.Members.AcceptInvitation(ctx, s.Secrets.HashToken(token), name, hash)
	if err != nil {
		return nil, err
	}
	s.Logger.InfoContext(ctx, "invitation accepted", "user_id", user.ID, "account_id", *user.AccountID, "via", via(kind))
	a, err := s.letIn(ctx, user.ID, kind)
	if err != nil {
		return nil, err
	}
	a.User = user
	return a, nil
}

// TransferOwnership makes userID the owner of the caller's account and the
// calling owner an admin. Errors: validation_failed, forbidden (not the
// owner), not_found.
func (s *Service) TransferOwnership(ctx context.Context, userID string) error {
	if userID == "" {
		return igny8.InvalidField("user_id", "is required")
	}
	if err := s.Members.TransferOwnership(ctx, userID); err != nil {
		return err
	}
	s.Logger.InfoContext(ctx, "ownership transferred", "account_id", igny8.PrincipalFrom(ctx).AccountID, "user_id", userID)
	return nil
}
