package api_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/auth"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

func refresh(t *testing.T, e *apptest.Env, token string) (*apptest.Response, tokenPair) {
	t.Helper()
	r := e.Do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": token})
	var p tokenPair
	if r.Status == http.StatusOK {
		r.JSON(t, &p)
	}
	return r, p
}

func TestRefreshRotatesAndReuseRevokesFamily(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		u := e.SignUp("Rotor")
		if u.RefreshToken == "" {
			t.Fatal("register answered no refresh token")
		}
		r, p1 := refresh(t, e, u.RefreshToken)
		if r.Status != http.StatusOK || p1.RefreshToken == "" || p1.RefreshToken == u.RefreshToken || p1.TokenType != "Bearer" {
			t.Fatalf("first refresh: %s", r)
		}
		if r := e.As(p1.AccessToken, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusOK {
			t.Fatalf("new access token: %s", r)
		}
		// The spent token again: refused, and the whole family is revoked.
		if r, _ := refresh(t, e, u.RefreshToken); r.Status != http.StatusUnauthorized || r.Code() != "unauthenticated" {
			t.Fatalf("reuse: %s", r)
		}
		if r, _ := refresh(t, e, p1.RefreshToken); r.Status != http.StatusUnauthorized {
			t.Fatalf("successor after reuse: %s", r)
		}
		for _, tok := range []string{u.Token, p1.AccessToken} {
			if r := e.As(tok, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusUnauthorized {
				t.Fatalf("access token of a revoked family: %s", r)
			}
		}
		// Another login is another family, untouched.
		r = e.Login(u.Email, u.Password)
		var p2 tokenPair
		r.JSON(t, &p2)
		if r, _ := refresh(t, e, p2.RefreshToken); r.Status != http.StatusOK {
			t.Fatalf("fresh login refresh: %s", r)
		}
		if n := e.Count(`SELECT COUNT(*) FROM refresh_tokens WHERE token_hash = ?`, u.RefreshToken); n != 0 {
			t.Fatal("a refresh token is stored in clear")
		}
		for _, bad := range []string{"", "garbage"} {
			if r, _ := refresh(t, e, bad); r.Status/100 != 4 {
				t.Fatalf("refresh %q: %s", bad, r)
			}
		}
	})
}

func TestLogoutEndsTheLogin(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		u := e.SignUp("Leaver")
		other := e.Login(u.Email, u.Password)
		var second tokenPair
		other.JSON(t, &second)
		if r := e.As(u.Token, "POST", "/api/v1/auth/logout", nil); r.Status != http.StatusNoContent {
			t.Fatalf("logout: %s", r)
		}
		if r := e.As(u.Token, "GET", "/api/v1/account", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("access token after logout: %s", r)
		}
		if r, _ := refresh(t, e, u.RefreshToken); r.Status != http.StatusUnauthorized {
			t.Fatalf("refresh after logout: %s", r)
		}
		if r := e.As(second.AccessToken, "GET", "/api/v1/account", nil); r.Status != http.StatusOK {
			t.Fatalf("the other login must survive: %s", r)
		}
	})
}

// signWith signs claims with the env's current signing key, or with
// another key when priv is given.
func signWith(t *testing.T, e *apptest.Env, claims jwt.Claims, kid string, priv ed25519.PrivateKey) string {
	t.Helper()
	keys, err := sqlstore.NewSigningKeys(e.App.DB(), nil).SigningKeys(context.Background(), time.Time{})
	if err != nil || len(keys) == 0 {
		t.Fatalf("signing keys: %v", err)
	}
	if priv == nil {
		priv = ed25519.NewKeyFromSeed(keys[0].PrivateKey)
	}
	if kid == "" {
		kid = keys[0].ID
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tok.Header["kid"] = kid
	if kid == "-" {
		delete(tok.Header, "kid")
	}
	s, err := tok.SignedString(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAccessTokensThatMustFail(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		u := e.SignUp("Forger")
		good, _, err := jwt.NewParser().ParseUnverified(u.Token, &auth.Claims{})
		if err != nil {
			t.Fatal(err)
		}
		base := *good.Claims.(*auth.Claims)
		at := func(d time.Duration) *jwt.NumericDate { return jwt.NewNumericDate(time.Now().Add(d)) }
		_, otherKey, _ := ed25519.GenerateKey(rand.Reader)

		expired := base
		expired.IssuedAt, expired.NotBefore, expired.ExpiresAt = at(-time.Hour), at(-time.Hour), at(-10*time.Minute)
		wrongAud := base
		wrongAud.Audience = jwt.ClaimStrings{"someone-else"}
		header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
		payload := strings.Split(u.Token, ".")[1]
		parts := strings.Split(u.Token, ".")

		cases := map[string]string{
			"expired":         signWith(t, e, expired, "", nil),
			"wrong signature": signWith(t, e, base, "", otherKey),
			"unknown kid":     signWith(t, e, base, "no-such-key", otherKey),
			"no kid":          signWith(t, e, base, "-", nil),
			"alg none":        header + "." + payload + ".",
			"wrong audience":  signWith(t, e, wrongAud, "", nil),
			"tampered":        parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"x"}`)) + "." + parts[2],
		}
		if r := e.As(signWith(t, e, base, "", nil), "GET", "/api/v1/auth/me", nil); r.Status != http.StatusOK {
			t.Fatalf("control token re-signed with the real key: %s", r)
		}
		for name, tok := range cases {
			if r := e.As(tok, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusUnauthorized || r.Code() != "unauthenticated" {
				t.Errorf("%s: %s", name, r)
			}
		}
	})
}

func TestKeyRotationKeepsOldTokensValid(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0])
	u := e.SignUp("Rotation")
	if code, out, errOut := e.CLI("keys", "rotate"); code != 0 {
		t.Fatalf("keys rotate: %s %s", out, errOut)
	}
	if r := e.As(u.Token, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusOK {
		t.Fatalf("token of the old key after rotation: %s", r)
	}
	r := e.Do("GET", "/.well-known/jwks.json", nil)
	var jwks struct{ Keys []map[string]string }
	r.JSON(t, &jwks)
	if len(jwks.Keys) < 1 {
		t.Fatalf("jwks: %s", r)
	}
	// A token signed by the new key (picked up on an unknown kid) verifies.
	keys, _ := sqlstore.NewSigningKeys(e.App.DB(), nil).SigningKeys(context.Background(), time.Time{})
	if len(keys) != 2 || keys[0].RetiredAt != nil || keys[1].RetiredAt == nil {
		t.Fatalf("after rotation: %d keys", len(keys))
	}
	claims, _, _ := jwt.NewParser().ParseUnverified(u.Token, &auth.Claims{})
	time.Sleep(1100 * time.Millisecond) // the key set reloads on an unknown kid at most every second
	if r := e.As(signWith(t, e, claims.Claims, "", nil), "GET", "/api/v1/auth/me", nil); r.Status != http.StatusOK {
		t.Fatalf("token of the new key: %s", r)
	}
}

// TestConcurrentRefreshWithOneToken: racing refreshes of one token; one
// may win, every other is a reuse, which revokes the family (the winner's
// new tokens included).
func TestConcurrentRefreshWithOneToken(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		u := e.SignUp("Racer")
		const n = 6
		var wg sync.WaitGroup
		results := make([]tokenPair, n)
		statuses := make([]int, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				r := e.Do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": u.RefreshToken})
				statuses[i] = r.Status
				if r.Status == http.StatusOK {
					r.JSON(t, &results[i])
				}
			}(i)
		}
		wg.Wait()
		wins := 0
		for i, s := range statuses {
			switch s {
			case http.StatusOK:
				wins++
				if r, _ := refresh(t, e, results[i].RefreshToken); r.Status != http.StatusUnauthorized {
					t.Errorf("the winner's token survived the reuse: %s", r)
				}
			case http.StatusUnauthorized:
			default:
				t.Errorf("status %d", s)
			}
		}
		if wins > 1 {
			t.Fatalf("%d refreshes of one token succeeded", wins)
		}
	})
}
