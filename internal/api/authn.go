package api

import (
	"net/http"
	"strings"

	"github.com/igny8/igny8"
)

// authenticate resolves the request's credentials into a principal and its
// account's gate input. No credentials at all is (nil, _, nil); credentials
// that do not verify are unauthenticated. For an access token it also
// returns when the token stops verifying (zero for other credentials).
func (h *Handler) authenticate(r *http.Request) (*igny8.Principal, igny8.GateInput, error) {
	if key, ok := apiKey(r); ok {
		return h.apiKeyPrincipal(r, key)
	}
	token := bearerToken(r)
	if token == "" {
		return h.sessionPrincipal(r)
	}
	claims, err := h.Tokens.Verify(r.Context(), token)
	if err != nil {
		return nil, igny8.GateInput{}, err
	}
	p, gate, err := h.Sessions.PrincipalForToken(r.Context(), claims.UserID, claims.SessionID)
	if err != nil {
		return nil, gate, err
	}
	p.Kind = igny8.CredentialJWT
	return p, gate, nil
}

// apiKey returns the API key of a request: the X-API-Key header, or a
// bearer token that starts with the API key prefix.
func apiKey(r *http.Request) (string, bool) {
	if k := strings.TrimSpace(r.Header.Get("X-API-Key")); k != "" {
		return k, true
	}
	if t := bearerToken(r); strings.HasPrefix(t, igny8.APIKeyPrefix) {
		return t, true
	}
	return "", false
}

// apiKeyPrincipal resolves an API key; a malformed one is refused like an
// unknown one, without a database read.
func (h *Handler) apiKeyPrincipal(r *http.Request, key string) (*igny8.Principal, igny8.GateInput, error) {
	prefix, hash, ok := h.Secrets.ParseAPIKey(key)
	if !ok {
		return nil, igny8.GateInput{}, igny8.Errorf(igny8.EUnauthenticated, "The API key is invalid, expired or revoked.")
	}
	return h.APIKeys.PrincipalForAPIKey(r.Context(), prefix, hash)
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}
