package api

import (
	"context"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8"
)

func TestAuthCacheChangeInFlight(t *testing.T) {
	c := newAuthCache(time.Minute)
	key := sha256.Sum256([]byte("Bearer a"))
	now := time.Now()
	entry := authEntry{p: igny8.Principal{UserID: "u", AccountID: "a"}, gate: igny8.GateInput{Status: "active"}, until: now.Add(time.Minute)}

	_, gen, _ := c.get(key, now)
	c.put(key, entry, gen)
	if _, _, hit := c.get(key, now); !hit {
		t.Fatal("a stored entry should be found")
	}
	if _, _, hit := c.get(key, now.Add(2*time.Minute)); hit {
		t.Fatal("an expired entry should miss")
	}

	// A lookup that read before a change must not store what it read.
	_, stale, _ := c.get(key, now)
	c.begin()
	if _, _, hit := c.get(key, now); hit {
		t.Fatal("lookups must miss while a change is in flight")
	}
	c.put(key, entry, stale)
	_, during, _ := c.get(key, now)
	c.put(key, entry, during)
	c.end()
	if _, _, hit := c.get(key, now); hit {
		t.Fatal("end must drop every entry, and puts during or before the change must not land")
	}
	c.put(key, entry, stale)
	if _, _, hit := c.get(key, now); hit {
		t.Fatal("a put with the generation of before the change must not land after it")
	}
}

func TestAuthCacheConcurrent(t *testing.T) {
	c := newAuthCache(time.Minute)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				key := sha256.Sum256([]byte{byte(g), byte(i)})
				if i%100 == 0 {
					c.begin()
					c.end()
				}
				_, gen, hit := c.get(key, time.Now())
				if !hit {
					c.put(key, authEntry{until: time.Now().Add(time.Minute)}, gen)
				}
			}
		}(g)
	}
	wg.Wait()
	if c.writers != 0 {
		t.Fatalf("writers = %d after every change ended", c.writers)
	}
}

func TestCredentialKey(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if _, ok := credentialKey(r); ok {
		t.Error("a request without credentials has no key")
	}
	r.Header.Set("Authorization", "Bearer a")
	k1, ok := credentialKey(r)
	if !ok {
		t.Fatal("a bearer request has a key")
	}
	r2 := httptest.NewRequest("GET", "/", nil)
	r2.Header.Set("X-API-Key", "Bearer a")
	if k2, _ := credentialKey(r2); k1 == k2 {
		t.Error("the same text in another header must give another key")
	}
	r.Header.Set("Cookie", "s=1")
	if _, ok := credentialKey(r); ok {
		t.Error("requests with cookies are not cached")
	}
}

func TestInvalidates(t *testing.T) {
	for _, c := range []struct {
		rt   route
		want bool
	}{
		{route{method: http.MethodGet, access: admin}, false},
		{route{method: http.MethodPost, access: admin}, true},
		{route{method: http.MethodPost, access: tenant, action: igny8.ActManageUsers}, true},
		{route{method: http.MethodDelete, access: tenant, action: igny8.ActManageAPIKeys}, true},
		{route{method: http.MethodPost, access: tenant, action: igny8.ActRunAI}, false},
		{route{method: http.MethodPatch, access: tenant, action: igny8.ActEditSites}, false},
		{route{method: http.MethodPost, access: public, path: "/api/v1/auth/login"}, false},
		{route{method: http.MethodPost, access: person, path: "/api/v1/auth/logout"}, true},
	} {
		if got := invalidates(c.rt); got != c.want {
			t.Errorf("invalidates(%s %v %s) = %v, want %v", c.rt.method, c.rt.access, c.rt.action, got, c.want)
		}
	}
}

func TestGuardPages(t *testing.T) {
	h := &Handler{auth: newAuthCache(time.Minute)}
	key := sha256.Sum256([]byte("k"))
	fill := func() {
		_, gen, _ := h.auth.get(key, time.Now())
		h.auth.put(key, authEntry{until: time.Now().Add(time.Minute)}, gen)
	}
	var during bool
	guarded := h.GuardPages(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _, during = h.auth.get(key, time.Now())
	}))
	for _, c := range []struct {
		method, path string
		flushed      bool
	}{
		{"GET", "/admin/accounts", false},
		{"POST", "/admin/accounts/x/suspend", true},
		{"POST", "/api/v1/admin/accounts/x/suspend", false}, // the API guards its own routes
	} {
		fill()
		guarded.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(c.method, c.path, nil))
		_, _, after := h.auth.get(key, time.Now())
		if after == c.flushed || during == c.flushed {
			t.Errorf("%s %s: hit during %v, after %v; want flushed %v", c.method, c.path, during, after, c.flushed)
		}
	}
}

// expiringTokens verifies one token until a fixed instant of a fake clock.
type expiringTokens struct {
	Tokens
	now   *time.Time
	until time.Time
	calls int
}

func (f *expiringTokens) Verify(context.Context, string) (TokenClaims, error) {
	f.calls++
	if !f.now.Before(f.until) {
		return TokenClaims{}, igny8.Errorf(igny8.EUnauthenticated, "expired")
	}
	return TokenClaims{UserID: "u", SessionID: "s", AcceptedUntil: f.until}, nil
}

type oneSession struct{ igny8.SessionService }

func (oneSession) PrincipalForToken(context.Context, string, string) (*igny8.Principal, igny8.GateInput, error) {
	return &igny8.Principal{UserID: "u", AccountID: "a", Role: igny8.RoleOwner}, igny8.GateInput{Status: "active"}, nil
}

// TestAuthCacheNeverOutlivesTheToken: an access token resolved just before
// it stops verifying is not served from the cache after that, however long
// the cache's TTL.
func TestAuthCacheNeverOutlivesTheToken(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	tokens := &expiringTokens{now: &now, until: now.Add(time.Second)}
	h := NewHandler(Deps{Tokens: tokens, Sessions: oneSession{}, Now: func() time.Time { return now },
		Config: Config{AuthCacheTTL: time.Minute}})
	r := httptest.NewRequest("GET", "/api/v1/account", nil)
	r.Header.Set("Authorization", "Bearer a.b.c")
	if p, _, err := h.authenticateCached(r); err != nil || p == nil {
		t.Fatalf("a valid token: %v, %v", p, err)
	}
	now = now.Add(500 * time.Millisecond)
	if _, _, err := h.authenticateCached(r); err != nil || tokens.calls != 1 {
		t.Fatalf("within the token's life: %v after %d verifications, want a cache hit", err, tokens.calls)
	}
	now = now.Add(500 * time.Millisecond)
	if p, _, err := h.authenticateCached(r); igny8.ErrorCode(err) != igny8.EUnauthenticated || p != nil {
		t.Fatalf("once the token stops verifying: %v, %v; want unauthenticated, not the cached principal", p, err)
	}
}
