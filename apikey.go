package igny8

import (
	"context"
	"time"
)

// APIKeyPrefix starts every API key, so that a key is told apart from an
// access token and recognised by secret scanners.
const APIKeyPrefix = "igny8_"

// DefaultAPIKeyGrace is how long the previous secret of a rotated key
// keeps working, so that a WordPress site can be updated without downtime.
const DefaultAPIKeyGrace = 24 * time.Hour

// APIKey is a credential for programs (the WordPress plugin, scripts). It
// acts with its role inside its account, limited to its site when it is
// site-bound. Only its prefix and the hash of its secret are stored.
type APIKey struct {
	ID                string     `json:"id"`
	Name              string     `json:"name"`
	Prefix            string     `json:"prefix"`
	SiteID            *string    `json:"site_id"`
	Role              Role       `json:"role"`
	CreatedBy         string     `json:"created_by"`
	CreatedAt         time.Time  `json:"created_at"`
	LastUsedAt        *time.Time `json:"last_used_at"`
	ExpiresAt         *time.Time `json:"expires_at"`
	PreviousExpiresAt *time.Time `json:"previous_expires_at,omitempty"`
	RevokedAt         *time.Time `json:"revoked_at,omitempty"`
}

// NewAPIKey is the form that creates an API key. Role defaults to editor.
type NewAPIKey struct {
	Name      string     `json:"name" max:"100"`
	SiteID    *string    `json:"site_id,omitempty" max:"36"`
	Role      Role       `json:"role,omitempty" max:"20"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// APIKeySecret is a freshly minted key, Prefix + "_" + Secret: Key is
// shown to its maker once, Prefix finds it again, and only Hash (of the
// secret part) is stored. A rotation keeps the prefix and changes the
// secret.
type APIKeySecret struct {
	Key    string
	Prefix string
	Secret string
	Hash   string
}

// KeyWithPrefix is the full key of this secret under another prefix (a
// rotated key keeps its stored prefix).
func (s APIKeySecret) KeyWithPrefix(prefix string) string { return prefix + "_" + s.Secret }

// APIKeyRoles are the roles a key may carry: no key can own an account.
func APIKeyRoles() []Role { return []Role{RoleAdmin, RoleEditor, RoleViewer} }

// APIKeyService manages the API keys of the principal's account and
// resolves presented keys.
type APIKeyService interface {
	// CreateAPIKey stores a new key with secret's prefix and hash.
	// Errors: validation_failed, not_found (site of another account).
	CreateAPIKey(ctx context.Context, in NewAPIKey, secret APIKeySecret) (*APIKey, error)
	// ListAPIKeys pages through the account's live (unrevoked) keys.
	ListAPIKeys(ctx context.Context, page PageRequest) (Page[APIKey], error)
	// RevokeAPIKey revokes a key at once. Errors: not_found.
	RevokeAPIKey(ctx context.Context, id string) error
	// RotateAPIKey gives the key a new secret hash; the old secret keeps
	// working for grace. Errors: not_found.
	RotateAPIKey(ctx context.Context, id, newHash string, grace time.Duration) (*APIKey, error)
	// PrincipalForAPIKey resolves a presented key (by prefix and hash) into
	// its principal and its account's gate input, and records its use
	// without a database write per request. Errors: unauthenticated.
	PrincipalForAPIKey(ctx context.Context, prefix, hash string) (*Principal, GateInput, error)
}
