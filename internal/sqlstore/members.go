package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/igny8/igny8"
)

var _ igny8.MemberService = (*Store)(nil)

// ListUsers pages through the account's live users, oldest first.
// Errors: unauthenticated, forbidden, validation_failed (cursor).
func (s *Store) ListUsers(ctx context.Context, page igny8.PageRequest) (igny8.Page[igny8.User], error) {
	p, err := scope(ctx)
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
func accountMaxUsers(ctx context.Context, tx *Tx, accountID string) (int, error) {
	var planID string
	err := tx.queryRow(ctx, `SELECT plan_id FROM accounts WHERE id = ?`+tx.db.forUpdate(), accountID).Scan(&planID)
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
// leaving out the invitation except (being accepted).
func seatsTaken(ctx context.Context, tx *Tx, accountID, except string) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM users WHERE account_id = ? AND deleted_at IS NULL) +
		(SELECT COUNT(*) FROM invitations WHERE account_id = ? AND id <> ? AND accepted_at IS NULL
			AND revoked_at IS NULL AND expires_at > ?)`, accountID, accountID, except, tx.now).Scan(&n)
	return n, translate(err)
}

var errSeats = igny8.Errorf(igny8.EPlanLimit, "The plan's user limit is reached; upgrade the plan or remove a user first.")

// InviteUser records an invitation to the principal's account (see
// igny8.MemberService). Users plus pending invitations stay within the
// plan's max_users under concurrent invitations: the account row is locked
// while counting. Errors: validation_failed, conflict, plan_limit_reached.
func (s *Store) InviteUser(ctx context.Context, in igny8.NewInvitation, tokenHash string) (*igny8.Invitation, error) {
	p, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateInvitation(&in); err != nil {
		return nil, err
	}
	var inv *igny8.Invitation
	err = s.db.InTx(ctx, func(tx *Tx) error {
		max, err := accountMaxUsers(ctx, tx, p.AccountID)
		if err != nil {
			return err
		}
		if err := checkNotInvited(ctx, tx, p.AccountID, in.Email); err != nil {
			return err
		}
		if n, err := seatsTaken(ctx, tx, p.AccountID, ""); err != nil {
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
		return audit(ctx, tx, p.AccountID, "user.invited", "invitation", inv.ID,
			map[string]any{"email": inv.Email, "role": inv.Role})
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}

// checkNotInvited refuses an email that is already a member of the
// account or has a pending invitation to it. Only this account's rows are
// looked at: whether the email is used elsewhere shows at acceptance.
func checkNotInvited(ctx context.Context, tx *Tx, accountID, email string) error {
	var members, pending int
	err := tx.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM users WHERE account_id = ? AND email = ? AND deleted_at IS NULL),
		(SELECT COUNT(*) FROM invitations WHERE account_id = ? AND email = ? AND accepted_at IS NULL
			AND revoked_at IS NULL AND expires_at > ?)`, accountID, email, accountID, email, tx.now).Scan(&members, &pending)
	switch {
	case err != nil:
		return translate(err)
	case members > 0:
		return igny8.Errorf(igny8.EConflict, "This person is already a member of the account.")
	case pending > 0:
		return igny8.Errorf(igny8.EConflict, "This person has already been invited.")
	}
	return nil
}
