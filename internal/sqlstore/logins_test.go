package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// TestLoginsClientAndUse: a login keeps the client it was made from and
// its time (a family carries them through rotation and the purge of its
// spent tokens; a login made without a client lists none), its use is buffered and shown at once by the store that saw it,
// written by FlushLoginUse for every other, and an older use never
// overwrites a newer one.
func TestLoginsClientAndUse(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		s := sqlstore.New(db, sqlstore.ServiceOptions{})
		ctx := context.Background()
		user, _, err := s.Identity.Register(ctx, igny8.SignUp{Name: "Logins", Email: "logins@example.com"}, "hash", 14, newEmailToken())
		if err != nil {
			t.Fatal(err)
		}
		family, err := s.Sessions.StartSession(ctx, user.ID, "rt-1", now.Add(24*time.Hour), igny8.NewClient("203.0.113.5", "Publisher/1.0"), false)
		if err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Minute)
		ws, err := s.WebSessions.CreateWebSession(ctx, user.ID, "ws-1", "csrf", time.Hour, igny8.Client{}, false)
		if err != nil {
			t.Fatal(err)
		}
		p, _, _, err := s.WebSessions.WebSessionByHash(ctx, "ws-1")
		if err != nil {
			t.Fatal(err)
		}
		me := igny8.WithPrincipal(ctx, p)
		now = now.Add(time.Minute)
		if _, _, err := s.Sessions.RotateRefreshToken(ctx, "rt-1", "rt-2", now.Add(24*time.Hour), nil); err != nil {
			t.Fatal(err)
		}
		page, err := s.Identity.Logins(me, igny8.PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 2 || page.NextCursor != nil {
			t.Fatalf("logins: %+v", page)
		}
		web, api := page.Items[0], page.Items[1]
		if web.ID != ws.ID || web.Kind != igny8.LoginWeb || !web.Current || web.ClientAddress != nil || web.UserAgent != nil {
			t.Fatalf("web login: %+v", web)
		}
		if api.ID != family || api.Kind != igny8.LoginAPI || api.Current || api.ClientAddress == nil || *api.ClientAddress != "203.0.113.5" ||
			api.UserAgent == nil || *api.UserAgent != "Publisher/1.0" {
			t.Fatalf("api login after rotation: %+v", api)
		}
		if !api.CreatedAt.Equal(now.Add(-2*time.Minute)) || !api.LastUsedAt.Equal(now) {
			t.Fatalf("api login created %v, last used %v: want the login's time and the refresh's", api.CreatedAt, api.LastUsedAt)
		}
		// The spent token is purged (it expired): the login keeps its time.
		if _, err := db.SQL().Exec(db.Rebind(`DELETE FROM refresh_tokens WHERE token_hash = ?`), "rt-1"); err != nil {
			t.Fatal(err)
		}
		if page, err := s.Identity.Logins(me, igny8.PageRequest{}); err != nil || !page.Items[1].CreatedAt.Equal(api.CreatedAt) {
			t.Fatalf("after the purge of its first token: %+v, %v", page, err)
		}

		// An access token of the family is used: the store that saw it
		// shows it at once, another one once it is flushed.
		now = now.Add(5 * time.Minute)
		if _, _, err := s.Sessions.PrincipalForToken(ctx, user.ID, family); err != nil {
			t.Fatal(err)
		}
		used := now
		lastUse := func(st *sqlstore.Services) time.Time {
			t.Helper()
			page, err := st.Identity.Logins(me, igny8.PageRequest{})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range page.Items {
				if l.ID == family {
					return l.LastUsedAt
				}
			}
			t.Fatal("the family is not listed")
			return time.Time{}
		}
		other := sqlstore.New(db, sqlstore.ServiceOptions{})
		if got := lastUse(s); !got.Equal(used) {
			t.Fatalf("last use seen by its store: %v, want %v", got, used)
		}
		if got := lastUse(other); got.Equal(used) {
			t.Fatalf("another store sees the use before it is flushed: %v", got)
		}
		if err := s.Identity.FlushLoginUse(ctx); err != nil {
			t.Fatal(err)
		}
		if got := lastUse(other); !got.Equal(used) {
			t.Fatalf("last use after the flush: %v, want %v", got, used)
		}
		// An instance whose use is older writes nothing over it.
		now = used.Add(-3 * time.Minute)
		if _, _, err := other.Sessions.PrincipalForToken(ctx, user.ID, family); err != nil {
			t.Fatal(err)
		}
		if err := other.Identity.FlushLoginUse(ctx); err != nil {
			t.Fatal(err)
		}
		if got := lastUse(sqlstore.New(db, sqlstore.ServiceOptions{})); !got.Equal(used) {
			t.Fatalf("an older use overwrote the newer: %v, want %v", got, used)
		}
	})
}
