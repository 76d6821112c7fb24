package api

import (
	"crypto/sha256"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/igny8/igny8"
)

// DefaultAuthCacheTTL is how long a resolved credential is reused. It keeps
// a suspension, a revoked key or a removed user effective on every other
// instance within 5 seconds (docs/design.md section 4 rule 2): this TTL plus one
// request.
const DefaultAuthCacheTTL = 2 * time.Second

// authCacheMax bounds the entries; a full cache starts over.
const authCacheMax = 50_000

// authCache remembers, for a short time, what a credential resolved to (the
// principal and its account's gate input), so that a busy client costs
// neither a signature check nor a database read on every request. The gate
// itself still runs on every request with the current time.
//
// The instance that changes who may do what sees the change at once: a
// request that may change it (see invalidates) runs between begin and end,
// while no entry is read or written, and end drops every entry. A
// generation number keeps a lookup that started before such a change from
// storing what it read.
type authCache struct {
	ttl time.Duration

	mu      sync.RWMutex
	gen     uint64
	writers int
	entries map[[32]byte]authEntry
}

type authEntry struct {
	p     igny8.Principal
	gate  igny8.GateInput
	until time.Time
}

func newAuthCache(ttl time.Duration) *authCache {
	return &authCache{ttl: ttl, entries: map[[32]byte]authEntry{}}
}

// get returns the live entry of key and the generation to store under.
func (c *authCache) get(key [32]byte, now time.Time) (authEntry, uint64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.writers > 0 {
		return authEntry{}, c.gen, false
	}
	e, ok := c.entries[key]
	return e, c.gen, ok && now.Before(e.until)
}

// put stores e unless a change began since gen was read.
func (c *authCache) put(key [32]byte, e authEntry, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.writers > 0 || c.gen != gen {
		return
	}
	if len(c.entries) >= authCacheMax {
		clear(c.entries)
	}
	c.entries[key] = e
}

// begin marks a change in flight: until end, lookups miss and store nothing.
func (c *authCache) begin() {
	c.mu.Lock()
	c.writers++
	c.gen++
	c.mu.Unlock()
}

// end drops every entry, so the next lookups read the changed rows.
func (c *authCache) end() {
	c.mu.Lock()
	c.writers--
	c.gen++
	clear(c.entries)
	c.mu.Unlock()
}

// credentialKey digests the credential headers of r. Requests carrying a
// cookie are not cached (ok false): the cookie may be the credential.
func credentialKey(r *http.Request) (key [32]byte, ok bool) {
	authz, apiKey := r.Header.Get("Authorization"), r.Header.Get("X-API-Key")
	if (authz == "" && apiKey == "") || r.Header.Get("Cookie") != "" {
		return key, false
	}
	return sha256.Sum256([]byte(authz + "\x00" + apiKey)), true
}

// authenticateCached is authenticate with the cache in front of it.
func (h *Handler) authenticateCached(r *http.Request) (*igny8.Principal, igny8.GateInput, error) {
	key, ok := credentialKey(r)
	if !ok || h.auth == nil {
		p, gate, _, err := h.authenticate(r)
		return p, gate, err
	}
	now := h.Now()
	e, gen, hit := h.auth.get(key, now)
	if hit {
		p := e.p
		return &p, e.gate, nil
	}
	p, gate, tokenUntil, err := h.authenticate(r)
	if err == nil && p != nil {
		until := now.Add(h.auth.ttl)
		if !tokenUntil.IsZero() && tokenUntil.Before(until) {
			until = tokenUntil // an expired access token is never served from the cache
		}
		h.auth.put(key, authEntry{p: *p, gate: gate, until: until}, gen)
	}
	return p, gate, err
}

// invalidates reports whether a request may change what a credential
// resolves to (a user's role or removal, a key's revocation, an account's
// status or plan, a session's end), so that it must run between begin and
// end of the cache. Reads, AI operations, site edits, sign-up and login
// change no principal.
func invalidates(rt route) bool {
	switch {
	case rt.method == http.MethodGet || rt.method == http.MethodHead:
		return false
	case rt.access == tenant && (rt.action == igny8.ActRunAI || rt.action == igny8.ActEditSites):
		return false
	case rt.access == public && (strings.HasSuffix(rt.path, "/auth/register") || strings.HasSuffix(rt.path, "/auth/login")):
		return false
	}
	return true
}

// GuardPages wraps the handler of everything served beside the API (the
// web pages): their state-changing requests (an administrator suspending
// an account from the admin pages, an owner revoking a key) run like API
// requests that may change a principal, so the credential cache is
// bypassed while they run and emptied after. API routes guard themselves.
func (h *Handler) GuardPages(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.auth != nil && r.Method != http.MethodGet && r.Method != http.MethodHead &&
			!strings.HasPrefix(r.URL.Path, "/api/") {
			h.auth.begin()
			defer h.auth.end()
		}
		next.ServeHTTP(w, r)
	})
}
