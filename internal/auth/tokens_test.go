package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/igny8/igny8"
)

// memKeys is a SigningKeyStore in memory.
type memKeys struct {
	mu   sync.Mutex
	keys []igny8.SigningKey
}

func (m *memKeys) SigningKeys(_ context.Context, since time.Time) ([]igny8.SigningKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []igny8.SigningKey
	for i := len(m.keys) - 1; i >= 0; i-- {
		if k := m.keys[i]; k.RetiredAt == nil || k.RetiredAt.After(since) {
			out = append(out, k)
		}
	}
	return out, nil
}

func (m *memKeys) AddSigningKey(_ context.Context, k igny8.SigningKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.keys {
		if m.keys[i].RetiredAt == nil {
			at := k.CreatedAt
			m.keys[i].RetiredAt = &at
		}
	}
	m.keys = append(m.keys, k)
	return nil
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newTestKeys(t *testing.T) (*Keys, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	k := &Keys{store: &memKeys{}, ttl: 15 * time.Minute, now: c.now}
	if err := k.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return k, c
}

var person = &igny8.Principal{Kind: igny8.CredentialJWT, UserID: "user-1", AccountID: "acct-1", Role: igny8.RoleOwner, SessionID: "fam-1"}

func TestTokenRoundTrip(t *testing.T) {
	k, _ := newTestKeys(t)
	tok, _, err := k.Issue(person)
	if err != nil {
		t.Fatal(err)
	}
	c, err := k.Verify(context.Background(), tok)
	if err != nil || c.Subject != "user-1" || c.SessionID != "fam-1" || c.AccountID != "acct-1" {
		t.Fatalf("Verify = %+v, %v", c, err)
	}
}

func TestTokensThatMustNotVerify(t *testing.T) {
	k, c := newTestKeys(t)
	good, _, _ := k.Issue(person)
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	parts := strings.Split(good, ".")
	sign := func(claims jwt.Claims, kid string, key any, method jwt.SigningMethod) string {
		tok := jwt.NewWithClaims(method, claims)
		if kid != "" {
			tok.Header["kid"] = kid
		}
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	kid := k.SigningKeyID()
	claimsAt := func(iss string) Claims {
		now := c.t
		return Claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: iss, Subject: "user-1", Audience: jwt.ClaimStrings{Audience},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute))}, SessionID: "fam-1"}
	}
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"` + kid + `"}`))
	cases := map[string]string{
		"alg none":        none + "." + parts[1] + ".",
		"wrong signature": sign(claimsAt(Issuer), kid, otherPriv, jwt.SigningMethodEdDSA),
		"unknown kid":     sign(claimsAt(Issuer), "other-kid", otherPriv, jwt.SigningMethodEdDSA),
		"no kid":          sign(claimsAt(Issuer), "", otherPriv, jwt.SigningMethodEdDSA),
		"HS256 with public key": sign(claimsAt(Issuer), kid, []byte(base64.StdEncoding.EncodeToString([]byte("x"))),
			jwt.SigningMethodHS256),
		"other issuer": sign(claimsAt("evil"), kid, ed25519.NewKeyFromSeed(k.signing.PrivateKey), jwt.SigningMethodEdDSA),
		"garbage":      "a.b.c",
	}
	for name, tok := range cases {
		if _, err := k.Verify(context.Background(), tok); igny8.ErrorCode(err) != igny8.EUnauthenticated {
			t.Errorf("%s: Verify = %v, want unauthenticated", name, err)
		}
	}
	// A token verified while valid is remembered, but never past its expiry,
	// and a copy with another signature is checked on its own.
	if _, err := k.Verify(context.Background(), good); err != nil {
		t.Fatalf("good token: %v", err)
	}
	resigned := parts[0] + "." + parts[1] + "." + strings.Split(sign(claimsAt(Issuer), kid, otherPriv, jwt.SigningMethodEdDSA), ".")[2]
	if _, err := k.Verify(context.Background(), resigned); igny8.ErrorCode(err) != igny8.EUnauthenticated {
		t.Errorf("good claims, other signature: Verify = %v", err)
	}
	c.t = c.t.Add(16 * time.Minute) // past the 15-minute lifetime and the 5 s leeway
	if _, err := k.Verify(context.Background(), good); igny8.ErrorCode(err) != igny8.EUnauthenticated {
		t.Errorf("expired: Verify = %v", err)
	}
}

// TestExpiredTokenLeewayIsAtMostFiveSeconds: a token is accepted up to 5 s
// after its exp for clock skew, and refused from then on (it was 30 s).
func TestExpiredTokenLeewayIsAtMostFiveSeconds(t *testing.T) {
	k, c := newTestKeys(t)
	tok, exp, err := k.Issue(person)
	if err != nil {
		t.Fatal(err)
	}
	exp = exp.Truncate(time.Second) // the exp claim counts whole seconds
	c.t = exp.Add(5*time.Second - time.Millisecond)
	if _, err := k.Verify(context.Background(), tok); err != nil {
		t.Fatalf("just under 5 s after exp: Verify = %v, want accepted", err)
	}
	for _, late := range []time.Duration{5 * time.Second, 6 * time.Second, 29 * time.Second} {
		c.t = exp.Add(late)
		if _, err := k.Verify(context.Background(), tok); igny8.ErrorCode(err) != igny8.EUnauthenticated {
			t.Errorf("%v after exp: Verify = %v, want unauthenticated", late, err)
		}
	}
}

func TestRotationKeepsOldKeyUntilItsTokensExpire(t *testing.T) {
	k, c := newTestKeys(t)
	old, _, _ := k.Issue(person)
	oldKid := k.SigningKeyID()
	if err := k.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if k.SigningKeyID() == oldKid {
		t.Fatal("rotation did not change the signing key")
	}
	fresh, _, _ := k.Issue(person)
	for _, tok := range []string{old, fresh} {
		if _, err := k.Verify(context.Background(), tok); err != nil {
			t.Fatalf("after rotation: %v", err)
		}
	}
	if n := len(k.JWKS()["keys"]); n != 2 {
		t.Fatalf("JWKS has %d keys, want both", n)
	}
	// Once every token of the old key has expired, it is dropped.
	c.t = c.t.Add(20 * time.Minute)
	if err := k.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(k.JWKS()["keys"]); n != 1 {
		t.Fatalf("JWKS has %d keys after the old key's tokens expired, want 1", n)
	}
}

func TestAPIKeyFormat(t *testing.T) {
	s := NewAPIKey("")
	if !strings.HasPrefix(s.Key, igny8.APIKeyPrefix) || len(s.Prefix) != len(igny8.APIKeyPrefix)+lookupLen || s.Hash == "" ||
		strings.Contains(s.Hash, s.Secret) {
		t.Fatalf("minted %+v", s)
	}
	prefix, hash, ok := ParseAPIKey(s.Key)
	if !ok || prefix != s.Prefix || hash != s.Hash {
		t.Fatalf("ParseAPIKey = %q %q %v", prefix, hash, ok)
	}
	if NewAPIKey("").Key == s.Key || NewAPIKey("").Prefix == s.Prefix {
		t.Fatal("two keys alike")
	}
	for _, bad := range []string{"", "igny8_", "igny8_abc", "other_" + s.Key[6:], s.Key[:20], "igny8_ABCDEFGHIJKL_" + s.Secret} {
		if _, _, ok := ParseAPIKey(bad); ok {
			t.Errorf("ParseAPIKey(%q) accepted", bad)
		}
	}
}
