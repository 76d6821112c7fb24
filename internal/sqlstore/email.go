package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/igny8/igny8"
)

// E-mail verification and change of address (docs/design.md section 3):
// a user has at most one outstanding link, in email_tokens, for their own
// address or for the one they move to; each new link replaces it, and
// opening it spends it. The address becomes the user's only then, under
// the unique index of users.email, so two people claiming one address
// cannot both win.

var _ igny8.EmailService = (*Identity)(nil)

// sendEmailLink makes t the one link of u (a person of tn), confirming
// email, and writes its message in tx.
func sendEmailLink(ctx context.Context, tx *Tx, tn tenant, u *igny8.User, email string, t igny8.EmailToken) (*igny8.PendingEmail, error) {
	if t.Token == "" || t.Hash == "" {
		return nil, errors.New("sqlstore: an e-mail link needs a token")
	}
	pending := &igny8.PendingEmail{Email: email, Change: email != u.Email, ExpiresAt: tx.now.Add(igny8.EmailTokenTTL)}
	if _, err := tx.exec(ctx, `INSERT INTO email_tokens (user_id, email, token_hash, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET email = excluded.email,
		token_hash = excluded.token_hash, expires_at = excluded.expires_at, created_at = excluded.created_at`,
		u.ID, email, t.Hash, pending.ExpiresAt, tx.now); err != nil {
		return nil, err
	}
	return pending, enqueue(ctx, tx, tn, igny8.EmailVerificationMail{Name: u.Name, Email: email,
		Change: pending.Change, Token: t.Token, ExpiresAt: pending.ExpiresAt}, email)
}

// personOf returns the logged-in person of ctx (self) with their account,
// read in tx and locked, so that two requests of theirs take turns.
func personOf(ctx context.Context, tx *Tx) (*igny8.User, tenant, error) {
	p, tn, err := self(ctx)
	if err != nil {
		return nil, tn, err
	}
	u, err := lockUser(ctx, tx, p.UserID)
	return u, tn, err
}

// lockUser reads the live, active user userID in tx and locks the row.
// Errors: unauthenticated.
func lockUser(ctx context.Context, tx *Tx, userID string) (*igny8.User, error) {
	var u igny8.User
	err := scanUser(tx.queryRow(ctx, `SELECT `+userColumns+` FROM users u
		WHERE u.id = ? AND u.deleted_at IS NULL AND u.is_active = TRUE`+tx.db.forUpdate(), userID), &u)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, igny8.Errorf(igny8.EUnauthenticated, "Authentication required.")
	}
	return &u, translate(err)
}

// pendingEmail reads the live link of userID, nil when there is none.
func pendingEmail(ctx context.Context, c conn, u *igny8.User, now time.Time) (*igny8.PendingEmail, error) {
	var pe igny8.PendingEmail
	err := c.queryRow(ctx, `SELECT email, expires_at FROM email_tokens WHERE user_id = ? AND expires_at > ?`, u.ID, now).
		Scan(&pe.Email, &pe.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	pe.ExpiresAt, pe.Change = pe.ExpiresAt.UTC(), pe.Email != u.Email
	return &pe, nil
}

// ResendVerification sends a new link for the person's outstanding
// address (see igny8.EmailService). Errors: unauthenticated, conflict.
func (s *Identity) ResendVerification(ctx context.Context, t igny8.EmailToken) (*igny8.PendingEmail, error) {
	var out *igny8.PendingEmail
	err := s.db.InTx(ctx, func(tx *Tx) error {
		u, tn, err := personOf(ctx, tx)
		if err != nil {
			return err
		}
		pending, err := pendingEmail(ctx, tx.conn, u, tx.now)
		if err != nil {
			return err
		}
		email := u.Email
		switch {
		case pending != nil && pending.Change:
			email = pending.Email
		case u.EmailVerified:
			return igny8.Errorf(igny8.EConflict, "Your e-mail address is already confirmed.")
		}
		out, err = sendEmailLink(ctx, tx, tn, u, email, t)
		return err
	})
	return out, err
}

// RequestEmailChange sends newEmail the link that makes it the person's
// address (see igny8.EmailService). Errors: unauthenticated,
// validation_failed, conflict.
func (s *Identity) RequestEmailChange(ctx context.Context, newEmail string, t igny8.EmailToken) (*igny8.PendingEmail, error) {
	email := igny8.NormalizeEmail(newEmail)
	if !igny8.ValidEmail(email) {
		return nil, igny8.InvalidField("email", "must be a valid email address")
	}
	var out *igny8.PendingEmail
	err := s.db.InTx(ctx, func(tx *Tx) error {
		u, tn, err := personOf(ctx, tx)
		if err != nil {
			return err
		}
		if email == u.Email {
			return igny8.InvalidField("email", "is already your email address")
		}
		if err := emailFree(ctx, tx, email); err != nil {
			return err
		}
		out, err = sendEmailLink(ctx, tx, tn, u, email, t)
		return err
	})
	return out, err
}

// emailFree refuses an address another user has (errEmailTaken), removed
// users' included: their address stays theirs until they are purged.
func emailFree(ctx context.Context, tx *Tx, email string) error {
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE email = ?`, email).Scan(&n); err != nil {
		return translate(err)
	}
	if n > 0 {
		return errEmailTaken
	}
	return nil
}

// ConfirmEmail spends the link of tokenHash (see igny8.EmailService). A
// change moves the login to the new address (and the account's billing
// e-mail with it, when that was the old address), audits it and tells the
// old address. Errors: not_found, conflict.
func (s *Identity) ConfirmEmail(ctx context.Context, tokenHash string) (*igny8.EmailConfirmed, error) {
	gone := igny8.Errorf(igny8.ENotFound, "This link is unknown, used, replaced by a newer one or expired.")
	if tokenHash == "" {
		return nil, gone
	}
	var out *igny8.EmailConfirmed
	err := s.db.InTx(ctx, func(tx *Tx) error {
		var userID, email string
		err := tx.queryRow(ctx, `SELECT user_id, email FROM email_tokens WHERE token_hash = ? AND expires_at > ?`+tx.db.forUpdate(),
			tokenHash, tx.now).Scan(&userID, &email)
		if errors.Is(err, sql.ErrNoRows) {
			return gone
		}
		if err != nil {
			return translate(err)
		}
		u, err := lockUser(ctx, tx, userID)
		if igny8.ErrorCode(err) == igny8.EUnauthenticated {
			return gone
		}
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM email_tokens WHERE user_id = ?`, userID); err != nil {
			return err
		}
		out = &igny8.EmailConfirmed{UserID: userID, Email: email}
		if email == u.Email {
			_, err = tx.exec(ctx, `UPDATE users SET email_verified_at = COALESCE(email_verified_at, ?) WHERE id = ?`, tx.now, userID)
			return err
		}
		out.Previous = u.Email
		return moveEmail(ctx, tx, u, email)
	})
	return out, err
}

// moveEmail makes email u's verified address, under the unique index.
func moveEmail(ctx context.Context, tx *Tx, u *igny8.User, email string) error {
	tn := linkedTenant(u)
	if err := emailFree(ctx, tx, email); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE users SET email = ?, email_verified_at = ?, updated_at = ? WHERE id = ?`,
		email, tx.now, tx.now, u.ID); err != nil {
		if IsConstraint(err, "unique") {
			return errEmailTaken
		}
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE accounts SET billing_email = ?, updated_at = ? WHERE id = ? AND lower(billing_email) = ?`,
		email, tx.now, tn.id, u.Email); err != nil {
		return err
	}
	actor := igny8.WithPrincipal(ctx, &igny8.Principal{Kind: igny8.CredentialJWT, UserID: u.ID, AccountID: tn.id})
	if err := audit(actor, tx, tn, "user.email_changed", "user", u.ID, map[string]any{"from": u.Email, "to": email}); err != nil {
		return err
	}
	return enqueue(ctx, tx, tn, igny8.EmailChangedMail{Name: u.Name, OldEmail: u.Email, NewEmail: email}, u.Email)
}

// PendingEmail returns the person's live link's address, or nil (see
// igny8.EmailService). Errors: unauthenticated.
func (s *Identity) PendingEmail(ctx context.Context) (*igny8.PendingEmail, error) {
	u, err := s.CurrentUser(ctx)
	if err != nil {
		return nil, err
	}
	return pendingEmail(ctx, s.db.reader(), u, s.db.Now())
}
