package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

func TestAPIKeyLifecycle(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		u := e.SignUp("Keyed")
		id, key := e.NewAPIKey(u.Token, map[string]any{"name": "ci"})
		if !strings.HasPrefix(key, "igny8_") || len(key) < 50 {
			t.Fatalf("key %q lacks the prefix or entropy", key)
		}
		if n := e.Count(`SELECT COUNT(*) FROM api_keys WHERE secret_hash = ? OR prefix = ?`, key, key); n != 0 {
			t.Fatal("the secret is stored in clear")
		}
		// Both headers work, and resolve to the account.
		for _, hdr := range [][]string{{"Authorization", "Bearer " + key}, {"X-API-Key", key}} {
			r := e.Do("GET", "/api/v1/account", nil, hdr...)
			if r.Status != http.StatusOK || r.Map(t)["id"] != u.AccountID {
				t.Fatalf("%s: %s", hdr[0], r)
			}
		}
		r := e.As(u.Token, "GET", "/api/v1/api-keys", nil)
		var list struct {
			Items []struct {
				ID, Name, Prefix, Role string
				SiteID                 *string `json:"site_id"`
				LastUsedAt             *string `json:"last_used_at"`
				Key                    *string `json:"key"`
			}
			NextCursor *string `json:"next_cursor"`
		}
		r.JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != id || list.Items[0].Role != "editor" || list.Items[0].Key != nil ||
			!strings.HasPrefix(key, list.Items[0].Prefix+"_") || list.Items[0].SiteID != nil {
			t.Fatalf("list: %s", r)
		}
		// Last use is buffered, not written per request; the flush writes it.
		if list.Items[0].LastUsedAt != nil {
			t.Fatalf("last_used_at written on the request path: %s", r)
		}
		if err := e.App.FlushAPIKeyUse(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := e.Count(`SELECT COUNT(*) FROM api_keys WHERE id = ? AND last_used_at IS NOT NULL`, id); n != 1 {
			t.Fatal("flush did not record the key's use")
		}
		// Revoked: refused at once.
		if r := e.As(u.Token, "DELETE", "/api/v1/api-keys/"+id, nil); r.Status != http.StatusNoContent {
			t.Fatalf("revoke: %s", r)
		}
		if r := e.Do("GET", "/api/v1/account", nil, "X-API-Key", key); r.Status != http.StatusUnauthorized {
			t.Fatalf("revoked key: %s", r)
		}
		if r := e.As(u.Token, "DELETE", "/api/v1/api-keys/"+id, nil); r.Status != http.StatusNotFound {
			t.Fatalf("revoke twice: %s", r)
		}
		if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE account_id = ? AND action IN ('api_key.created', 'api_key.revoked')`, u.AccountID); n != 2 {
			t.Fatalf("audit events = %d, want 2", n)
		}
	})
}

func TestAPIKeyRotationGrace(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		u := e.SignUp("Rotating")
		id, oldKey := e.NewAPIKey(u.Token, map[string]any{"name": "wordpress"})
		r := e.As(u.Token, "POST", "/api/v1/api-keys/"+id+"/rotate", nil)
		var rot struct {
			ID, Key, Prefix   string
			PreviousExpiresAt *string `json:"previous_expires_at"`
		}
		r.JSON(t, &rot)
		if r.Status != http.StatusOK || rot.ID != id || rot.Key == oldKey || rot.PreviousExpiresAt == nil ||
			!strings.HasPrefix(oldKey, rot.Prefix+"_") || !strings.HasPrefix(rot.Key, rot.Prefix+"_") {
			t.Fatalf("rotate: %s", r)
		}
		for _, k := range []string{oldKey, rot.Key} {
			if r := e.Do("GET", "/api/v1/account", nil, "X-API-Key", k); r.Status != http.StatusOK {
				t.Fatalf("within grace: %s", r)
			}
		}
		// Rotating with no grace retires the previous secret at once.
		r = e.As(u.Token, "POST", "/api/v1/api-keys/"+id+"/rotate", map[string]int{"grace_hours": 0})
		var rot2 struct{ Key string }
		r.JSON(t, &rot2)
		if r := e.Do("GET", "/api/v1/account", nil, "X-API-Key", rot.Key); r.Status != http.StatusUnauthorized {
			t.Fatalf("previous secret after a zero grace: %s", r)
		}
		if r := e.Do("GET", "/api/v1/account", nil, "X-API-Key", oldKey); r.Status != http.StatusUnauthorized {
			t.Fatalf("secret two rotations ago: %s", r)
		}
		if r := e.Do("GET", "/api/v1/account", nil, "X-API-Key", rot2.Key); r.Status != http.StatusOK {
			t.Fatalf("current secret: %s", r)
		}
		if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE action = 'api_key.rotated' AND target_id = ?`, id); n != 2 {
			t.Fatalf("rotation audit events = %d", n)
		}
	})
}

func TestAPIKeyValidationAndIsolation(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		a, other := e.SignUp("Alpha"), e.SignUp("Beta")
		foreign := e.AddSite(other.AccountID, "Beta blog")
		own := e.AddSite(a.AccountID, "Alpha blog")
		cases := []struct {
			body   map[string]any
			status int
			field  string
		}{
			{map[string]any{"name": ""}, 422, "name"},
			{map[string]any{"name": "x", "role": "owner"}, 422, "role"},
			{map[string]any{"name": "x", "expires_at": "2001-01-01T00:00:00Z"}, 422, "expires_at"},
			{map[string]any{"name": "x", "site_id": foreign}, 404, ""},
			{map[string]any{"name": "x", "site_id": "no-such-site"}, 404, ""},
		}
		for _, c := range cases {
			r := e.As(a.Token, "POST", "/api/v1/api-keys", c.body)
			if r.Status != c.status || (c.field != "" && !strings.Contains(string(r.Body), `"field":"`+c.field+`"`)) {
				t.Errorf("%v: %s", c.body, r)
			}
		}
		id, key := e.NewAPIKey(a.Token, map[string]any{"name": "wp", "site_id": own, "expires_at": "2999-01-01T00:00:00Z"})
		if r := e.Do("GET", "/api/v1/account", nil, "X-API-Key", key); r.Status != http.StatusOK {
			t.Fatalf("site-bound key: %s", r)
		}
		// Another account cannot see, revoke or rotate it.
		for _, req := range [][2]string{{"DELETE", "/api/v1/api-keys/" + id}, {"POST", "/api/v1/api-keys/" + id + "/rotate"}} {
			if r := e.As(other.Token, req[0], req[1], nil); r.Status != http.StatusNotFound {
				t.Errorf("%s by another account: %s", req, r)
			}
		}
		var list struct{ Items []any }
		e.As(other.Token, "GET", "/api/v1/api-keys", nil).JSON(t, &list)
		if len(list.Items) != 0 {
			t.Fatal("another account lists the key")
		}
		// A key whose site is deleted stops working; an expired key too.
		e.Exec(`UPDATE sites SET deleted_at = created_at WHERE id = ?`, own)
		if r := e.Do("GET", "/api/v1/account", nil, "X-API-Key", key); r.Status != http.StatusUnauthorized {
			t.Fatalf("key of a deleted site: %s", r)
		}
		id2, key2 := e.NewAPIKey(a.Token, map[string]any{"name": "short"})
		e.Exec(`UPDATE api_keys SET expires_at = created_at WHERE id = ?`, id2)
		if r := e.Do("GET", "/api/v1/account", nil, "Authorization", "Bearer "+key2); r.Status != http.StatusUnauthorized {
			t.Fatalf("expired key: %s", r)
		}
		for _, bad := range []string{"igny8_", "igny8_short", key2[:len(key2)-1] + "x", "igny8_ABCDEFGHIJKL_" + strings.Repeat("a", 43)} {
			if r := e.Do("GET", "/api/v1/account", nil, "X-API-Key", bad); r.Status != http.StatusUnauthorized {
				t.Errorf("malformed key %q: %s", bad, r)
			}
		}
	})
}

func TestAPIKeysPaginate(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0])
	u := e.SignUp("Many")
	for i := 0; i < 5; i++ {
		e.NewAPIKey(u.Token, map[string]any{"name": "k"})
	}
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; pages < 5; pages++ {
		var page struct {
			Items      []struct{ ID string }
			NextCursor *string `json:"next_cursor"`
		}
		e.As(u.Token, "GET", "/api/v1/api-keys?limit=2&cursor="+cursor, nil).JSON(t, &page)
		for _, k := range page.Items {
			seen[k.ID] = true
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	if len(seen) != 5 {
		t.Fatalf("paged through %d keys, want 5", len(seen))
	}
	if r := e.As(u.Token, "GET", "/api/v1/api-keys?limit=0", nil); r.Status != 422 {
		t.Fatalf("limit=0: %s", r)
	}
}

// TestAPIKeyUseFlushedAtShutdown: the buffered last use is written when
// the server stops.
func TestAPIKeyUseFlushedAtShutdown(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, storetest.Backends()[0])
	u := e.SignUp("Shutdown")
	id, key := e.NewAPIKey(u.Token, map[string]any{"name": "k"})
	if r := e.Do("GET", "/api/v1/account", nil, "X-API-Key", key); r.Status != http.StatusOK {
		t.Fatalf("use: %s", r)
	}
	if err := e.App.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.Open(context.Background(), e.Cfg.DatabaseURL, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var used *time.Time
	if err := db.SQL().QueryRow(`SELECT last_used_at FROM api_keys WHERE id = ?`, id).Scan(&used); err != nil || used == nil {
		t.Fatalf("last_used_at after shutdown = %v, %v", used, err)
	}
}
