package igny8

import (
	"context"
	"time"
)

// Password recovery: "Forgot your password?" sends a one-time link; the
// link lets its holder choose a new password (docs/design.md, Password
// reset).
const (
	// PasswordResetTTL is how long a link asked for with "Forgot your
	// password?" works.
	PasswordResetTTL = time.Hour
	// MigrationResetTTL is how long the links sent after an import work
	// (igny8 import django --send-password-resets): the people moved across
	// did not ask for them and may read their mail days later.
	MigrationResetTTL = 7 * 24 * time.Hour
	// MaxMigrationResetTTL bounds --reset-valid-for: a link is a credential
	// sitting in a mailbox.
	MaxMigrationResetTTL = 30 * 24 * time.Hour
)

// Why a password reset link was made.
const (
	ResetForgot = "forgot" // the person asked for it
	ResetImport = "import" // an import moved them across without a usable password
)

// PasswordResetMail carries a one-time link to choose a new password.
// Token is the link's credential: it is put into the message and nowhere
// else.
type PasswordResetMail struct {
	Name      string // the user's name; may be empty
	Token     string
	ExpiresAt time.Time
	// Migration marks the link sent after an import: the person did not
	// ask for it and has never had a password in igny8.
	Migration bool
}

// MailKind implements MailContent.
func (m PasswordResetMail) MailKind() string {
	if m.Migration {
		return "password_setup"
	}
	return "password_reset"
}

// PasswordChangedMail is the security notice sent when a password was
// changed: through a reset link, or by the person logged in on their
// profile (WhileLoggedIn: their other logins ended, that one stays). It
// cannot be turned off.
type PasswordChangedMail struct {
	Name          string
	Email         string
	ChangedAt     time.Time
	WhileLoggedIn bool
}

// MailKind implements MailContent.
func (PasswordChangedMail) MailKind() string { return "password_changed" }

// PasswordResetService keeps the one-time links of password recovery.
type PasswordResetService interface {
	// RequestPasswordReset makes a reset link for the live, active user of
	// email (case-insensitive), of any account state: token is stored as
	// tokenHash only and works for ttl from now; the user's earlier unspent
	// links stop working; the message carrying token is written in the
	// same transaction. An email of no such user writes nothing and is no
	// error (the caller answers the same either way); sent says which.
	RequestPasswordReset(ctx context.Context, email, token, tokenHash string, ttl time.Duration) (sent bool, err error)
	// ResetPassword spends the link hashed as tokenHash: the user's
	// password hash becomes passwordHash, every refresh-token family and
	// web session of the user is revoked (their access tokens stop on the
	// next request), their other links die, the "password changed" notice
	// is written and the change audited, all in one transaction. It
	// returns the user. Errors: validation_failed naming token (an
	// unknown, used, replaced or expired link, or one of a user removed
	// or deactivated since).
	ResetPassword(ctx context.Context, tokenHash, passwordHash string) (userID string, err error)
	// CheckPasswordReset says whether the link hashed as tokenHash can be
	// used now, spending nothing. Errors: ResetPassword's validation_failed.
	CheckPasswordReset(ctx context.Context, tokenHash string) error
}
