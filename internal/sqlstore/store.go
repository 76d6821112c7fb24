package sqlstore

import (
	"time"

	"github.com/igny8/igny8"
)

// Services are the tenant-facing igny8 services, one type per domain
// service, as the interfaces of package igny8 are. Every tenant-scoped
// method takes its account from the principal in ctx (see scope.go), never
// from an argument, so that a handler cannot reach another account's rows;
// the cross-tenant side is Admin. Each type holds the database and the
// state it owns, nothing of the others'.
type Services struct {
	Plans       *Plans       // igny8.PlanService
	Industries  *Industries  // igny8.IndustryService
	Accounts    *Accounts    // igny8.AccountService, igny8.AccountDeletion
	Identity    *Identity    // igny8.IdentityService, igny8.ProfileService
	Sessions    *Sessions    // igny8.SessionService (refresh tokens)
	WebSessions *WebSessions // the pages' session rows
	APIKeys     *APIKeys     // igny8.APIKeyService
	Members     *Members     // igny8.MemberService
	Sites       *Sites       // igny8.SiteService
	Ledger      *Ledger      // igny8.LedgerService
	Billing     *Billing     // igny8.BillingService and the card portal
	Packs       *Packs       // igny8.CreditPackService
	SigningKeys *SigningKeys // igny8.SigningKeyStore
	// PasswordResets is igny8.PasswordResetService (password recovery).
	PasswordResets *PasswordResets
	Factors        *Factors    // igny8.FactorService, igny8.AdminFactorService
	LoginGuard     *LoginGuard // igny8.LoginGuard
}

// ServiceOptions configure the services; the zero value is a store with
// the default retention, no card payments and plaintext signing keys.
type ServiceOptions struct {
	// Retention is how long soft-deleted rows stay restorable
	// (DefaultRetention when zero).
	Retention time.Duration
	// Card, when set, takes card payments (Stripe): checkout by stripe then
	// works for the plans that have a Stripe price, and so do card packs.
	Card igny8.CardProvider
	// Sealer, when set, seals the private signing keys and the TOTP
	// secrets at rest.
	Sealer igny8.KeySealer
}

// New returns the services backed by db.
func New(db *DB, opt ServiceOptions) *Services {
	keep := retention(opt.Retention)
	pay := &payments{db: db, card: opt.Card}
	logins := newKeyUse()
	return &Services{
		Plans:       &Plans{db: db},
		Industries:  &Industries{db: db},
		Accounts:    &Accounts{db: db, retention: keep},
		Identity:    &Identity{db: db, loginUse: logins},
		Sessions:    &Sessions{db: db, loginUse: logins},
		WebSessions: &WebSessions{db: db, loginUse: logins},
		APIKeys:     &APIKeys{db: db, keyUse: newKeyUse()},
		Members:     &Members{db: db, retention: keep},
		Sites:       &Sites{db: db, retention: keep},
		Ledger:      &Ledger{db: db},
		Billing:     &Billing{db: db, payments: pay},
		Packs:       &Packs{db: db, payments: pay},
		SigningKeys: NewSigningKeys(db, opt.Sealer),

		PasswordResets: &PasswordResets{db: db},
		Factors:        NewFactors(db, opt.Sealer),
		LoginGuard:     NewLoginGuard(db),
	}
}

// Plans reads the plan catalogue (igny8.PlanService).
type Plans struct{ db *DB }

// Industries reads the reference industries (igny8.IndustryService).
type Industries struct{ db *DB }

// Accounts is the account of the principal: its settings and its
// deletion by the owner (igny8.AccountService, igny8.AccountDeletion).
type Accounts struct {
	db        *DB
	retention retention
}

// Identity is sign-up, credentials, the principal of a verified user and
// the person's own profile (igny8.IdentityService, igny8.ProfileService).
type Identity struct {
	db *DB
	// loginUse is the buffered use of the person's logins that Sessions
	// and WebSessions record and Logins shows (FlushLoginUse writes it).
	loginUse *keyUse
	// afterAccountInsert, when set by a test, runs inside the sign-up
	// transaction after the account row is written, to inject failures.
	afterAccountInsert func() error
}

// Sessions are the API's refresh tokens (igny8.SessionService).
type Sessions struct {
	db *DB
	// loginUse records the use of families by their access tokens
	// (Identity's).
	loginUse *keyUse
}

// WebSessions are the pages' session rows.
type WebSessions struct {
	db *DB
	// loginUse records the use of sessions (Identity's).
	loginUse *keyUse
}

// APIKeys are the account's API keys and their authentication
// (igny8.APIKeyService).
type APIKeys struct {
	db *DB
	// keyUse buffers API key use so that last_used_at is written at most
	// once per flush, not on every request.
	keyUse *keyUse
}

// Members are the account's users and invitations (igny8.MemberService).
type Members struct {
	db        *DB
	retention retention
	limits    limitHook
}

// Sites are the account's sites, their sectors and the site access of
// editors and viewers (igny8.SiteService).
type Sites struct {
	db        *DB
	retention retention
	limits    limitHook
}

// Ledger reads the account's credits (igny8.LedgerService); the writes go
// through applyCredit.
type Ledger struct{ db *DB }

// Billing is the account's subscription, checkout and payments
// (igny8.BillingService), and the card portal.
type Billing struct {
	db *DB
	*payments
}

// Packs are the credit packs on sale and their purchase
// (igny8.CreditPackService).
type Packs struct {
	db *DB
	*payments
}

// SigningKeys stores the access tokens' signing keys
// (igny8.SigningKeyStore).
type SigningKeys struct {
	db *DB
	// sealer, when set, seals private signing keys at rest.
	sealer igny8.KeySealer
}

// NewSigningKeys returns the signing key store of db. With a sealer it
// seals the private keys it writes and opens the sealed ones it reads;
// without one, keys are written in plaintext and a sealed key is refused,
// never read as plaintext.
func NewSigningKeys(db *DB, sealer igny8.KeySealer) *SigningKeys {
	return &SigningKeys{db: db, sealer: sealer}
}

// Seals reports whether s seals private keys (it has a key encryption key).
func (s *SigningKeys) Seals() bool { return s.sealer != nil }

// payments is what checkout and pack purchases share: the card provider
// and the draw of payment references.
type payments struct {
	db *DB
	// card, when set, takes card payments (Stripe).
	card igny8.CardProvider
	// references, when set by a test, draws payment references.
	references func() string
}

// retention is how long soft-deleted rows stay restorable.
type retention time.Duration

func (r retention) period() time.Duration {
	if r <= 0 {
		return DefaultRetention
	}
	return time.Duration(r)
}

// limitHook, when set by a test, runs between a plan-limit check and the
// insert it guards, to widen the window a race would need.
type limitHook struct{ after func() }

func (h limitHook) checked() {
	if h.after != nil {
		h.after()
	}
}

var (
	_ igny8.PlanService     = (*Plans)(nil)
	_ igny8.IndustryService = (*Industries)(nil)
	_ igny8.AccountService  = (*Accounts)(nil)
)
