// Package workflow holds the ways in and out of igny8 that the JSON API
// (internal/api) and the pages (internal/web) both offer: sign-up, login,
// refresh, logout, password recovery, accepting an invitation, handing
// over ownership and the person's own profile (name, password, active
// logins).
// Each is written once here, with its checks in one order (throttle,
// input rule, credentials, account gate, record); the API turns what they
// return into token pairs and JSON, the pages into sessions and
// redirects. Methods take plain inputs and return domain values and
// igny8.Error codes; nothing here reads requests or writes answers.
package workflow

import (
	"context"
	"log/slog"
	"time"

	"github.com/igny8/igny8"
)

// Passwords hashes and checks passwords (internal/auth.Hasher).
type Passwords interface {
	Hash(password string) (string, error)
	// Check reports whether password matches stored, the hash of the user
	// a login names ("" when it names no one). A check that fails does the
	// same work whatever stored is: one of igny8's own and one at the cost
	// of decoy, a usable imported hash still held ("" for none), as
	// auth.Hasher.Verify describes.
	Check(stored, decoy, password string) bool
}

// Secrets mints and hashes opaque secrets (internal/auth): refresh and
// invitation tokens.
type Secrets interface {
	NewToken() (token, hash string)
	HashToken(token string) string
}

// Config holds the tunables of the workflows.
type Config struct {
	// TrialDays is the length of a free trial started at sign-up.
	TrialDays int
	// RefreshTTL is the lifetime of a refresh token.
	RefreshTTL time.Duration
	// SupportEmail is named in refusals of accounts suspended or cancelled
	// by igny8.
	SupportEmail string
	// PublicURL, when set, is the base of the invitation links shown to
	// the inviter, the same as in the e-mail (--public-url).
	PublicURL string
}

// Service runs the workflows on the domain services. Every field but
// Limiter (nil turns throttling off), Guard (nil: no slow-down of
// repeated failures) and Later must be set; New fills in the
// defaults.
type Service struct {
	Logger      *slog.Logger
	Identity    igny8.IdentityService
	Accounts    igny8.AccountService
	Sessions    igny8.SessionService
	WebSessions igny8.WebSessionService
	Members     igny8.MemberService
	// Factors keeps second factors, Codes makes and checks their codes.
	Factors igny8.FactorService
	Codes   Codes
	// Guard counts failed logins and remembers devices (nil: no
	// slow-down of repeated failures).
	Guard     igny8.LoginGuard
	Email     igny8.EmailService
	Profile   igny8.ProfileService
	Resets    igny8.PasswordResetService
	Passwords Passwords
	Secrets   Secrets
	Limiter   igny8.Limiter
	// Later runs the work a request asks for after its answer (the
	// password reset request); nil runs it before the answer (the CLI,
	// tests of the workflow alone).
	Later  *Later
	Config Config
	// Now is the clock (tests fix it).
	Now func() time.Time
}

// New returns s with the defaults of its unset tunables: the system
// clock, the default logger, a 14-day trial and 30-day refresh tokens.
func New(s Service) *Service {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.Config.TrialDays == 0 {
		s.Config.TrialDays = 14
	}
	if s.Config.RefreshTTL == 0 {
		s.Config.RefreshTTL = 30 * 24 * time.Hour
	}
	return &s
}

// Admitted is a person let in: who they are, their account (nil for
// developers) and, for the owner of a suspended account or of one on a
// retired plan, the gate's refusal they got through with (igny8.OwnerMayPay):
// they may reach billing and nothing else until it is lifted.
type Admitted struct {
	User      *igny8.User
	Account   *igny8.Account
	Principal *igny8.Principal
	Refusal   error
	// SecondFactor: the login proved a second factor (SecondStep, or a
	// refresh of a login that did).
	SecondFactor bool
	// Device is the token of the device cookie the pages set after a
	// login (protection.go); empty on the API.
	Device string
}

// MustEnrol reports whether the person let in must turn on a second
// factor before anything but enrolment (igny8.Principal.MustEnrol).
func (a *Admitted) MustEnrol() bool { return a.Principal.MustEnrol() }

// letIn reads the person userID with their account's state and admits
// them as kind.
func (s *Service) letIn(ctx context.Context, userID string, kind igny8.CredentialKind) (*Admitted, error) {
	p, gate, err := s.Identity.PrincipalForUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	return s.admit(ctx, p, gate, kind)
}

// admit passes p, about to be logged in as kind, through the account gate
// every request passes, and reads their account.
func (s *Service) admit(ctx context.Context, p *igny8.Principal, gate igny8.GateInput, kind igny8.CredentialKind) (*Admitted, error) {
	p.Kind = kind
	a := &Admitted{Principal: p}
	if p.AccountID == "" {
		return a, nil
	}
	if refusal := s.Refusal(gate); refusal != nil {
		if !igny8.OwnerMayPay(p, refusal) {
			return nil, refusal
		}
		a.Refusal = refusal
	}
	acct, err := s.Accounts.CurrentAccount(igny8.WithPrincipal(ctx, p))
	if err != nil {
		return nil, err
	}
	a.Account = acct
	return a, nil
}

// Refusal is the account gate's answer now to an account in state gate
// (igny8.CheckGate), naming the support contact where only igny8 can lift
// it: nil when the account may be used. Every request of the API and the
// pages, and every login, asks it.
func (s *Service) Refusal(gate igny8.GateInput) error {
	return igny8.WithSupportContact(igny8.CheckGate(gate, s.Now()), s.Config.SupportEmail)
}

// via names the surface in logs: the API logs in with tokens, the pages
// with sessions.
func via(kind igny8.CredentialKind) string {
	if kind == igny8.CredentialSession {
		return "web"
	}
	return "api"
}
