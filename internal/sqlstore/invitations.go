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
func (s *Members) ListInvitations(ctx context.Context, page igny8.PageRequest) (igny8.Page[igny8.Invitation], error) {
	p, _, err := scope(ctx)
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
func (s *Members) RevokeInvitation(ctx context.Context, id string) error {
	p, tn, err := scope(ctx)
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
		return audit(ctx, tx, tn, "user.invitation_revoked", "invitation", id, nil)
	})
}

// ResendInvitation gives a pending invitation of the account a new link,
// valid for igny8.InvitationTTL from now, and e-mails it, in one
// transaction; the old link stops working (only hashes are stored, so the
// old link cannot be sent again). An expired invitation may be resent: its
// seat was counted while it was pending and is counted again. Errors:
// not_found, plan_limit_reached (an expired invitation whose seat is gone).
func (s *Members) ResendInvitation(ctx context.Context, id, token, tokenHash string) (*igny8.Invitation, error) {
	p, tn, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	if err := igny8.RequireVerifiedEmail(p); err != nil {
		return nil, err
	}
	var inv igny8.Invitation
	err = s.db.InTx(ctx, func(tx *Tx) error {
		max, err := accountMaxUsers(ctx, tx, tn)
		if err != nil {
			return err
		}
		err = tx.queryRow(ctx, `SELECT id, email, name, role, invited_by, expires_at, created_at FROM invitations
			WHERE account_id = ? AND id = ? AND accepted_at IS NULL AND revoked_at IS NULL`+tx.db.forUpdate(), p.AccountID, id).
			Scan(&inv.ID, &inv.Email, &inv.Name, &inv.Role, &inv.InvitedBy, &inv.ExpiresAt, &inv.CreatedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return igny8.NotFound("Invitation")
		}
		if err != nil {
			return translate(err)
		}
		if !inv.ExpiresAt.After(tx.now) {
			if n, err := seatsTaken(ctx, tx, tn, ""); err != nil {
				return err
			} else if n >= max {
				return errSeats
			}
		}
		inv.ExpiresAt = tx.now.Add(igny8.InvitationTTL)
		if _, err := tx.exec(ctx, `UPDATE invitations SET token_hash = ?, expires_at = ? WHERE account_id = ? AND id = ?`,
			tokenHash, inv.ExpiresAt, p.AccountID, id); err != nil {
			return err
		}
		if err := invitationMail(ctx, tx, tn, &inv, token); err != nil {
			return err
		}
		return audit(ctx, tx, tn, "user.invitation_resent", "invitation", id, map[string]any{"email": inv.Email})
	})
	if err != nil {
		return nil, err
	}
	return &inv, nil
}

// PreviewInvitation describes an invitation by its token for the accept
// page (see igny8.MemberService); the token is the credential.
func (s *Members) PreviewInvitation(ctx context.Context, tokenHash string) (*igny8.InvitationPreview, error) {
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
