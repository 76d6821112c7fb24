package igny8

import (
	"context"
	"time"
)

// ErrEnrolmentRequired is EMFAEnrolment with the words a person reads:
// until they enrol they reach only enrolment, their profile and logging
// out (docs/design.md section 5).
var ErrEnrolmentRequired = Errorf(EMFAEnrolment,
	"Two-step login is required for you: turn it on (an authenticator app) before anything else. "+
		"If it is on already, log in again with your code.")

// RecoveryCodeCount is how many one-time recovery codes an enrolment makes.
const RecoveryCodeCount = 10

// MustEnrol reports whether p is a person who needs a second factor and
// whose login has not proved one.
func (p *Principal) MustEnrol() bool {
	return p != nil && p.IsPerson() && p.FactorRequired && !p.SecondFactor
}

// SecondFactor is a person's second factor as they see it.
type SecondFactor struct {
	// Enabled: a TOTP factor is confirmed; a login asks for its code.
	Enabled     bool       `json:"enabled"`
	ConfirmedAt *time.Time `json:"confirmed_at"`
	// RecoveryCodesLeft counts the recovery codes not used yet.
	RecoveryCodesLeft int `json:"recovery_codes_left"`
	// Required: the person's role or account requires a second factor.
	Required bool `json:"required"`
	// ThisLogin: the login making the request proved a second factor.
	ThisLogin bool `json:"this_login"`
}

// TOTPFactor is a stored TOTP factor, its secret opened.
type TOTPFactor struct {
	Secret    []byte
	Confirmed bool
	// LastStep is the time step of the last code accepted.
	LastStep int64
}

// FactorService keeps second factors: the enrolment and the factor of
// the person in ctx, and what a login's second step needs for a user id.
type FactorService interface {
	// SecondFactorOf describes the factor of the person in ctx.
	// Errors: unauthenticated.
	SecondFactorOf(ctx context.Context) (*SecondFactor, error)
	// BeginTOTP stores secret as the pending TOTP factor of the person in
	// ctx, replacing a pending one. Errors: conflict (a factor is on).
	BeginTOTP(ctx context.Context, secret []byte) error
	// TOTP reads userID's factor, pending or confirmed. Errors: not_found.
	TOTP(ctx context.Context, userID string) (*TOTPFactor, error)
	// ConfirmTOTP turns on the pending factor of the person in ctx, whose
	// code matched at step, with the hashes of new recovery codes, and
	// marks the login of ctx as one that proved a second factor. Audited.
	// Errors: not_found (nothing pending), conflict (already on, or step
	// already used).
	ConfirmTOTP(ctx context.Context, step int64, recoveryHashes []string) error
	// UseTOTPStep records step as userID's last accepted one; false when
	// it is not after the last one (a replay).
	UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error)
	// UseRecoveryCode spends the recovery code hashed as hash; false when
	// it is unknown or spent.
	UseRecoveryCode(ctx context.Context, userID, hash string) (bool, error)
	// DisableTOTP turns off the factor of the person in ctx and deletes
	// their recovery codes. Audited. Errors: not_found.
	DisableTOTP(ctx context.Context) error
	// CreateChallenge stores the challenge of a login's second step for
	// userID, kept as its hash only.
	CreateChallenge(ctx context.Context, userID, hash string, expiresAt time.Time) error
	// Challenge returns the user of a live challenge: not expired, not
	// spent, with fewer than maxAttempts wrong codes. Errors:
	// unauthenticated.
	Challenge(ctx context.Context, hash string, maxAttempts int) (userID string, err error)
	// FailChallenge counts a wrong code against the challenge.
	FailChallenge(ctx context.Context, hash string) error
	// SpendChallenge ends the challenge; false when it was spent already.
	SpendChallenge(ctx context.Context, hash string) (bool, error)
}

// AdminFactorService is the system administrators' reset of a person's
// second factor, for a lost device.
type AdminFactorService interface {
	// ResetSecondFactor deletes userID's factor and recovery codes, ends
	// their logins, audits the reset and e-mails them. Errors:
	// unauthenticated, forbidden, not_found (no such person or no factor).
	ResetSecondFactor(ctx context.Context, userID string) (*User, error)
}

// LoginPolicy is the slow-down of repeated failed logins for one e-mail.
type LoginPolicy struct {
	// Threshold failures within Window start an episode: attempts from
	// unknown devices then wait Delay(failures) after each failure.
	Threshold int
	Window    time.Duration
	Delay     func(failures int) time.Duration
}

// LoginGuard keeps failed logins per e-mail and the devices people logged
// in from, for the slow-down without lock-out (docs/design.md section 8).
type LoginGuard interface {
	// LoginWait is how long the next attempt for email from an unknown
	// device must wait; zero when it may come now.
	LoginWait(ctx context.Context, email string) (time.Duration, error)
	// RecordLoginFailure counts a failed login for email (userID is the
	// person it names, empty for an unknown e-mail). The failure that
	// starts an episode e-mails the person, once per episode.
	RecordLoginFailure(ctx context.Context, email, userID string, policy LoginPolicy) error
	// KnownDevice reports whether userID logged in from one of the
	// devices hashed in hashes since since.
	KnownDevice(ctx context.Context, userID string, hashes []string, since time.Time) (bool, error)
	// RememberDevices records a login of userID from the devices hashes.
	RememberDevices(ctx context.Context, userID string, hashes []string) error
}

// FactorResetMail tells a person an administrator turned off their second
// factor.
type FactorResetMail struct {
	Name string
}

// LoginFailuresMail tells a person that many failed logins were made with
// their e-mail and that further attempts are slowed.
type LoginFailuresMail struct {
	Name     string
	Failures int
}

// MailKind implements MailContent.
func (FactorResetMail) MailKind() string { return "second_factor_reset" }

// MailKind implements MailContent.
func (LoginFailuresMail) MailKind() string { return "login_failures" }
