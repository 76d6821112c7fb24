package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// TestWebSessions covers the web session lifecycle on both databases: a
// session resolves to its user's principal with fresh gate input, and is
// refused once revoked, expired, or when its user is gone.
func TestWebSessions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		ctx := context.Background()
		user, acct, err := s.Identity.Register(ctx, igny8.SignUp{Name: "Web User", Email: "web@example.com"}, "hash", 14, newEmailToken())
		if err != nil {
			t.Fatal(err)
		}
		ws, err := s.WebSessions.CreateWebSession(ctx, user.ID, "hash-1", "csrf-1", time.Hour, igny8.Client{}, false)
		if err != nil {
			t.Fatal(err)
		}
		p, gate, got, err := s.WebSessions.WebSessionByHash(ctx, "hash-1")
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind != igny8.CredentialSession || p.UserID != user.ID || p.AccountID != acct.ID || p.Role != igny8.RoleOwner ||
			p.SessionID != ws.ID || got.CSRFToken != "csrf-1" || gate.Status != igny8.StatusTrial {
			t.Fatalf("resolved %+v %+v %+v", p, gate, got)
		}
		// The gate input is read fresh: a suspension shows on the next call.
		if _, err := db.SQL().Exec(db.Rebind(`UPDATE accounts SET status = 'suspended' WHERE id = ?`), acct.ID); err != nil {
			t.Fatal(err)
		}
		if _, gate, _, _ := s.WebSessions.WebSessionByHash(ctx, "hash-1"); gate.Status != igny8.StatusSuspended {
			t.Fatalf("gate status %q after suspension", gate.Status)
		}
		wantUnauth := func(what, hash string) {
			t.Helper()
			if _, _, _, err := s.WebSessions.WebSessionByHash(ctx, hash); igny8.ErrorCode(err) != igny8.EUnauthenticated {
				t.Fatalf("%s: %v, want unauthenticated", what, err)
			}
		}
		wantUnauth("unknown token", "nope")
		if err := s.WebSessions.RevokeWebSession(ctx, "hash-1"); err != nil {
			t.Fatal(err)
		}
		wantUnauth("revoked", "hash-1")
		if err := s.WebSessions.RevokeWebSession(ctx, "hash-1"); err != nil {
			t.Fatalf("revoking twice: %v", err)
		}
		if _, err := s.WebSessions.CreateWebSession(ctx, user.ID, "hash-2", "csrf-2", time.Millisecond, igny8.Client{}, false); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
		wantUnauth("expired", "hash-2")
		if _, err := s.WebSessions.CreateWebSession(ctx, user.ID, "hash-3", "csrf-3", time.Hour, igny8.Client{}, false); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().Exec(db.Rebind(`UPDATE users SET is_active = FALSE WHERE id = ?`), user.ID); err != nil {
			t.Fatal(err)
		}
		wantUnauth("inactive user", "hash-3")
		if _, err := s.WebSessions.CreateWebSession(ctx, user.ID, "hash-4", "csrf-4", time.Hour, igny8.Client{}, false); igny8.ErrorCode(err) != igny8.EUnauthenticated {
			t.Fatalf("session for an inactive user: %v", err)
		}
		purgeExpiredSessions(t, db, user.ID)
	})
}

// purgeExpiredSessions shows that the periodic credential purge deletes
// long-expired web sessions and keeps live ones.
func purgeExpiredSessions(t *testing.T, db *sqlstore.DB, userID string) {
	t.Helper()
	ctx := context.Background()
	s := sqlstore.New(db, sqlstore.ServiceOptions{})
	if _, err := db.SQL().Exec(db.Rebind(`UPDATE users SET is_active = TRUE WHERE id = ?`), userID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WebSessions.CreateWebSession(ctx, userID, "hash-old", "csrf-old", -48*time.Hour, igny8.Client{}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WebSessions.CreateWebSession(ctx, userID, "hash-live", "csrf-live", time.Hour, igny8.Client{}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlstore.NewAdmin(db).PurgeExpiredCredentials(igny8.SystemContext(ctx)); err != nil {
		t.Fatal(err)
	}
	for hash, want := range map[string]int{"hash-old": 0, "hash-live": 1} {
		var n int
		if err := db.SQL().QueryRow(db.Rebind(`SELECT COUNT(*) FROM web_sessions WHERE token_hash = ?`), hash).Scan(&n); err != nil || n != want {
			t.Fatalf("%s: %d rows (%v), want %d", hash, n, err, want)
		}
	}
}
