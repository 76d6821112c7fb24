package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/igny8/igny8"
)

var _ igny8.MemberService = (*Members)(nil)

// ListUsers pages through the account's live users, oldest first.
// Errors: unauthenticated, forbidden, validation_failed (cursor).
func (s *Members) ListUsers(ctx context.Context, page igny8.PageRequest) (igny8.Page[igny8.User], error) {
	p, _, err := scope(ctx)
	if err != nil {
		return igny8.Page[igny8.User]{}, err
	}
	page = page.Normalized()
	if err := checkIDCursor(page); err != nil {
		return igny8.Page[igny8.User]{}, err
	}
	users, err := queryAll(ctx, s.db.reader(), func(row scanner) (*igny8.User, error) {
		var u igny8.User
		return &u, scanUser(row, &u)
	}, `SELECT `+userColumns+` FROM users u
		WHERE u.account_id = ? AND u.deleted_at IS NULL AND u.id > ? ORDER BY u.id LIMIT ?`,
		p.AccountID, page.Cursor, page.Limit+1)
	if err != nil {
		return igny8.Page[igny8.User]{}, err
	}
	return *cutPage(users, page.Limit, func(u *igny8.User) string { return u.ID }), nil
}

func validInvitableRole(r igny8.Role) bool { return slices.Contains(igny8.InvitableRoles(), r) }

func validateInvitation(in *igny8.NewInvitation) error {
	in.Email = NormalizeEmail(in.Email)
	in.Name = igny8.TrimName(in.Name)
	if in.Role == "" {
		in.Role = igny8.RoleViewer
	}
	var fields []igny8.FieldError
	if !validEmail(in.Email) {
		fields = append(fields, igny8.FieldError{Field: "email", Message: "must be a valid email address"})
	}
	if msg := igny8.NameFault(in.Name, igny8.MaxNameLen); in.Name != "" && msg != "" {
		fields = append(fields, igny8.FieldError{Field: "name", Message: msg})
	}
	if !validInvitableRole(in.Role) {
		fields = append(fields, igny8.FieldError{Field: "role", Message: "must be admin, editor or viewer"})
	}
	if len(fields) > 0 {
		return igny8.Invalid("The invitation has errors.", fields...)
	}
	return nil
}

// accountMaxUsers locks the account row (PostgreSQL; SQLite serializes
// writers) so that member counts cannot race, and returns its plan's
// max_users.
func accountMaxUsers(ctx context.Context, tx *Tx, tn tenant) (int, error) {
	var planID string
	err := tx.queryRow(ctx, `SELECT plan_id FROM accounts WHERE id = ?`+tx.db.forUpdate(), tn.id).Scan(&planID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, igny8.NotFound("Account")
	}
	if err != nil {
		return 0, translate(err)
	}
	var max int
	err = tx.queryRow(ctx, `SELECT max_users FROM plans WHERE id = ?`, planID).Scan(&max)
	return max, translate(err)
}

// seatsTaken counts the account's live users and pending invitations,
// leaving out the invitation except (being accepted). An invitation whose
// email has since become a live user's (here or in another account)
// cannot be accepted, so it takes no seat.
func seatsTaken(ctx context.Context, tx *Tx, tn tenant, except string) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM users WHERE account_id = ? AND deleted_at IS NULL) +
		(SELECT COUNT(*) FROM invitations i WHERE i.account_id = ? AND i.id <> ? AND i.accepted_at IS NULL
			AND i.revoked_at IS NULL AND i.expires_at > ?
			AND NOT EXISTS (SELECT 1 FROM users x WHERE x.email = i.email AND x.deleted_at IS NULL))`,
		tn.id, tn.id, except, tx.now).Scan(&n)
	return n, translate(err)
}

var errSeats = igny8.Errorf(igny8.EPlanLimit, "The plan's user limit is reached; upgrade the plan or remove a user first.")

// InviteUser records an invitation to the principal's account (see
// igny8.MemberService). Users plus pending invitations stay within the
// plan's max_users under concurrent invitations: the account row is locked
// while counting. Errors: validation_failed, conflict, plan_limit_reached.
func (s *Members) InviteUser(ctx context.Context, in igny8.NewInvitation, token, tokenHash string) (*igny8.Invitation, error) {
	p, tn, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	if err := igny8.RequireVerifiedEmail(p); err != nil {
		return nil, err
	}
	if err := validateInvitation(&in); err != nil {
		return nil, err
	}
	var inv *igny8.Invitation
	err = s.db.InTx(ctx, func(tx *Tx) error {
		max, err := accountMaxUsers(ctx, tx, tn)
		if err != nil {
			return err
		}
		if err := checkNotInvited(ctx, tx, tn, in.Email); err != nil {
			return err
		}
		if n, err := seatsTaken(ctx, tx, tn, ""); err != nil {
			return err
		} else if n >= max {
			return errSeats
		}
		inv = &igny8.Invitation{ID: newID(), Email: in.Email, Name: in.Name, Role: in.Role, InvitedBy: p.ActorID(),
			ExpiresAt: tx.now.Add(igny8.InvitationTTL), CreatedAt: tx.now}
		if _, err := tx.exec(ctx, `INSERT INTO invitations (id, account_id, email, name, role, token_hash, invited_by,
			expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, inv.ID, p.AccountID, inv.Email, inv.Name,
			inv.Role, tokenHash, inv.InvitedBy, inv.ExpiresAt, inv.CreatedAt); err != nil {
			return err
		}
		if err := invitationMail(ctx, tx, tn, inv, token); err != nil {
			return err
		}
		return audit(ctx, tx, tn, "user.invited", "invitation", inv.ID,
			map[string]any{"email": inv.Email, "role": inv.Role})
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}

// checkNotInvited refuses an email that belongs to a live user (a member
// of this account or a user of another: emails are unique, so the
// invitation could never be accepted) or has a pending invitation to this
// account. A removed user's email may be invited again: acceptance
// restores or replaces that user (see AcceptInvitation).
func checkNotInvited(ctx context.Context, tx *Tx, tn tenant, email string) error {
	var members, others, pending int
	err := tx.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM users WHERE account_id = ? AND email = ? AND deleted_at IS NULL),
		(SELECT COUNT(*) FROM users WHERE (account_id IS NULL OR account_id <> ?) AND email = ? AND deleted_at IS NULL),
		(SELECT COUNT(*) FROM invitations WHERE account_id = ? AND email = ? AND accepted_at IS NULL
			AND revoked_at IS NULL AND expires_at > ?)`, tn.id, email, tn.id, email, tn.id, email, tx.now).
		Scan(&members, &others, &pending)
	switch {
	case err != nil:
		return translate(err)
	case members > 0:
		return emailConflict("This person is already a member of the account.")
	case others > 0:
		return emailConflict("This email already belongs to an igny8 user; invite another address.")
	case pending > 0:
		return emailConflict("This person has already been invited.")
	}
	return nil
}

// emailConflict is a conflict naming the email field.
func emailConflict(message string) *igny8.Error {
	return &igny8.Error{Code: igny8.EConflict, Message: message,
		Fields: []igny8.FieldError{{Field: "email", Message: message}}}
}

// ListDeletedUsers pages through the account's removed users that can
// still be restored, oldest first. Errors: unauthenticated, forbidden.
func (s *Members) ListDeletedUsers(ctx context.Context, page igny8.PageRequest) (igny8.Page[igny8.User], error) {
	p, _, err := tenantFor(ctx, igny8.ActManageUsers)
	if err != nil {
		return igny8.Page[igny8.User]{}, err
	}
	page = page.Normalized()
	users, err := queryAll(ctx, s.db.reader(), func(row scanner) (*igny8.User, error) {
		var u igny8.User
		return &u, scanUser(row, &u, nullTimestamp{&u.DeletedAt}, nullTimestamp{&u.PurgeAfter})
	}, `SELECT `+userColumns+`, COALESCE(u.deleted_at, NULL), COALESCE(u.purge_after, NULL) FROM users u
		WHERE u.account_id = ? AND u.deleted_at IS NOT NULL AND u.purge_after > ? AND u.id > ? ORDER BY u.id LIMIT ?`,
		p.AccountID, s.db.Now(), page.Cursor, page.Limit+1)
	if err != nil {
		return igny8.Page[igny8.User]{}, err
	}
	return *cutPage(users, page.Limit, func(u *igny8.User) string { return u.ID }), nil
}

// RestoreUser brings back a removed member of the account within
// retention, with their role and site grants; their sessions stay ended.
// The account row is locked while the seats are counted, as for
// invitations, so racing restores cannot pass max_users. Pending
// invitations to the restored email are withdrawn. Errors: not_found,
// plan_limit_reached, forbidden.
func (s *Members) RestoreUser(ctx context.Context, id string) (*igny8.User, error) {
	p, tn, err := tenantFor(ctx, igny8.ActManageUsers)
	if err != nil {
		return nil, err
	}
	var user *igny8.User
	err = s.db.InTx(ctx, func(tx *Tx) error {
		max, err := accountMaxUsers(ctx, tx, tn)
		if err != nil {
			return err
		}
		var email string
		err = tx.queryRow(ctx, `SELECT email FROM users WHERE account_id = ? AND id = ? AND deleted_at IS NOT NULL
			AND purge_after > ?`+tx.db.forUpdate(), p.AccountID, id, tx.now).Scan(&email)
		if errors.Is(err, sql.ErrNoRows) {
			return igny8.NotFound("User")
		}
		if err != nil {
			return translate(err)
		}
		if _, err := tx.exec(ctx, `UPDATE invitations SET revoked_at = ? WHERE account_id = ? AND email = ?
			AND accepted_at IS NULL AND revoked_at IS NULL`, tx.now, p.AccountID, email); err != nil {
			return err
		}
		if n, err := seatsTaken(ctx, tx, tn, ""); err != nil {
			return err
		} else if n >= max {
			return errSeats
		}
		s.limits.checked()
		if _, err := tx.exec(ctx, `UPDATE users SET deleted_at = NULL, purge_after = NULL, updated_at = ?
			WHERE account_id = ? AND id = ?`, tx.now, p.AccountID, id); err != nil {
			return err
		}
		if err := audit(ctx, tx, tn, "user.restored", "user", id, nil); err != nil {
			return err
		}
		user, err = userByID(ctx, tx.conn, id)
		return err
	})
	return user, err
}
