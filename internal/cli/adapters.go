package cli

import (
	"context"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/api"
	"github.com/igny8/igny8/internal/auth"
)

// tokens adapts auth.Keys to what the API needs.
type tokens struct{ keys *auth.Keys }

func (t tokens) Issue(p *igny8.Principal) (string, time.Time, error) { return t.keys.Issue(p) }

func (t tokens) Verify(ctx context.Context, token string) (api.TokenClaims, error) {
	c, err := t.keys.Verify(ctx, token)
	if err != nil {
		return api.TokenClaims{}, err
	}
	return api.TokenClaims{UserID: c.Subject, SessionID: c.SessionID}, nil
}

func (t tokens) JWKS() any { return t.keys.JWKS() }

// secrets adapts the opaque-secret functions of auth to the API.
type secrets struct{}

func (secrets) NewToken() (string, string) { return auth.NewOpaqueToken() }

func (secrets) HashToken(token string) string { return auth.HashSecret(token) }

func (secrets) NewAPIKey() igny8.APIKeySecret { return auth.NewAPIKey("") }

func (secrets) ParseAPIKey(key string) (string, string, bool) { return auth.ParseAPIKey(key) }
