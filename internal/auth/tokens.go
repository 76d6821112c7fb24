package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/igny8/igny8"
)

// Issuer and audience of igny8 access tokens.
const (
	Issuer   = "igny8"
	Audience = "igny8-api"
)

// Claims are an access token's claims.
type Claims struct {
	jwt.RegisteredClaims
	AccountID string `json:"acc,omitempty"`
	Role      string `json:"role"`
	SessionID string `json:"sid,omitempty"`
}

// Keys signs and verifies access tokens with Ed25519 keys kept in a
// SigningKeyStore, so that restarts and other instances accept each
// other's tokens. It reloads the key set now and then, and at once when it
// meets an unknown key id (at most every few seconds).
type Keys struct {
	store igny8.SigningKeyStore
	ttl   time.Duration
	now   func() time.Time

	mu       sync.RWMutex
	signing  *igny8.SigningKey
	verify   map[string]ed25519.PublicKey
	loadedAt time.Time

	// verified remembers tokens whose signature and claims checked out, until
	// they expire: a signed token never changes, so this cannot go stale.
	// What the token's holder may do (user, account, revoked session) is
	// read fresh on every request by the caller, never from here.
	vmu      sync.RWMutex
	verified map[[32]byte]Claims // by SHA-256 of the token
}

// maxVerified bounds the verified tokens remembered; when full it starts over.
const maxVerified = 10_000

// NewKeys loads the key set, creating the first key when there is none.
// ttl is the access token lifetime.
func NewKeys(ctx context.Context, store igny8.SigningKeyStore, ttl time.Duration) (*Keys, error) {
	k := &Keys{store: store, ttl: ttl, now: time.Now}
	if err := k.reload(ctx); err != nil {
		return nil, err
	}
	if k.signing == nil {
		if err := k.Rotate(ctx); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// SigningKeyID names the key that signs new tokens.
func (k *Keys) SigningKeyID() string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.signing == nil {
		return ""
	}
	return k.signing.ID
}

// TTL is the access token lifetime.
func (k *Keys) TTL() time.Duration { return k.ttl }

// Rotate makes a new signing key; the old ones keep verifying until the
// tokens they signed have expired.
func (k *Keys) Rotate(ctx context.Context) error {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	key := igny8.SigningKey{ID: uuid.Must(uuid.NewV7()).String(), Algorithm: "EdDSA",
		PrivateKey: priv.Seed(), PublicKey: pub, CreatedAt: k.now().UTC()}
	if err := k.store.AddSigningKey(ctx, key); err != nil {
		return fmt.Errorf("store signing key: %w", err)
	}
	return k.reload(ctx)
}

func (k *Keys) reload(ctx context.Context) error {
	keys, err := k.store.SigningKeys(ctx, k.now().Add(-k.ttl-time.Minute))
	if err != nil {
		return fmt.Errorf("load signing keys: %w", err)
	}
	verify := make(map[string]ed25519.PublicKey, len(keys))
	var signing *igny8.SigningKey
	for i := range keys {
		verify[keys[i].ID] = ed25519.PublicKey(keys[i].PublicKey)
		if signing == nil && keys[i].RetiredAt == nil {
			signing = &keys[i]
		}
	}
	k.mu.Lock()
	k.verify, k.signing, k.loadedAt = verify, signing, k.now()
	k.mu.Unlock()
	return nil
}

// Refresh reloads the key set when it is older than a minute; the server
// calls it periodically so that a rotation elsewhere is picked up.
func (k *Keys) Refresh(ctx context.Context) error { return k.reload(ctx) }

// Issue signs an access token for p (a person) and returns it with its expiry.
func (k *Keys) Issue(p *igny8.Principal) (string, time.Time, error) {
	k.mu.RLock()
	sk := k.signing
	k.mu.RUnlock()
	if sk == nil {
		return "", time.Time{}, errors.New("no signing key")
	}
	now := k.now()
	exp := now.Add(k.ttl)
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: Issuer, Subject: p.UserID, Audience: jwt.ClaimStrings{Audience},
			ExpiresAt: jwt.NewNumericDate(exp), IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
			ID: uuid.NewString()},
		AccountID: p.AccountID, Role: string(p.Role), SessionID: p.SessionID,
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tok.Header["kid"] = sk.ID
	s, err := tok.SignedString(ed25519.NewKeyFromSeed(sk.PrivateKey))
	return s, exp, err
}

// ClockSkew is how far past its exp (or before its iat) an access token is
// still accepted, for clocks of instances that disagree a little.
const ClockSkew = 5 * time.Second

// Verify checks an access token's signature, algorithm, issuer, audience
// and lifetime (give or take ClockSkew) and returns its claims. Any
// failure is unauthenticated. A token that verified is remembered until it
// expires (see verified).
func (k *Keys) Verify(ctx context.Context, token string) (*Claims, error) {
	now := k.now()
	sum := sha256.Sum256([]byte(token))
	k.vmu.RLock()
	c, ok := k.verified[sum]
	k.vmu.RUnlock()
	if ok && now.Before(c.ExpiresAt.Time) {
		return &c, nil
	}
	claims, err := k.check(ctx, token)
	if err != nil {
		return nil, err
	}
	k.vmu.Lock()
	if k.verified == nil || len(k.verified) >= maxVerified {
		k.verified = make(map[[32]byte]Claims)
	}
	k.verified[sum] = *claims
	k.vmu.Unlock()
	return claims, nil
}

// check verifies token's signature and claims.
func (k *Keys) check(ctx context.Context, token string) (*Claims, error) {
	var claims Claims
	_, err := jwt.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return k.publicKey(ctx, kid)
	}, jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithIssuer(Issuer), jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(ClockSkew),
		jwt.WithTimeFunc(k.now))
	if err != nil || claims.Subject == "" {
		return nil, igny8.Errorf(igny8.EUnauthenticated, "The access token is invalid or has expired.")
	}
	return &claims, nil
}

func (k *Keys) publicKey(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	k.mu.RLock()
	pub, ok := k.verify[kid]
	stale := k.now().Sub(k.loadedAt) > time.Second
	k.mu.RUnlock()
	if ok {
		return pub, nil
	}
	if kid == "" || !stale {
		return nil, errors.New("unknown key id")
	}
	if err := k.reload(ctx); err != nil {
		return nil, err
	}
	k.mu.RLock()
	pub, ok = k.verify[kid]
	k.mu.RUnlock()
	if !ok {
		return nil, errors.New("unknown key id")
	}
	return pub, nil
}

// JWK is one public key in a JSON Web Key Set.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// JWKS returns the public keys that verify tokens now.
func (k *Keys) JWKS() map[string][]JWK {
	k.mu.RLock()
	defer k.mu.RUnlock()
	keys := make([]JWK, 0, len(k.verify))
	for kid, pub := range k.verify {
		keys = append(keys, JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub),
			Kid: kid, Alg: "EdDSA", Use: "sig"})
	}
	return map[string][]JWK{"keys": keys}
}
