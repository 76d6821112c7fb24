package sqlstore

import (
	"time"

	"github.com/igny8/igny8"
)

// Store implements the tenant-facing igny8 services. Every tenant-scoped
// method takes its account from the principal in ctx (see scope), never
// from an argument, so that a handler cannot reach another account's rows.
type Store struct {
	db *DB
	// afterAccountInsert, when set by a test, runs inside the sign-up
	// transaction after the account row is written, to inject failures.
	afterAccountInsert func() error
	// references, when set by a test, draws payment references.
	references func() string
	// keyUse buffers API key use so that last_used_at is written at most
	// once per flush, not on every request.
	keyUse *keyUse
	// retention is how long soft-deleted rows stay restorable (SetRetention).
	retention time.Duration
	// sealer, when set (SetKeySealer), seals private signing keys at rest.
	sealer igny8.KeySealer
	// afterLimitCheck, when set by a test, runs between a plan-limit check
	// and the insert it guards, to widen the window a race would need.
	afterLimitCheck func()
	// card, when set (SetCardProvider), takes card payments (Stripe).
	card igny8.CardProvider
}

// NewStore returns the services backed by db.
func NewStore(db *DB) *Store { return &Store{db: db, keyUse: newKeyUse()} }

// DB returns the database under s.
func (s *Store) DB() *DB { return s.db }

var (
	_ igny8.PlanService     = (*Store)(nil)
	_ igny8.IndustryService = (*Store)(nil)
	_ igny8.AccountService  = (*Store)(nil)
)
