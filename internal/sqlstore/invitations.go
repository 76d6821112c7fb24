package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/igny8/igny8"
)

// ListInvitations pages through the account's pending invitations (not
// accepted, revoked or expired, and not to an email that has since become
// a live user's, which cannot be accepted and takes no seat, as
// seatsTaken counts), oldest first. Errors: unauthenticated, forbidden.
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
		AND NOT EXISTS (SELECT 1 FROM users x WHERE x.email = invitations.email AND x.deleted_at IS NULL)
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

// PreviewInvitation describes an invitation by its token for the accept
// page (see igny8.MemberService); the token is the credential.
func (s *Store) PreviewInvitation(ctx context.Context, tokenHash string) (*igny8.InvitationPreview, error) {
	var pv igny8.InvitationPreview
	var used, withdrawn, taken int
	var inviter, inviterEmail sql.NullString
	err := s.db.reader().queryRow(ctx, `SELECT a.name, i.email, i.name, i.role, i.expires_at,
		CASE WHEN i.accepted_at IS NULL THEN 0 ELSE 1 END, CASE WHEN i.revoked_at IS NULL THEN 0 ELSE 1 END,
		CASE WHEN EXISTS (SELECT 1 FROM users x WHERE x.email = i.email AND x.deleted_at IS NULL) THEN 1 ELSE 0 END,
		u.name, u.email
		FROM invitations i JOIN accounts a ON a.id = i.account_id
		LEFT JOIN users u ON u.id = i.invited_by AND u.account_id = i.account_id AND u.deleted_at IS NULL
		WHERE i.token_hash = ?`, tokenHash).Scan(&pv.AccountName, &pv.Email, &pv.Name, &pv.Role, &pv.ExpiresAt,
		&used, &withdrawn, &taken, &inviter, &inviterEmail)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, igny8.Errorf(igny8.ENotFound, "This invitation is unknown.")
	}
	if err != nil {
		return nil, translate(err)
	}
	pv.InvitedBy = inviter.String
	if pv.InvitedBy == "" {
		pv.InvitedBy = inviterEmail.String
	}
	switch {
	case used == 1:
		pv.State = igny8.InvitationUsed
	case withdrawn == 1:
		pv.State = igny8.InvitationWithdrawn
	case !pv.ExpiresAt.After(s.db.Now()):
		pv.State = igny8.InvitationExpired
	case taken == 1:
		pv.State = igny8.InvitationEmailTaken
	default:
		pv.State = igny8.InvitationPending
	}
	return &pv, nil
}
