package workflow

import (
	"context"
	"time"

	"github.com/igny8/igny8"
)

// Codes makes and checks second-factor codes (internal/auth's TOTP and
// recovery codes).
type Codes interface {
	// NewTOTP makes a TOTP secret for account (an e-mail) with its QR code.
	NewTOTP(account string) (*TOTPEnrolment, error)
	// TOTPFor shows secret again for account (a pending enrolment).
	TOTPFor(account string, secret []byte) (*TOTPEnrolment, error)
	// MatchTOTP returns the time step, within one step of now, at which
	// code is secret's code.
	MatchTOTP(secret []byte, code string, now time.Time) (step int64, ok bool)
	// LooksLikeTOTP tells a TOTP code (six digits) from a recovery code.
	LooksLikeTOTP(code string) bool
	// NewRecoveryCodes makes n recovery codes and their hashes.
	NewRecoveryCodes(n int) (codes, hashes []string)
	// HashRecoveryCode is the stored form of a recovery code.
	HashRecoveryCode(code string) string
}

// TOTPEnrolment is a TOTP secret shown once to the person enrolling: as
// text, as the otpauth:// URL and as a QR code (a PNG data: URL).
type TOTPEnrolment struct {
	Secret []byte
	Text   string
	URL    string
	QRCode string
}

// The second step of a login: a challenge lives ChallengeTTL and takes
// at most challengeAttempts wrong codes.
const (
	ChallengeTTL      = 5 * time.Minute
	challengeAttempts = 5
)

// Challenge is a login waiting for its second step: Token (shown once,
// kept as its hash) goes back with a code to SecondStep.
type Challenge struct {
	Token     string
	ExpiresAt time.Time
}

// errBadCode answers a wrong, used or malformed second-factor code.
var errBadCode = igny8.Errorf(igny8.EUnauthenticated,
	"The code is incorrect or was used already. Enter the current code of your authenticator app, or an unused recovery code.")

// challenge starts the second step of userID's login.
func (s *Service) challenge(ctx context.Context, userID string) (*Challenge, error) {
	token, hash := s.Secrets.NewToken()
	exp := s.Now().Add(ChallengeTTL)
	if err := s.Factors.CreateChallenge(ctx, userID, hash, exp); err != nil {
		return nil, err
	}
	return &Challenge{Token: token, ExpiresAt: exp}, nil
}

// SecondStepAttempt is the second step of a login: the challenge Login
// answered, a code (a current TOTP code or an unused recovery code) and
// what the surface knows of the device (as in LoginAttempt).
type SecondStepAttempt struct {
	Challenge, Code string
	Address, Device string
}

// SecondStep completes a login that Login answered with a challenge, as
// kind. The challenge is single-use and short-lived; a wrong code counts
// against it and, as a failed login, against the person's e-mail (its
// auth budget and the slow-down of repeated failures); a TOTP code is
// accepted once (a replay within its window is refused), a recovery code
// once ever. Errors: validation_failed, unauthenticated, rate_limited,
// the gate's refusals.
func (s *Service) SecondStep(ctx context.Context, kind igny8.CredentialKind, in SecondStepAttempt) (*Admitted, error) {
	var fields []igny8.FieldError
	if in.Challenge == "" {
		fields = append(fields, igny8.FieldError{Field: "challenge", Message: "is required"})
	}
	if in.Code == "" {
		fields = append(fields, igny8.FieldError{Field: "code", Message: "is required"})
	}
	if len(fields) > 0 {
		return nil, igny8.Invalid("The second step of the login needs its challenge and a code.", fields...)
	}
	hash := s.Secrets.HashToken(in.Challenge)
	userID, err := s.Factors.Challenge(ctx, hash, challengeAttempts)
	if err != nil {
		return nil, err
	}
	p, _, err := s.Identity.PrincipalForUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	known, err := s.knownDevice(ctx, kind, userID, in.Address, in.Device)
	if err != nil {
		return nil, err
	}
	if !known {
		if err := s.guardEmail(ctx, p.Email); err != nil {
			return nil, err
		}
	}
	ok, err := s.checkCode(ctx, userID, in.Code)
	if err != nil {
		return nil, err
	}
	if !ok {
		if err := s.Factors.FailChallenge(ctx, hash); err != nil {
			return nil, err
		}
		s.loginFailed(ctx, p.Email, userID)
		return nil, errBadCode
	}
	if spent, err := s.Factors.SpendChallenge(ctx, hash); err != nil || !spent {
		if err == nil {
			err = igny8.Errorf(igny8.EUnauthenticated, "This login has expired or was used. Log in again with your email and password.")
		}
		return nil, err
	}
	a, err := s.letIn(ctx, userID, kind)
	if err != nil {
		return nil, err
	}
	a.SecondFactor, a.Principal.SecondFactor = true, true
	if a.User, err = s.Identity.CurrentUser(igny8.WithPrincipal(ctx, a.Principal)); err != nil {
		return nil, err
	}
	if err := s.finishLogin(ctx, a, userID, in.Address, in.Device); err != nil {
		return nil, err
	}
	return a, nil
}

// checkCode spends code for userID: a TOTP code at a step after the last
// one accepted, or an unused recovery code.
func (s *Service) checkCode(ctx context.Context, userID, code string) (bool, error) {
	if !s.Codes.LooksLikeTOTP(code) {
		if len(code) > 64 {
			return false, nil
		}
		ok, err := s.Factors.UseRecoveryCode(ctx, userID, s.Codes.HashRecoveryCode(code))
		if ok {
			s.Logger.InfoContext(ctx, "recovery code used", "user_id", userID)
		}
		return ok, err
	}
	f, err := s.Factors.TOTP(ctx, userID)
	if igny8.ErrorCode(err) == igny8.ENotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !f.Confirmed {
		return false, nil
	}
	step, ok := s.Codes.MatchTOTP(f.Secret, code, s.Now())
	if !ok {
		return false, nil
	}
	return s.Factors.UseTOTPStep(ctx, userID, step)
}

// StartTOTP begins the enrolment of a TOTP factor for the person in ctx:
// a new secret, stored sealed and pending until ConfirmTOTP, replacing a
// pending one. Errors: unauthenticated, conflict (a factor is on).
func (s *Service) StartTOTP(ctx context.Context) (*TOTPEnrolment, error) {
	user, err := s.Identity.CurrentUser(ctx)
	if err != nil {
		return nil, err
	}
	e, err := s.Codes.NewTOTP(user.Email)
	if err != nil {
		return nil, err
	}
	if err := s.Factors.BeginTOTP(ctx, e.Secret); err != nil {
		return nil, err
	}
	return e, nil
}

// PendingTOTP shows the pending enrolment of the person in ctx again (the
// pages show it until it is confirmed); nil when none is pending.
func (s *Service) PendingTOTP(ctx context.Context) (*TOTPEnrolment, error) {
	user, err := s.Identity.CurrentUser(ctx)
	if err != nil {
		return nil, err
	}
	f, err := s.Factors.TOTP(ctx, user.ID)
	if igny8.ErrorCode(err) == igny8.ENotFound || (err == nil && f.Confirmed) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.Codes.TOTPFor(user.Email, f.Secret)
}

// ConfirmTOTP turns on the pending TOTP factor of the person in ctx with
// one of its codes and returns the ten recovery codes, shown once; the
// login of ctx goes on as one that used a second factor. Errors:
// validation_failed (no code, or one that does not match), not_found
// (nothing pending), conflict (already on).
func (s *Service) ConfirmTOTP(ctx context.Context, code string) ([]string, error) {
	p := igny8.PrincipalFrom(ctx)
	if p == nil || p.UserID == "" {
		return nil, igny8.Errorf(igny8.EUnauthenticated, "Authentication required.")
	}
	if code == "" {
		return nil, igny8.InvalidField("code", "is required")
	}
	f, err := s.Factors.TOTP(ctx, p.UserID)
	if igny8.ErrorCode(err) == igny8.ENotFound {
		return nil, igny8.Errorf(igny8.ENotFound, "Start setting up two-step login first.")
	}
	if err != nil {
		return nil, err
	}
	if f.Confirmed {
		return nil, igny8.Errorf(igny8.EConflict, "Two-step login is already on.")
	}
	step, ok := s.Codes.MatchTOTP(f.Secret, code, s.Now())
	if !ok {
		return nil, igny8.InvalidField("code", "does not match: enter the current code your app shows (and check the time on your device)")
	}
	codes, hashes := s.Codes.NewRecoveryCodes(igny8.RecoveryCodeCount)
	if err := s.Factors.ConfirmTOTP(ctx, step, hashes); err != nil {
		return nil, err
	}
	s.Logger.InfoContext(ctx, "second factor enabled", "user_id", p.UserID)
	return codes, nil
}

// DisableTOTP turns off the factor of the person in ctx, proved by a
// current code or a recovery code (spent like a login's). Where a second
// factor is required the person is then back to enrolment only. Each try
// spends the e-mail's auth budget. Errors: validation_failed (no code, or
// a wrong one), not_found (no factor), rate_limited.
func (s *Service) DisableTOTP(ctx context.Context, code string) error {
	p := igny8.PrincipalFrom(ctx)
	if p == nil || p.UserID == "" {
		return igny8.Errorf(igny8.EUnauthenticated, "Authentication required.")
	}
	if code == "" {
		return igny8.InvalidField("code", "is required")
	}
	if err := s.ChargeEmail(ctx, p.Email); err != nil {
		return err
	}
	f, err := s.Factors.TOTP(ctx, p.UserID)
	if igny8.ErrorCode(err) == igny8.ENotFound || (err == nil && !f.Confirmed) {
		return igny8.Errorf(igny8.ENotFound, "Two-step login is not on.")
	}
	if err != nil {
		return err
	}
	ok, err := s.checkCode(ctx, p.UserID, code)
	if err != nil {
		return err
	}
	if !ok {
		return igny8.InvalidField("code", "is not a current code of your authenticator app or an unused recovery code")
	}
	if err := s.Factors.DisableTOTP(ctx); err != nil {
		return err
	}
	s.Logger.InfoContext(ctx, "second factor disabled", "user_id", p.UserID)
	return nil
}

// ChallengeLive reports whether the challenge token of a login's second
// step can still be used, and whose it is. Errors: unauthenticated.
func (s *Service) ChallengeLive(ctx context.Context, token string) (userID string, err error) {
	if token == "" {
		return "", igny8.Errorf(igny8.EUnauthenticated, "Log in with your email and password first.")
	}
	return s.Factors.Challenge(ctx, s.Secrets.HashToken(token), challengeAttempts)
}
