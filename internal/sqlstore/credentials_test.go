package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/auth"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// ownerContext signs up an account and returns its owner's context.
func ownerContext(t *testing.T, s *sqlstore.Services, email string) context.Context {
	t.Helper()
	u, a, err := s.Identity.Register(context.Background(), igny8.SignUp{Name: "Owner", Email: email}, "hash", 14, newEmailToken())
	if err != nil {
		t.Fatal(err)
	}
	return igny8.WithPrincipal(context.Background(), &igny8.Principal{Kind: igny8.CredentialJWT, UserID: u.ID, AccountID: a.ID, Role: igny8.RoleOwner, EmailVerified: true})
}

// TestAPIKeyUseIsBuffered: many uses cost no write until the flush, which
// writes the latest time once and never moves a newer time back.
func TestAPIKeyUseIsBuffered(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		ctx := ownerContext(t, s, "use@example.com")
		secret := auth.NewAPIKey("")
		key, err := s.APIKeys.CreateAPIKey(ctx, igny8.NewAPIKey{Name: "k"}, secret)
		if err != nil {
			t.Fatal(err)
		}
		lastUsed := func() *time.Time {
			var at *time.Time
			if err := db.SQL().QueryRow(db.Rebind(`SELECT last_used_at FROM api_keys WHERE id = ?`), key.ID).Scan(&at); err != nil {
				t.Fatal(err)
			}
			return at
		}
		for i := 0; i < 20; i++ {
			if _, _, err := s.APIKeys.PrincipalForAPIKey(context.Background(), secret.Prefix, secret.Hash); err != nil {
				t.Fatal(err)
			}
		}
		if lastUsed() != nil {
			t.Fatal("last_used_at written on the request path")
		}
		if err := s.APIKeys.FlushAPIKeyUse(context.Background()); err != nil {
			t.Fatal(err)
		}
		first := lastUsed()
		if first == nil {
			t.Fatal("flush wrote nothing")
		}
		// A newer time written by another instance is not moved back.
		future := first.Add(time.Hour)
		if _, err := db.SQL().Exec(db.Rebind(`UPDATE api_keys SET last_used_at = ? WHERE id = ?`), future, key.ID); err != nil {
			t.Fatal(err)
		}
		s.APIKeys.PrincipalForAPIKey(context.Background(), secret.Prefix, secret.Hash)
		if err := s.APIKeys.FlushAPIKeyUse(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := lastUsed(); !got.Equal(future) {
			t.Fatalf("last_used_at = %v, want the newer %v kept", got, future)
		}
	})
}

func TestPurgeExpiredCredentials(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		ctx := ownerContext(t, s, "purge@example.com")
		userID := igny8.PrincipalFrom(ctx).UserID
		now := time.Now().UTC()
		old, err := s.Sessions.StartSession(ctx, userID, "old-hash", now.Add(-48*time.Hour), igny8.Client{}, false)
		if err != nil {
			t.Fatal(err)
		}
		live, err := s.Sessions.StartSession(ctx, userID, "live-hash", now.Add(time.Hour), igny8.Client{}, false)
		if err != nil {
			t.Fatal(err)
		}
		admin := sqlstore.NewAdmin(db)
		if _, err := admin.PurgeExpiredCredentials(ctx); igny8.ErrorCode(err) != igny8.EForbidden {
			t.Fatalf("a tenant purges: %v", err)
		}
		n, err := admin.PurgeExpiredCredentials(igny8.SystemContext(context.Background()))
		if err != nil || n != 1 {
			t.Fatalf("purged %d, %v; want 1", n, err)
		}
		if _, _, err := s.Sessions.PrincipalForToken(context.Background(), userID, live); err != nil {
			t.Fatalf("live family after purge: %v", err)
		}
		var left int
		db.SQL().QueryRow(db.Rebind(`SELECT COUNT(*) FROM refresh_tokens WHERE family_id = ?`), old).Scan(&left)
		if left != 0 {
			t.Fatal("the expired token is still there")
		}
	})
}
