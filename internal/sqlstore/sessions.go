package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/igny8/igny8"
)

var _ igny8.SessionService = (*Sessions)(nil)

var errBadRefresh = igny8.Errorf(igny8.EUnauthenticated, "The refresh token is invalid, expired or revoked.")

// StartSession begins a refresh-token family for userID, logging in from
// client (see igny8.SessionService), and returns its id. secondFactor
// records that the login proved a second factor; every token of the
// family carries it.
func (s *Sessions) StartSession(ctx context.Context, userID, tokenHash string, expiresAt time.Time, client igny8.Client, secondFactor bool) (string, error) {
	family := newID()
	err := s.db.InTx(ctx, func(tx *Tx) error {
		return insertRefreshToken(ctx, tx, family, userID, tokenHash, expiresAt,
			refreshLogin{clientIP: orNull(client.Address), userAgent: orNull(client.UserAgent), at: &tx.now, secondFactor: secondFactor})
	})
	if err != nil {
		return "", err
	}
	return family, nil
}

// refreshLogin is the login a family is: where it came from and when (nil
// fields for families made before they were recorded), and whether it
// proved a second factor. Each token of the family carries it, so that it
// outlives the purge of the spent ones.
type refreshLogin struct {
	clientIP, userAgent *string
	at                  *time.Time
	secondFactor        bool
}

// insertRefreshToken stores a refresh token of family, with its login.
func insertRefreshToken(ctx context.Context, tx *Tx, family, userID, tokenHash string, expiresAt time.Time, l refreshLogin) error {
	_, err := tx.exec(ctx, `INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, expires_at, created_at,
		client_ip, user_agent, login_at, second_factor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		newID(), family, userID, tokenHash, expiresAt.UTC(), tx.now, l.clientIP, l.userAgent, l.at, l.secondFactor)
	return err
}

// refreshRow is a stored refresh token as rotation sees it.
type refreshRow struct {
	id, family, userID string
	expiresAt          time.Time
	usedAt, revokedAt  *time.Time
	login              refreshLogin
}

// RotateRefreshToken spends a refresh token and stores its successor in
// the same family, once approve (the account gate) has accepted the
// token's user; a refused refresh spends nothing. Presenting a token that
// was already spent (a stolen copy, or a replay) revokes the whole family,
// so the thief and the owner must both log in again.
// Errors: unauthenticated, or approve's error.
func (s *Sessions) RotateRefreshToken(ctx context.Context, oldHash, newHash string, expiresAt time.Time,
	approve func(userID, familyID string) error) (string, string, error) {
	var row refreshRow
	reused := false
	err := s.db.InTx(ctx, func(tx *Tx) error {
		err := tx.queryRow(ctx, `SELECT id, family_id, user_id, expires_at, used_at, revoked_at, client_ip, user_agent, login_at, second_factor
			FROM refresh_tokens WHERE token_hash = ?`+s.db.forUpdate(), oldHash).
			Scan(&row.id, &row.family, &row.userID, &row.expiresAt, &row.usedAt, &row.revokedAt,
				&row.login.clientIP, &row.login.userAgent, nullTimestamp{&row.login.at}, &row.login.secondFactor)
		if errors.Is(err, sql.ErrNoRows) {
			return errBadRefresh
		}
		if err != nil {
			return translate(err)
		}
		if row.revokedAt != nil || !tx.now.Before(row.expiresAt) {
			return errBadRefresh
		}
		if row.usedAt != nil {
			reused = true
			return revokeFamily(ctx, tx, row.family)
		}
		if approve != nil {
			if err := approve(row.userID, row.family); err != nil {
				return err
			}
		}
		res, err := tx.exec(ctx, `UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL`, tx.now, row.id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			reused = true
			return revokeFamily(ctx, tx, row.family)
		}
		return insertRefreshToken(ctx, tx, row.family, row.userID, newHash, expiresAt, row.login)
	})
	if err != nil {
		return "", "", err
	}
	if reused {
		return "", "", errBadRefresh
	}
	return row.userID, row.family, nil
}

func revokeFamily(ctx context.Context, tx *Tx, family string) error {
	_, err := tx.exec(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL`, tx.now, family)
	return err
}

// RevokeSession revokes the refresh-token family of the principal in ctx,
// which also ends its access tokens (PrincipalForToken). Errors:
// unauthenticated (no person, or no session).
func (s *Sessions) RevokeSession(ctx context.Context) error {
	p := igny8.PrincipalFrom(ctx)
	if p == nil || p.UserID == "" || p.SessionID == "" {
		return igny8.Errorf(igny8.EUnauthenticated, "Authentication required.")
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND user_id = ? AND revoked_at IS NULL`,
			tx.now, p.SessionID, p.UserID)
		return err
	})
}

// PrincipalForToken resolves an access token's user and family. The family
// check rides in the principal query itself: a logged-out or revoked
// family is refused on the next request at no extra round trip. Its use
// is buffered (FlushLoginUse), not written.
// Errors: unauthenticated.
func (s *Sessions) PrincipalForToken(ctx context.Context, userID, familyID string) (*igny8.Principal, igny8.GateInput, error) {
	if familyID == "" {
		return nil, igny8.GateInput{}, igny8.Errorf(igny8.EUnauthenticated, "Authentication required.")
	}
	p, g, err := principalForUser(ctx, s.db, `EXISTS (SELECT 1 FROM refresh_tokens rf WHERE rf.family_id = ? AND rf.second_factor)`,
		` AND NOT EXISTS (SELECT 1 FROM refresh_tokens r
		WHERE r.family_id = ? AND r.revoked_at IS NOT NULL)`, familyID, userID, familyID)
	if err != nil {
		return nil, g, err
	}
	p.SessionID = familyID
	s.loginUse.seen(familyID, s.db.Now())
	return p, g, nil
}

// revokeUserSessions revokes every refresh-token family of a user (removal).
func revokeUserSessions(ctx context.Context, tx *Tx, userID string) error {
	_, err := tx.exec(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, tx.now, userID)
	return err
}
