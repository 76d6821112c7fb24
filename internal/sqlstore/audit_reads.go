package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/igny8/igny8"
)

const auditSelect = `SELECT e.id, e.account_id, e.actor, e.action, e.target_type, e.target_id, e.details, e.created_at
	FROM audit_events e`

func scanAudit(row scanner) (igny8.AuditEvent, error) {
	var e igny8.AuditEvent
	var details string
	err := row.Scan(&e.ID, &e.AccountID, &e.Actor, &e.Action, &e.TargetType, &e.TargetID, &details, &e.CreatedAt)
	if err != nil {
		return e, err
	}
	// Details are written only by audit(); unreadable ones show as empty.
	e.Details = map[string]any{}
	_ = json.Unmarshal([]byte(details), &e.Details)
	return e, nil
}

func auditID(e *igny8.AuditEvent) string { return e.ID }

// AccountAudit lists the principal's account's audit events, newest
// first. It needs ActEditAccount (owners and admins). Errors:
// unauthenticated, forbidden, validation_failed (cursor).
func (s *Store) AccountAudit(ctx context.Context, page igny8.PageRequest) (*igny8.Page[igny8.AuditEvent], error) {
	p, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	if err := igny8.Authorize(p, igny8.ActEditAccount); err != nil {
		return nil, err
	}
	return newestFirst(ctx, s.db.reader(), auditSelect+` WHERE e.account_id = ?`, "e.id", []any{p.AccountID},
		page, scanAudit, auditID)
}

// ListAudit lists audit events across accounts, or of one account when
// accountID is set, newest first. Errors: unauthenticated, forbidden,
// validation_failed (cursor).
func (a *Admin) ListAudit(ctx context.Context, accountID string, page igny8.PageRequest) (*igny8.Page[igny8.AuditEvent], error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	q, args := auditSelect+` WHERE 1 = 1`, []any{}
	if accountID != "" {
		q, args = q+` AND e.account_id = ?`, append(args, accountID)
	}
	return newestFirst(ctx, a.db.reader(), q, "e.id", args, page, scanAudit, auditID)
}
