package sqlstore

import (
	"context"

	"github.com/igny8/igny8"
)

// ListInvitations pages through the account's pending (not accepted,
// revoked or expired) invitations, oldest first. Errors: unauthenticated,
// forbidden.
func (s *Store) ListInvitations(ctx context.Context, page igny8.PageRequest) (igny8.Page[igny8.Invitation], error) {
	p, err := scope(ctx)
	if err != nil {
		return igny8.Page[igny8.Invitation]{}, err
	}
	page = page.Normalized()
	if err := checkIDCursor(page); err != nil {
		return igny8.Page[igny8.Invitation]{}, err
	}
	out, err := queryAll(ctx, s.db.reader(), func(row scanner) (*igny8.Invitation, error) {
		var inv igny8.Invitation
		return &inv, row.Scan(&inv.ID, &inv.Email, &inv.Name, &inv.Role, &inv.InvitedBy, &inv.ExpiresAt, &inv.CreatedAt)
	}, `SELECT id, email, name, role, invited_by, expires_at, created_at
		FROM invitations WHERE account_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?
		AND id > ? ORDER BY id LIMIT ?`, p.AccountID, s.db.Now(), page.Cursor, page.Limit+1)
	if err != nil {
		return igny8.Page[igny8.Invitation]{}, err
	}
	return *cutPage(out, page.Limit, func(i *igny8.Invitation) string { return i.ID }), nil
}

// RevokeInvitation withdraws a pending invitation of the account; its link
// stops working and its seat is free. Errors: not_found.
func (s *Store) RevokeInvitation(ctx context.Context, id string) error {
	p, err := scope(ctx)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE invitations SET revoked_at = ? WHERE account_id = ? AND id = ?
			AND accepted_at IS NULL AND revoked_at IS NULL`, tx.now, p.AccountID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return igny8.NotFound("Invitation")
		}
		return audit(ctx, tx, p.AccountID, "user.invitation_revoked", "invitation", id, nil)
	})
}
