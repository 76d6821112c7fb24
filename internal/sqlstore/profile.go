package sqlstore

import (
	"context"

	"github.com/igny8/igny8"
)

// The logged-in person's own profile (igny8.ProfileService): every method
// acts on the user of the principal in ctx alone.

var _ igny8.ProfileService = (*Identity)(nil)

// Rename sets the person's own name, audited in their account (or outside
// any account, for a developer). Errors: validation_failed,
// unauthenticated.
func (s *Identity) Rename(ctx context.Context, name string) (*igny8.User, error) {
	p, tn, err := self(ctx)
	if err != nil {
		return nil, err
	}
	name = igny8.TrimName(name)
	if msg := igny8.NameFault(name, igny8.MaxNameLen); msg != "" {
		return nil, igny8.Invalid("The name "+msg+".", igny8.FieldError{Field: "name", Message: msg})
	}
	var user *igny8.User
	err = s.db.InTx(ctx, func(tx *Tx) error {
		before, err := userByID(ctx, tx.conn, p.UserID)
		if igny8.ErrorCode(err) == igny8.ENotFound {
			return igny8.Errorf(igny8.EUnauthenticated, "Authentication required.")
		}
		if err != nil {
			return err
		}
		if before.Name == name {
			user = before
			return nil
		}
		if _, err := tx.exec(ctx, `UPDATE users SET name = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL`,
			name, tx.now, p.UserID); err != nil {
			return err
		}
		if err := audit(ctx, tx, tn, "user.renamed", "user", p.UserID, nil); err != nil {
			return err
		}
		user, err = userByID(ctx, tx.conn, p.UserID)
		return err
	})
	return user, err
}

// ChangePassword stores passwordHash as the person's password and, in the
// same transaction, ends every other login of theirs (the one of ctx is
// kept), retires their unspent reset links, writes the "your password was changed" notice to their e-mail
// and audits the change. It answers how many logins it ended.
// Errors: validation_failed (no hash), unauthenticated.
func (s *Identity) ChangePassword(ctx context.Context, passwordHash string) (int, error) {
	p, tn, err := self(ctx)
	if err != nil {
		return 0, err
	}
	if passwordHash == "" {
		return 0, igny8.Errorf(igny8.EValidation, "A password hash is required.")
	}
	var ended int
	err = s.db.InTx(ctx, func(tx *Tx) error {
		user, err := userByID(ctx, tx.conn, p.UserID)
		if igny8.ErrorCode(err) == igny8.ENotFound {
			return igny8.Errorf(igny8.EUnauthenticated, "Authentication required.")
		}
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL`,
			passwordHash, tx.now, p.UserID); err != nil {
			return err
		}
		if ended, err = endOtherLogins(ctx, tx, p); err != nil {
			return err
		}
		// A reset link asked for before the change would undo it.
		if _, err := tx.exec(ctx, `UPDATE password_resets SET revoked_at = ?
			WHERE user_id = ? AND used_at IS NULL AND revoked_at IS NULL`, tx.now, p.UserID); err != nil {
			return err
		}
		if err := enqueue(ctx, tx, tn, igny8.PasswordChangedMail{Name: user.Name, Email: user.Email, ChangedAt: tx.now, WhileLoggedIn: true}, user.Email); err != nil {
			return err
		}
		return audit(ctx, tx, tn, "user.password_changed", "user", p.UserID, map[string]any{"ended_logins": ended})
	})
	return ended, err
}
