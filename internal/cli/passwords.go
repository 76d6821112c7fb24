package cli

import (
	"context"
	"log/slog"
	"time"

	"github.com/igny8/igny8/internal/auth"
	"github.com/igny8/igny8/internal/sqlstore"
)

// passwords is the password checker of the API and of the pages: the
// argon2id Hasher, and the one place where a password hash brought by
// `igny8 import django` is replaced by igny8's argon2id once a login has
// proved the password, in that login's request.
type passwords struct {
	*auth.Hasher
	store *sqlstore.Identity
	log   *slog.Logger
}

// Check reports whether password matches hash, with the work of
// auth.Hasher.Verify whatever the outcome, rehashing a matched Django
// hash. A failed rehash is logged and the login goes on: the old hash
// still verifies next time.
func (p *passwords) Check(hash, decoy, password string) bool {
	ok, rehash := p.Verify(hash, decoy, password)
	if !ok || !rehash {
		return ok
	}
	fresh, err := p.Hash(password)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = p.store.ReplacePasswordHash(ctx, hash, fresh)
		cancel()
	}
	if err != nil {
		p.log.Error("rehash of an imported password failed", "err", err)
	}
	return true
}
