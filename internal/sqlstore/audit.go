package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/igny8/igny8"
)

// audit appends one audit event in tx, naming the principal of ctx as the
// actor. accountID is empty for events outside any account.
func audit(ctx context.Context, tx *Tx, tn tenant, action, targetType, targetID string, details map[string]any) error {
	actor := "system"
	if p := igny8.PrincipalFrom(ctx); p != nil {
		actor = p.ActorID()
	}
	if details == nil {
		details = map[string]any{}
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return err
	}
	var acct any
	if tn.id != "" {
		acct = tn.id
	}
	_, err = tx.exec(ctx, `INSERT INTO audit_events (id, account_id, actor, action, target_type, target_id, details, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, newID(), acct, actor, action, targetType, targetID, string(raw), tx.now)
	return err
}
