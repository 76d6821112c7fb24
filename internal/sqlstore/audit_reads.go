package sqlstore

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/google/uuid"
	"github.com/igny8/igny8"
)

const auditSelect = `SELECT e.id, e.account_id, e.actor, e.action, e.target_type, e.target_id, e.details, e.created_at
	FROM audit_events e`

func scanAudit(row scanner) (*igny8.AuditEvent, error) {
	var e igny8.AuditEvent
	var details string
	err := row.Scan(&e.ID, &e.AccountID, &e.Actor, &e.Action, &e.TargetType, &e.TargetID, &details, &e.CreatedAt)
	if err != nil {
		return nil, err
	}
	// Details are written only by audit(); unreadable ones show as empty.
	e.Details = map[string]any{}
	_ = json.Unmarshal([]byte(details), &e.Details)
	return &e, nil
}

func auditID(e *igny8.AuditEvent) string { return e.ID }

// AccountAudit lists the principal's account's audit events, newest
// first. It needs ActEditAccount (owners and admins). Errors:
// unauthenticated, forbidden, validation_failed (cursor).
func (s *Billing) AccountAudit(ctx context.Context, page igny8.PageRequest) (*igny8.Page[igny8.AuditEvent], error) {
	p, _, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	if err := igny8.Authorize(p, igny8.ActEditAccount); err != nil {
		return nil, err
	}
	return newestFirst(ctx, s.db.reader(), auditSelect+` WHERE e.account_id = ?`, "e.id", []any{p.AccountID},
		page, scanAudit, auditID)
}

// adminAuditSelect reads audit events with the names of their account,
// actor and target: each join finds at most one row by primary key, so a
// page is one query.
const adminAuditSelect = `SELECT e.id, e.account_id, e.actor, e.action, e.target_type, e.target_id, e.details, e.created_at,
	a.name, au.email, au.role, au.account_id, ak.name, ak.account_id,
	COALESCE(ta.name, tu.email, ti.email, ts.name, tx.name, tk.name, tp.reference, tl.name, tbp.name, ''),
	COALESCE(tp.currency, tl.currency, '')
	FROM audit_events e
	LEFT JOIN accounts a ON a.id = e.account_id
	LEFT JOIN users au ON au.id = e.actor
	LEFT JOIN api_keys ak ON SUBSTR(e.actor, 1, 8) = 'api_key:' AND ak.id = SUBSTR(e.actor, 9)
	LEFT JOIN accounts ta ON e.target_type = 'account' AND ta.id = e.target_id
	LEFT JOIN users tu ON e.target_type = 'user' AND tu.id = e.target_id
	LEFT JOIN invitations ti ON e.target_type = 'invitation' AND ti.id = e.target_id
	LEFT JOIN sites ts ON e.target_type = 'site' AND ts.id = e.target_id
	LEFT JOIN sectors tx ON e.target_type = 'sector' AND tx.id = e.target_id
	LEFT JOIN api_keys tk ON e.target_type = 'api_key' AND tk.id = e.target_id
	LEFT JOIN payments tp ON e.target_type = 'payment' AND tp.id = e.target_id
	LEFT JOIN plans tl ON e.target_type = 'plan' AND tl.id = e.target_id
	LEFT JOIN subscriptions tb ON e.target_type = 'subscription' AND tb.id = e.target_id
	LEFT JOIN plans tbp ON tbp.id = tb.plan_id`

func scanAdminAudit(row scanner) (*igny8.AdminAuditEvent, error) {
	var e igny8.AdminAuditEvent
	var details string
	var userEmail, userRole, userAccount, keyName, keyAccount *string
	err := row.Scan(&e.ID, &e.AccountID, &e.Actor, &e.Action, &e.TargetType, &e.TargetID, &details, &e.CreatedAt,
		&e.AccountName, &userEmail, &userRole, &userAccount, &keyName, &keyAccount, &e.TargetName, &e.Currency)
	if err != nil {
		return nil, err
	}
	e.Details = map[string]any{}
	_ = json.Unmarshal([]byte(details), &e.Details)
	switch {
	case userEmail != nil && userRole != nil && igny8.Role(*userRole) == igny8.RoleDeveloper:
		e.ActorType, e.ActorName = igny8.ActorAdministrator, *userEmail
	case userEmail != nil:
		e.ActorType, e.ActorName, e.ActorAccountID = igny8.ActorUser, *userEmail, userAccount
	case strings.HasPrefix(e.Actor, "api_key:"):
		e.ActorType, e.ActorAccountID = igny8.ActorAPIKey, keyAccount
		if keyName != nil {
			e.ActorName = *keyName
		}
	case e.Actor == "system":
		e.ActorType = igny8.ActorSystem
	default: // a user since purged
		e.ActorType = igny8.ActorUser
	}
	return &e, nil
}

// maxActionLen bounds the action filter; actions are short names.
const maxActionLen = 100

// ListAudit lists audit events across accounts, newest first, of one
// account and of one action when the filter says so, with the names of
// their accounts, actors and targets. Errors: unauthenticated, forbidden,
// validation_failed (an account id that is no id, an action that is no
// action name, a bad cursor).
func (a *Admin) ListAudit(ctx context.Context, f igny8.AuditFilter, page igny8.PageRequest) (*igny8.Page[igny8.AdminAuditEvent], error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	q, args := adminAuditSelect+` WHERE 1 = 1`, []any{}
	if f.AccountID != "" {
		if _, err := uuid.Parse(f.AccountID); err != nil {
			return nil, igny8.InvalidField("account_id", "must be an account id")
		}
		q, args = q+` AND e.account_id = ?`, append(args, f.AccountID)
	}
	if f.Action != "" {
		if len(f.Action) > maxActionLen || !isActionName(f.Action) {
			return nil, igny8.InvalidField("action", "must be an action name such as payment.confirmed")
		}
		q, args = q+` AND e.action = ?`, append(args, f.Action)
	}
	return newestFirst(ctx, a.db.reader(), q, "e.id", args, page, scanAdminAudit,
		func(e *igny8.AdminAuditEvent) string { return e.ID })
}

// isActionName accepts the shape of the actions audit() writes: lowercase
// letters, digits, dots and underscores.
func isActionName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}
