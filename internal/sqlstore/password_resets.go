package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/igny8/igny8"
)

// PasswordResets keeps the links of password recovery
// (igny8.PasswordResetService). A link is the credential that reaches its
// user's account, to write the notice and the audit event there
// (resetTenant).
type PasswordResets struct{ db *DB }

var _ igny8.PasswordResetService = (*PasswordResets)(nil)

// The refusals of a reset link, each naming the token field. Whoever holds
// a link may learn what became of it; nobody learns anything about an
// account from them.
var (
	errResetUnknown  = igny8.Invalid("This password reset link is not valid.", igny8.FieldError{Field: "token", Message: "is not a valid reset link; open the whole link from the message, or ask for a new one"})
	errResetUsed     = igny8.Invalid("This password reset link was already used.", igny8.FieldError{Field: "token", Message: "was already used; ask for a new link if you need one"})
	errResetReplaced = igny8.Invalid("This password reset link was replaced by a newer one.", igny8.FieldError{Field: "token", Message: "was replaced by a newer link; open the most recent message"})
	errResetRetired  = igny8.Invalid("This password reset link stopped working when the password was changed.", igny8.FieldError{Field: "token", Message: "stopped working when the password was changed; ask for a new link if you need one"})
	errResetExpired  = igny8.Invalid("This password reset link has expired.", igny8.FieldError{Field: "token", Message: "has expired; ask for a new link"})
)

// resetUser is the person a reset link is for.
type resetUser struct {
	id, email, name string
	accountID       sql.NullString
}

// RequestPasswordReset makes a reset link for the live, active user of
// email (see igny8.PasswordResetService). The account's state does not
// matter: the gate applies when they log in.
func (s *PasswordResets) RequestPasswordReset(ctx context.Context, email, token, tokenHash string, ttl time.Duration) (bool, error) {
	if token == "" || tokenHash == "" {
		return false, igny8.Errorf(igny8.EValidation, "A reset token is required.")
	}
	sent := false
	err := s.db.InTx(ctx, func(tx *Tx) error {
		var u resetUser
		err := tx.queryRow(ctx, `SELECT id, email, name, account_id FROM users
			WHERE email = ? AND deleted_at IS NULL AND is_active = TRUE`, NormalizeEmail(email)).
			Scan(&u.id, &u.email, &u.name, &u.accountID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return translate(err)
		}
		if _, err := issuePasswordReset(ctx, tx, u, igny8.ResetForgot, token, tokenHash, tx.now.Add(ttl)); err != nil {
			return err
		}
		sent = true
		return nil
	})
	return sent, err
}

// issuePasswordReset stores a link for u, retiring u's unspent ones, and
// writes its message in tx. It returns the ids of the messages written
// (none without SetMail).
func issuePasswordReset(ctx context.Context, tx *Tx, u resetUser, purpose, token, tokenHash string, expiresAt time.Time) ([]string, error) {
	if _, err := tx.exec(ctx, `UPDATE password_resets SET revoked_at = ?
		WHERE user_id = ? AND used_at IS NULL AND revoked_at IS NULL`, tx.now, u.id); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, `INSERT INTO password_resets (id, user_id, token_hash, purpose, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, newID(), u.id, tokenHash, purpose, expiresAt.UTC(), tx.now); err != nil {
		return nil, err
	}
	return enqueueIDs(ctx, tx, resetTenant(u.accountID.String), igny8.PasswordResetMail{Name: u.name, Token: token,
		ExpiresAt: expiresAt, Migration: purpose == igny8.ResetImport}, u.email)
}

// ResetPassword spends a reset link and sets the new password (see
// igny8.PasswordResetService). Errors: validation_failed naming token.
func (s *PasswordResets) ResetPassword(ctx context.Context, tokenHash, passwordHash string) (string, error) {
	if passwordHash == "" {
		return "", igny8.Errorf(igny8.EValidation, "A password hash is required.")
	}
	var userID string
	err := s.db.InTx(ctx, func(tx *Tx) error {
		id, u, err := usableReset(ctx, tx.conn, tokenHash, tx.now, s.db.forUpdate())
		if err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE password_resets SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL`, tx.now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errResetUsed
		}
		if _, err := tx.exec(ctx, `UPDATE password_resets SET revoked_at = ?
			WHERE user_id = ? AND used_at IS NULL AND revoked_at IS NULL`, tx.now, u.id); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, passwordHash, tx.now, u.id); err != nil {
			return err
		}
		families, err := revokeUserFamilies(ctx, tx, u.id)
		if err != nil {
			return err
		}
		res, err = tx.exec(ctx, `UPDATE web_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, tx.now, u.id)
		if err != nil {
			return err
		}
		sessions, _ := res.RowsAffected()
		// The person who held the link is the actor.
		actor := igny8.WithPrincipal(ctx, &igny8.Principal{UserID: u.id, AccountID: u.accountID.String, Email: u.email})
		if err := audit(actor, tx, resetTenant(u.accountID.String), "user.password_reset", "user", u.id,
			map[string]any{"logins_revoked": families, "web_sessions_revoked": sessions}); err != nil {
			return err
		}
		if err := enqueue(ctx, tx, resetTenant(u.accountID.String), igny8.PasswordChangedMail{Name: u.name, Email: u.email, ChangedAt: tx.now}, u.email); err != nil {
			return err
		}
		userID = u.id
		return nil
	})
	return userID, err
}

// CheckPasswordReset says whether a reset link can be used now (see
// igny8.PasswordResetService). Errors: validation_failed naming token.
func (s *PasswordResets) CheckPasswordReset(ctx context.Context, tokenHash string) error {
	_, _, err := usableReset(ctx, s.db.reader(), tokenHash, s.db.Now(), "")
	return err
}

// usableReset finds the link hashed as tokenHash and its user, and refuses
// it unless it can be spent at now. lock is the row-lock clause of a
// transaction that will spend it.
func usableReset(ctx context.Context, c conn, tokenHash string, now time.Time, lock string) (string, resetUser, error) {
	var id string
	var u resetUser
	var expires, created time.Time
	var used, revoked, deleted *time.Time
	var active bool
	err := c.queryRow(ctx, `SELECT r.id, r.expires_at, r.created_at, r.used_at, r.revoked_at,
		u.id, u.email, u.name, u.account_id, u.is_active, u.deleted_at
		FROM password_resets r JOIN users u ON u.id = r.user_id WHERE r.token_hash = ?`+lock, tokenHash).
		Scan(&id, &expires, &created, &used, &revoked, &u.id, &u.email, &u.name, &u.accountID, &active, &deleted)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", u, errResetUnknown
	case err != nil:
		return "", u, translate(err)
	case used != nil:
		return "", u, errResetUsed
	case revoked != nil:
		// A newer link replaced it; with none, a password change retired it.
		var newer int
		if err := c.queryRow(ctx, `SELECT COUNT(*) FROM password_resets WHERE user_id = ? AND id <> ? AND created_at >= ?`,
			u.id, id, created).Scan(&newer); err != nil {
			return "", u, translate(err)
		}
		if newer == 0 {
			return "", u, errResetRetired
		}
		return "", u, errResetReplaced
	case !now.Before(expires):
		return "", u, errResetExpired
	case !active || deleted != nil:
		return "", u, errResetUnknown
	}
	return id, u, nil
}

// revokeUserFamilies revokes every refresh-token family of a user and
// reports how many logins (families) it ended.
func revokeUserFamilies(ctx context.Context, tx *Tx, userID string) (int, error) {
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(DISTINCT family_id) FROM refresh_tokens
		WHERE user_id = ? AND revoked_at IS NULL`, userID).Scan(&n); err != nil {
		return 0, translate(err)
	}
	return n, revokeUserSessions(ctx, tx, userID)
}

// MigrationReset is the reset link an import sent to one person.
type MigrationReset struct {
	UserID    string
	Email     string
	LegacyID  int64
	ExpiresAt time.Time
	// MessageIDs are the messages written (none when the store makes no mail).
	MessageIDs []string
	// Pending, when set, is the expiry of a link sent earlier that still
	// works: no new one was made.
	Pending *time.Time
}

// SendMigrationResets writes, in tx, a password setup link valid for ttl
// to every live, active user brought across by an import (legacy_id set)
// whose password hash usable refuses (Django's unusable "!…", none, or a
// format no login verifies), so that they can choose one. A user who
// still holds a working link from an earlier run gets no new one
// (re-running an import sends nothing twice). newToken mints each link's
// token and its hash.
func SendMigrationResets(ctx context.Context, tx *Tx, ttl time.Duration, usable func(hash string) bool,
	newToken func() (token, hash string)) ([]MigrationReset, error) {
	sys, err := asSystem(ctx)
	if err != nil {
		return nil, err
	}
	if tx.db.mail.Load() == nil {
		return nil, errors.New("password setup links need the mail composer (DB.SetMail) to write their messages")
	}
	type row struct {
		u        resetUser
		hash     string
		legacyID int64
		pending  *time.Time
	}
	rows, err := queryAll(ctx, tx.conn, func(sc scanner) (*row, error) {
		var r row
		return &r, sc.Scan(&r.u.id, &r.u.email, &r.u.name, &r.u.accountID, &r.hash, &r.legacyID, nullTimestamp{&r.pending})
	}, `SELECT u.id, u.email, u.name, u.account_id, u.password_hash, u.legacy_id,
		(SELECT MAX(r.expires_at) FROM password_resets r WHERE r.user_id = u.id AND r.purpose = 'import'
			AND r.used_at IS NULL AND r.revoked_at IS NULL AND r.expires_at > ?)
		FROM users u WHERE u.legacy_id IS NOT NULL AND u.deleted_at IS NULL AND u.is_active = TRUE
		ORDER BY u.legacy_id`, tx.now)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationReset, 0, len(rows))
	for _, r := range rows {
		if usable(r.hash) {
			continue
		}
		mr := MigrationReset{UserID: r.u.id, Email: r.u.email, LegacyID: r.legacyID}
		if r.pending != nil {
			t := r.pending.UTC()
			mr.Pending, mr.ExpiresAt = &t, t
			out = append(out, mr)
			continue
		}
		token, hash := newToken()
		mr.ExpiresAt = tx.now.Add(ttl)
		if mr.MessageIDs, err = issuePasswordReset(ctx, tx, r.u, igny8.ResetImport, token, hash, mr.ExpiresAt); err != nil {
			return nil, err
		}
		if err := audit(ctx, tx, sys.reach(r.u.accountID.String), "user.password_setup_sent", "user", r.u.id,
			map[string]any{"expires_at": mr.ExpiresAt}); err != nil {
			return nil, err
		}
		out = append(out, mr)
	}
	return out, nil
}
