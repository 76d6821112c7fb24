package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/igny8/igny8"
)

// invitationRow is a pending invitation found by its token.
type invitationRow struct {
	id, accountID, email, name, role string
}

// AcceptInvitation turns a pending invitation into a user of its account
// (see igny8.MemberService). The token is the credential, so no principal
// is needed. Errors: not_found, conflict, plan_limit_reached, validation_failed.
func (s *Members) AcceptInvitation(ctx context.Context, tokenHash, name, passwordHash string) (*igny8.User, error) {
	name = igny8.TrimName(name)
	if msg := igny8.NameFault(name, igny8.MaxNameLen); name != "" && msg != "" {
		return nil, igny8.InvalidField("name", msg)
	}
	var user *igny8.User
	err := s.db.InTx(ctx, func(tx *Tx) error {
		var inv invitationRow
		err := tx.queryRow(ctx, `SELECT id, account_id, email, name, role FROM invitations
			WHERE token_hash = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?`+s.db.forUpdate(),
			tokenHash, tx.now).Scan(&inv.id, &inv.accountID, &inv.email, &inv.name, &inv.role)
		if errors.Is(err, sql.ErrNoRows) {
			return igny8.Errorf(igny8.ENotFound, "This invitation is unknown, used or expired.")
		}
		if err != nil {
			return translate(err)
		}
		if user, err = s.joinFromInvitation(ctx, tx, inv, name, passwordHash); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE invitations SET accepted_at = ? WHERE id = ?`, tx.now, inv.id)
		return err
	})
	return user, err
}

func (s *Members) joinFromInvitation(ctx context.Context, tx *Tx, inv invitationRow, name, passwordHash string) (*igny8.User, error) {
	tn := invitedTenant(inv)
	max, err := accountMaxUsers(ctx, tx, tn)
	if err != nil {
		return nil, err
	}
	if n, err := seatsTaken(ctx, tx, tn, inv.id); err != nil {
		return nil, err
	} else if n >= max {
		return nil, errSeats
	}
	if name == "" {
		name = inv.name
	}
	if name == "" {
		name, _, _ = strings.Cut(inv.email, "@")
	}
	id, restored, err := s.restoreOrReplace(ctx, tx, inv, name, passwordHash)
	if err != nil {
		return nil, err
	}
	if id == "" {
		id = newID()
		if _, err := tx.exec(ctx, `INSERT INTO users (id, email, name, password_hash, role, account_id, is_active,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, TRUE, ?, ?)`,
			id, inv.email, name, passwordHash, inv.role, inv.accountID, tx.now, tx.now); err != nil {
			if IsConstraint(err, "unique") {
				return nil, errEmailTaken
			}
			return nil, err
		}
	}
	// The link came by e-mail: opening it proved the address.
	if _, err := tx.exec(ctx, `UPDATE users SET email_verified_at = COALESCE(email_verified_at, ?) WHERE id = ?`,
		tx.now, id); err != nil {
		return nil, err
	}
	actor := igny8.WithPrincipal(ctx, &igny8.Principal{Kind: igny8.CredentialJWT, UserID: id, AccountID: inv.accountID})
	if err := audit(actor, tx, tn, "user.joined", "user", id,
		map[string]any{"invitation_id": inv.id, "role": inv.role, "restored": restored}); err != nil {
		return nil, err
	}
	return userByID(ctx, tx.conn, id)
}

var errEmailTaken = emailConflict("A user with this email already exists.")

// restoreOrReplace deals with a removed user who holds the invitation's
// email (emails are unique across igny8). A user removed from the
// inviting account is restored: the same user, with the invitation's
// role, the name and password just given, and no site grants (the
// inviter grants sites anew); it answers that user's id. A user removed
// from another account is purged now, as retention would later, so that
// the person can join; it answers "". A live user is a conflict.
func (s *Members) restoreOrReplace(ctx context.Context, tx *Tx, inv invitationRow, name, passwordHash string) (string, bool, error) {
	var prevID string
	var prevAccount sql.NullString
	var deletedAt sql.NullString
	err := tx.queryRow(ctx, `SELECT id, account_id, CASE WHEN deleted_at IS NULL THEN NULL ELSE 'yes' END FROM users
		WHERE email = ?`+tx.db.forUpdate(), inv.email).Scan(&prevID, &prevAccount, &deletedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, translate(err)
	case !deletedAt.Valid:
		return "", false, errEmailTaken
	case prevAccount.Valid && prevAccount.String == inv.accountID:
		if _, err := tx.exec(ctx, `UPDATE users SET deleted_at = NULL, purge_after = NULL, name = ?, password_hash = ?,
			role = ?, is_active = TRUE, updated_at = ? WHERE account_id = ? AND id = ?`,
			name, passwordHash, inv.role, tx.now, inv.accountID, prevID); err != nil {
			return "", false, err
		}
		_, err := tx.exec(ctx, `DELETE FROM site_user_access WHERE account_id = ? AND user_id = ?`, inv.accountID, prevID)
		return prevID, true, err
	}
	if _, err := tx.exec(ctx, `DELETE FROM users WHERE id = ? AND deleted_at IS NOT NULL`, prevID); err != nil {
		return "", false, err
	}
	return "", false, audit(ctx, tx, formerTenant(prevAccount.String), "user.purged", "user", prevID,
		map[string]any{"reason": "the email joined another account"})
}

// memberRole locks and reads the role of a live member of the account.
func memberRole(ctx context.Context, tx *Tx, tn tenant, userID string) (igny8.Role, error) {
	var role igny8.Role
	err := tx.queryRow(ctx, `SELECT role FROM users WHERE account_id = ? AND id = ? AND deleted_at IS NULL`+tx.db.forUpdate(),
		tn.id, userID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return "", igny8.NotFound("User")
	}
	return role, translate(err)
}

var errOwnerFixed = igny8.Errorf(igny8.EForbidden, "The owner cannot be demoted or removed; the owner may transfer ownership first.")

// UpdateUser changes a member's name or role. Nobody changes the owner's
// role and nobody is made owner here (see TransferOwnership); role changes
// are audited. Errors: not_found, forbidden, validation_failed.
func (s *Members) UpdateUser(ctx context.Context, id string, patch igny8.UserPatch) (*igny8.User, error) {
	p, tn, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateUserPatch(&patch); err != nil {
		return nil, err
	}
	var user *igny8.User
	err = s.db.InTx(ctx, func(tx *Tx) error {
		role, err := memberRole(ctx, tx, tn, id)
		if err != nil {
			return err
		}
		if patch.Role != nil && *patch.Role != role {
			if role == igny8.RoleOwner {
				return errOwnerFixed
			}
			if _, err := tx.exec(ctx, `UPDATE users SET role = ?, updated_at = ? WHERE account_id = ? AND id = ?`,
				*patch.Role, tx.now, p.AccountID, id); err != nil {
				return err
			}
			if err := audit(ctx, tx, tn, "user.role_changed", "user", id,
				map[string]any{"from": role, "to": *patch.Role}); err != nil {
				return err
			}
		}
		if patch.Name != nil {
			if _, err := tx.exec(ctx, `UPDATE users SET name = ?, updated_at = ? WHERE account_id = ? AND id = ?`,
				*patch.Name, tx.now, p.AccountID, id); err != nil {
				return err
			}
		}
		user, err = userByID(ctx, tx.conn, id)
		return err
	})
	return user, err
}

func validateUserPatch(patch *igny8.UserPatch) error {
	if patch.Role != nil && *patch.Role == igny8.RoleOwner {
		return igny8.Errorf(igny8.EForbidden, "Ownership changes hands only by an explicit transfer from the owner.")
	}
	var fields []igny8.FieldError
	if patch.Role != nil && !validInvitableRole(*patch.Role) {
		fields = append(fields, igny8.FieldError{Field: "role", Message: "must be admin, editor or viewer"})
	}
	if patch.Name != nil {
		n := igny8.TrimName(*patch.Name)
		if msg := igny8.NameFault(n, igny8.MaxNameLen); msg != "" {
			fields = append(fields, igny8.FieldError{Field: "name", Message: msg})
		}
		patch.Name = &n
	}
	if len(fields) > 0 {
		return igny8.Invalid("The user change has errors.", fields...)
	}
	return nil
}

// RemoveUser soft-deletes a member (restorable until its retention ends)
// and revokes their sessions; their access tokens fail from the next
// request since every request reads the user fresh. Errors: not_found,
// forbidden (the owner).
func (s *Members) RemoveUser(ctx context.Context, id string) error {
	p, tn, err := scope(ctx)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		role, err := memberRole(ctx, tx, tn, id)
		if err != nil {
			return err
		}
		if role == igny8.RoleOwner {
			return errOwnerFixed
		}
		if _, err := tx.exec(ctx, `UPDATE users SET deleted_at = ?, purge_after = ?, updated_at = ?
			WHERE account_id = ? AND id = ?`, tx.now, tx.now.Add(s.retention.period()), tx.now, p.AccountID, id); err != nil {
			return err
		}
		if err := revokeUserSessions(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE web_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`,
			tx.now, id); err != nil {
			return err
		}
		return audit(ctx, tx, tn, "user.removed", "user", id, map[string]any{"role": role})
	})
}

// TransferOwnership makes userID the owner and the calling owner an admin,
// in one transaction. Errors: forbidden (caller is not the owner, or not a
// person), not_found, validation_failed (already the owner).
func (s *Members) TransferOwnership(ctx context.Context, userID string) error {
	p, tn, err := scope(ctx)
	if err != nil {
		return err
	}
	if p.Role != igny8.RoleOwner || !p.IsPerson() {
		return igny8.Errorf(igny8.EForbidden, "Only the owner can transfer ownership.")
	}
	if userID == p.UserID {
		return igny8.InvalidField("user_id", "is already the owner")
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		if _, err := accountMaxUsers(ctx, tx, tn); err != nil {
			return err
		}
		role, err := memberRole(ctx, tx, tn, userID)
		if err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE users SET role = 'admin', updated_at = ? WHERE account_id = ? AND id = ? AND role = 'owner'`,
			tx.now, p.AccountID, p.UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return igny8.Errorf(igny8.EForbidden, "Only the owner can transfer ownership.")
		}
		if _, err := tx.exec(ctx, `UPDATE users SET role = 'owner', updated_at = ? WHERE account_id = ? AND id = ?`,
			tx.now, p.AccountID, userID); err != nil {
			return err
		}
		return audit(ctx, tx, tn, "account.ownership_transferred", "user", userID,
			map[string]any{"from": p.UserID, "previous_role": role})
	})
}
