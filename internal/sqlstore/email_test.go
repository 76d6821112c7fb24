package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// TestUsersBeforeVerificationCountAsVerified: migration 00130 marks every
// user who exists when it runs as verified (they are customers whose
// address is known to work); a user made afterwards is not.
func TestUsersBeforeVerificationCountAsVerified(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		ctx := context.Background()
		db := b.Open(t)
		for { // roll back 00130 and the migrations after it
			v, err := db.SchemaVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if v < 130 {
				break
			}
			if err := db.MigrateDown(ctx, 1); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Now().UTC()
		mustExec(t, db, `INSERT INTO users (id, email, role, created_at, updated_at) VALUES (?, 'old@example.com', 'developer', ?, ?)`,
			sqlstore.NewID(), now, now)
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		mustExec(t, db, `INSERT INTO users (id, email, role, created_at, updated_at) VALUES (?, 'new@example.com', 'developer', ?, ?)`,
			sqlstore.NewID(), now, now)
		if n := countRows(t, db, `SELECT COUNT(*) FROM users WHERE email = 'old@example.com' AND email_verified_at IS NOT NULL`); n != 1 {
			t.Fatal("a user from before the migration is not verified")
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM users WHERE email = 'new@example.com' AND email_verified_at IS NULL`); n != 1 {
			t.Fatal("a user made after the migration is verified without a link")
		}
	})
}

// TestEmailLinkExpiresAndDiesWithItsUser: a link older than
// igny8.EmailTokenTTL, or of a user since removed, is not_found and changes
// nothing; an unverified principal cannot check out.
func TestEmailLinkExpiresAndDiesWithItsUser(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		ctx := context.Background()
		db := b.Open(t)
		clock := fixClock(db)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		tok := newEmailToken()
		u, a, err := s.Identity.Register(ctx, igny8.SignUp{Name: "Late Reader", Email: "late@example.com"}, "hash", 14, tok)
		if err != nil {
			t.Fatal(err)
		}
		owner := igny8.WithPrincipal(ctx, &igny8.Principal{Kind: igny8.CredentialJWT, UserID: u.ID, AccountID: a.ID, Role: igny8.RoleOwner})
		if _, err := s.Billing.Checkout(owner, igny8.Checkout{Plan: "starter", PaymentMethod: igny8.MethodBankTransfer}); igny8.ErrorCode(err) != igny8.EEmailUnverified {
			t.Fatalf("checkout by an unverified owner: %v", err)
		}
		clock.Add(igny8.EmailTokenTTL + time.Second)
		if _, err := s.Identity.ConfirmEmail(ctx, tok.Hash); igny8.ErrorCode(err) != igny8.ENotFound {
			t.Fatalf("an expired link: %v", err)
		}
		fresh := newEmailToken()
		if _, err := s.Identity.ResendVerification(owner, fresh); err != nil {
			t.Fatal(err)
		}
		mustExec(t, db, `UPDATE users SET deleted_at = ? WHERE id = ?`, clock.Now(), u.ID)
		if _, err := s.Identity.ConfirmEmail(ctx, fresh.Hash); igny8.ErrorCode(err) != igny8.ENotFound {
			t.Fatalf("the link of a removed user: %v", err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM users WHERE id = ? AND email_verified_at IS NULL`, u.ID); n != 1 {
			t.Fatal("a refused link verified the address")
		}
	})
}
