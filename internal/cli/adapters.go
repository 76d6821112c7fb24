package cli

import (
	"context"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/api"
	"github.com/igny8/igny8/internal/auth"
	"github.com/igny8/igny8/internal/sqlstore"
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

// webSessions keeps web sessions in the store: it mints the opaque cookie
// token and the CSRF secret, and hands the store only the token's hash.
type webSessions struct {
	store *sqlstore.WebSessions
	ttl   time.Duration
}

var _ igny8.WebSessionService = webSessions{}

func (s webSessions) StartSession(ctx context.Context, userID string, client igny8.Client) (string, *igny8.WebSession, error) {
	token := auth.NewSecret(32)
	ws, err := s.store.CreateWebSession(ctx, userID, auth.HashSecret(token), auth.NewSecret(32), s.ttl, client)
	if err != nil {
		return "", nil, err
	}
	return token, ws, nil
}

func (s webSessions) ResolveSession(ctx context.Context, token string) (*igny8.Principal, igny8.GateInput, *igny8.WebSession, error) {
	if token == "" {
		return nil, igny8.GateInput{}, nil, igny8.Errorf(igny8.EUnauthenticated, "Authentication required.")
	}
	return s.store.WebSessionByHash(ctx, auth.HashSecret(token))
}

func (s webSessions) EndSession(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.store.RevokeWebSession(ctx, auth.HashSecret(token))
}

// secrets adapts the opaque-secret functions of auth to the API.
type secrets struct{}

func (secrets) NewToken() (string, string) { return auth.NewOpaqueToken() }

func (secrets) HashToken(token string) string { return auth.HashSecret(token) }

func (secrets) NewAPIKey() igny8.APIKeySecret { return auth.NewAPIKey("") }

func (secrets) ParseAPIKey(key string) (string, string, bool) { return auth.ParseAPIKey(key) }
