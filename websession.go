package igny8

import (
	"context"
	"time"
)

// SessionCookie is the name of the web app's session cookie.
const SessionCookie = "igny8_session"

// WebSession is a browser's logged-in session. Its token lives only in the
// browser's cookie; the database keeps the token's hash.
type WebSession struct {
	ID     string
	UserID string
	// CSRFToken is the per-session secret every state-changing form
	// carries back.
	CSRFToken string
	ExpiresAt time.Time
	CreatedAt time.Time
	// SecondFactor: the login proved a second factor.
	SecondFactor bool
}

// WebSessionService keeps the web app's sessions.
type WebSessionService interface {
	// StartSession opens a session for a user whose password has just been
	// checked, logging in from client, and returns the opaque token for the
	// cookie (it is not kept anywhere else) with the session.
	// secondFactor records that the login proved a second factor.
	StartSession(ctx context.Context, userID string, client Client, secondFactor bool) (token string, s *WebSession, err error)
	// ResolveSession turns a cookie's token into the session, its principal
	// (Kind CredentialSession) and the account's gate input, read fresh on
	// every call. Errors: unauthenticated (unknown, expired or revoked
	// session, or a user that is gone or inactive).
	ResolveSession(ctx context.Context, token string) (*Principal, GateInput, *WebSession, error)
	// EndSession revokes the session of token; unknown tokens are ignored.
	EndSession(ctx context.Context, token string) error
}
