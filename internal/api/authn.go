package api

import (
	"net/http"
	"strings"

	"github.com/igny8/igny8"
)

// authenticate resolves the request's credentials into a principal and its
// account's gate input. No credentials at all is (nil, _, nil); credentials
// that do not verify are unauthenticated.
func (h *Handler) authenticate(r *http.Request) (*igny8.Principal, igny8.GateInput, error) {
	token := bearerToken(r)
	if token == "" {
		return nil, igny8.GateInput{}, nil
	}
	claims, err := h.Tokens.Verify(r.Context(), token)
	if err != nil {
		return nil, igny8.GateInput{}, err
	}
	p, gate, err := h.Identity.PrincipalForUser(r.Context(), claims.UserID)
	if err != nil {
		return nil, gate, err
	}
	p.Kind = igny8.CredentialJWT
	p.SessionID = claims.SessionID
	return p, gate, nil
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}
