package cli

import (
	"context"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/api"
	"github.com/igny8/igny8/internal/auth"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/workflow"
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

func (s webSessions) StartSession(ctx context.Context, userID string, client igny8.Client, secondFactor bool) (string, *igny8.WebSession, error) {
	token := auth.NewSecret(32)
	ws, err := s.store.CreateWebSession(ctx, userID, auth.HashSecret(token), auth.NewSecret(32), s.ttl, client, secondFactor)
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

// codes adapts auth's TOTP and recovery codes to the workflows.
type codes struct{}

func (codes) NewTOTP(account string) (*workflow.TOTPEnrolment, error) {
	return codes{}.TOTPFor(account, nil)
}

func (codes) TOTPFor(account string, secret []byte) (*workflow.TOTPEnrolment, error) {
	e, err := auth.TOTPFor("igny8", account, secret)
	if err != nil {
		return nil, err
	}
	return &workflow.TOTPEnrolment{Secret: e.Secret, Text: e.Text, URL: e.URL, QRCode: e.QRCode}, nil
}

func (codes) MatchTOTP(secret []byte, code string, now time.Time) (int64, bool) {
	return auth.MatchTOTP(secret, code, now)
}

func (codes) LooksLikeTOTP(code string) bool { return auth.LooksLikeTOTP(code) }

func (codes) NewRecoveryCodes(n int) ([]string, []string) { return auth.NewRecoveryCodes(n) }

func (codes) HashRecoveryCode(code string) string { return auth.HashRecoveryCode(code) }
