package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/igny8/igny8"
)

// CreateWebSession stores a session for userID logging in from client
// under tokenHash (the hash of the cookie's token; the token itself never
// reaches the database) and returns it. secondFactor records that the
// login proved a second factor. Errors: unauthenticated when the user is
// gone or inactive.
func (s *WebSessions) CreateWebSession(ctx context.Context, userID, tokenHash, csrfToken string, ttl time.Duration, client igny8.Client, secondFactor bool) (*igny8.WebSession, error) {
	var ws *igny8.WebSession
	err := s.db.InTx(ctx, func(tx *Tx) error {
		var live bool
		err := tx.queryRow(ctx, `SELECT is_active FROM users WHERE id = ? AND deleted_at IS NULL`, userID).Scan(&live)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !live) {
			return igny8.Errorf(igny8.EUnauthenticated, "Authentication required.")
		}
		if err != nil {
			return translate(err)
		}
		ws = &igny8.WebSession{ID: newID(), UserID: userID, CSRFToken: csrfToken,
			ExpiresAt: tx.now.Add(ttl), CreatedAt: tx.now}
		_, err = tx.exec(ctx, `INSERT INTO web_sessions (id, user_id, token_hash, csrf_token, expires_at, created_at, client_ip, user_agent, second_factor)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, ws.ID, userID, tokenHash, csrfToken, ws.ExpiresAt, ws.CreatedAt,
			orNull(client.Address), orNull(client.UserAgent), secondFactor)
		return err
	})
	if err != nil {
		return nil, err
	}
	return ws, nil
}

// WebSessionByHash resolves a live (not expired, not revoked) session by its
// token hash into the session, its principal and the account's gate input.
// Role and status are read fresh, as PrincipalForUser does. Its use is
// buffered (FlushLoginUse), not written. Errors: unauthenticated.
func (s *WebSessions) WebSessionByHash(ctx context.Context, tokenHash string) (*igny8.Principal, igny8.GateInput, *igny8.WebSession, error) {
	var ws igny8.WebSession
	var p igny8.Principal
	var g igny8.GateInput
	var accountID, status *string
	var planActive *bool
	var deleted *time.Time
	var rate *int
	var hasFactor bool
	err := s.db.reader().queryRow(ctx, webSessionPrincipalQuery, tokenHash, s.db.Now()).
		Scan(&ws.ID, &ws.UserID, &ws.CSRFToken, &ws.ExpiresAt, &ws.CreatedAt, &ws.SecondFactor,
			&p.Email, &p.EmailVerified, &p.Role, &accountID, &status, &g.TrialEndsAt, &planActive, &rate, &deleted,
			&p.FactorRequired, &hasFactor)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, igny8.GateInput{}, nil, igny8.Errorf(igny8.EUnauthenticated, "Your session has ended; log in again.")
	}
	if err != nil {
		return nil, igny8.GateInput{}, nil, translate(err)
	}
	if accountID != nil {
		p.AccountID, g.Status, g.PlanActive, g.Deleted = *accountID, *status, *planActive, deleted != nil
		g.APIRequestsPerMinute = *rate
	}
	p.UserID, p.Kind, p.SessionID = ws.UserID, igny8.CredentialSession, ws.ID
	s.loginUse.seen(ws.ID, s.db.Now())
	p.SecondFactor = hasFactor && ws.SecondFactor
	return &p, g, &ws, nil
}

// webSessionPrincipalQuery reads a live web session with its live user and
// the account's gate input, in one indexed read (token_hash is unique).
const webSessionPrincipalQuery = `SELECT ws.id, ws.user_id, ws.csrf_token, ws.expires_at, ws.created_at, ws.second_factor,
	u.email, u.email_verified_at IS NOT NULL, u.role, u.account_id, a.status, a.trial_ends_at, p.is_active, p.api_requests_per_minute, a.deleted_at,
	` + factorColumns + `
	FROM web_sessions ws JOIN users u ON u.id = ws.user_id
	LEFT JOIN accounts a ON a.id = u.account_id LEFT JOIN plans p ON p.id = a.plan_id
	WHERE ws.token_hash = ? AND ws.revoked_at IS NULL AND ws.expires_at > ?
	AND u.deleted_at IS NULL AND u.is_active = TRUE`

// RevokeWebSession ends the session stored under tokenHash; an unknown or
// already revoked session is left as it is.
func (s *WebSessions) RevokeWebSession(ctx context.Context, tokenHash string) error {
	_, err := s.db.write.ExecContext(ctx, s.db.rebind(`UPDATE web_sessions SET revoked_at = ?
		WHERE token_hash = ? AND revoked_at IS NULL`), s.db.Now(), tokenHash)
	return translate(err)
}
