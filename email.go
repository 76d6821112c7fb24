package igny8

import (
	"context"
	"time"
)

// EmailTokenTTL is how long a link that confirms an e-mail address (after
// sign-up, or for a change of address) stays valid: long enough for a
// weekend away, short enough that an old mailbox's links die.
const EmailTokenTTL = 3 * 24 * time.Hour

// ScopeVerify is the budget of verification links a person may ask for
// again (POST /auth/email/resend, POST /auth/me/email), per user: see
// RateFor.
const ScopeVerify = "verify"

// verifyRate is ScopeVerify's budget: 3 links an hour.
var verifyRate = Rate{PerMinute: 3, Burst: 3, Period: time.Hour}

// EmailToken is the credential of one confirmation link: Token goes into
// the message and nowhere else, Hash is what the store keeps.
type EmailToken struct {
	Token string
	Hash  string
}

// PendingEmail is the address a person was sent a link for and has not
// confirmed yet: their own (Change false) or the one they asked to move
// to (Change true).
type PendingEmail struct {
	Email     string    `json:"email"`
	Change    bool      `json:"change"`
	ExpiresAt time.Time `json:"expires_at"`
}

// EmailConfirmed is what a confirmed link did: the user's address now, and
// the one it replaced when the link was for a change (empty otherwise).
type EmailConfirmed struct {
	UserID   string `json:"-"`
	Email    string `json:"email"`
	Previous string `json:"previous_email,omitempty"`
}

// errUnverified refuses what needs a proven address.
var errUnverified = Errorf(EEmailUnverified,
	"Confirm your e-mail address first: open the link we sent you, or ask for a new one.")

// RequireVerifiedEmail refuses a person whose address is not verified:
// checkout, credit purchases and inviting others need one (docs/design.md
// section 3). Other principals (the system) pass; API keys never reach
// these actions. Errors: unauthenticated, email_unverified.
func RequireVerifiedEmail(p *Principal) error {
	switch {
	case p == nil:
		return Errorf(EUnauthenticated, "Authentication required.")
	case p.IsPerson() && !p.EmailVerified:
		return errUnverified
	}
	return nil
}

// EmailService proves e-mail addresses: every method but ConfirmEmail acts
// on the person in ctx, and each new link replaces the person's earlier
// one (at most one link per person works).
type EmailService interface {
	// ResendVerification sends a new link for the person's outstanding
	// address: the pending change when there is one, else their own
	// unverified address. Errors: unauthenticated, conflict (nothing to
	// confirm).
	ResendVerification(ctx context.Context, t EmailToken) (*PendingEmail, error)
	// RequestEmailChange sends a link to newEmail that makes it the
	// person's address once opened. Errors: unauthenticated,
	// validation_failed, conflict (the address is taken).
	RequestEmailChange(ctx context.Context, newEmail string, t EmailToken) (*PendingEmail, error)
	// ConfirmEmail spends the link whose token hashes to tokenHash: the
	// address is verified, and becomes the user's for a change, whose old
	// address is told. Errors: not_found (unknown, used, replaced or
	// expired link), conflict (the address was taken meanwhile).
	ConfirmEmail(ctx context.Context, tokenHash string) (*EmailConfirmed, error)
	// PendingEmail returns the person's outstanding link's address, nil
	// when there is none. Errors: unauthenticated.
	PendingEmail(ctx context.Context) (*PendingEmail, error)
}

// EmailVerificationMail carries a link that confirms Email: the address of
// a new sign-up, or (Change) the one a person asked to move to.
type EmailVerificationMail struct {
	Name      string
	Email     string
	Change    bool
	Token     string
	ExpiresAt time.Time
}

// EmailChangedMail tells the old address that the account's login moved
// to NewEmail (a security notice: it cannot be turned off).
type EmailChangedMail struct {
	Name     string
	OldEmail string
	NewEmail string
}

// MailKind implements MailContent.
func (m EmailVerificationMail) MailKind() string {
	if m.Change {
		return "email_change"
	}
	return "email_verification"
}

// MailKind implements MailContent.
func (EmailChangedMail) MailKind() string { return "email_changed" }
