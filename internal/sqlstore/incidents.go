package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/igny8/igny8"
)

// Payment incidents: a refund or a dispute Stripe reports for a card
// payment. Each is recorded once (keyed by its Stripe event), audited,
// e-mailed to the operators' address and listed in the admin console as
// open until an administrator resolves it. igny8 takes no credits back by
// itself: credits already spent stay spent, and an administrator who
// decides otherwise adjusts the ledger (POST /admin/accounts/{id}/credits).

var _ igny8.AdminIncidentService = (*Admin)(nil)

// SetOperatorEmail sets the address notices for igny8's operators go to
// (refunds and disputes); empty sends none. The serve command passes
// --operator-email, or the support address without it.
func (db *DB) SetOperatorEmail(addr string) {
	addr = strings.TrimSpace(addr)
	db.operators.Store(&addr)
}

func (db *DB) operatorEmail() string {
	if p := db.operators.Load(); p != nil {
		return *p
	}
	return ""
}

const incidentColumns = `id, account_id, kind, event_id, charge_id, amount, currency, reason, status, note, resolved_by,
	resolved_at, created_at, updated_at`

func scanIncident(row scanner) (*igny8.PaymentIncident, error) {
	var n igny8.PaymentIncident
	var acct, by sql.NullString
	if err := row.Scan(&n.ID, &acct, &n.Kind, &n.EventID, &n.ChargeID, &n.Amount, &n.Currency, &n.Reason, &n.Status,
		&n.Note, &by, &n.ResolvedAt, &n.CreatedAt, &n.UpdatedAt); err != nil {
		return nil, err
	}
	if acct.Valid {
		n.AccountID = &acct.String
	}
	if by.Valid {
		n.ResolvedBy = &by.String
	}
	return &n, nil
}

// recordIncident records a refund or dispute event (once: its event is
// stored by ProcessCardEvent in the same transaction), with an audit event
// and the operators' e-mail. accountID is "" when the Stripe customer is
// no account of igny8 (noTenant).
func recordIncident(ctx context.Context, tx *Tx, tn tenant, ev igny8.CardEvent) error {
	kind, action := igny8.IncidentRefund, "payment.refunded"
	if ev.Type == igny8.CardEventDisputeCreated {
		kind, action = igny8.IncidentDispute, "payment.disputed"
	}
	var acct any
	var acctName string
	if tn.id != "" {
		acct = tn.id
		if err := tx.queryRow(ctx, `SELECT name FROM accounts WHERE id = ?`, tn.id).Scan(&acctName); err != nil {
			return translate(err)
		}
	}
	id := newID()
	if _, err := tx.exec(ctx, `INSERT INTO payment_incidents (id, account_id, kind, event_id, charge_id, amount, currency, reason,
		status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)`,
		id, acct, kind, ev.ID, ev.ChargeID, ev.Amount, upper(ev.Currency), ev.Reason, tx.now, tx.now); err != nil {
		return err
	}
	details := map[string]any{"event": ev.ID, "charge": ev.ChargeID, "amount": ev.Amount, "currency": ev.Currency,
		"customer": ev.CustomerID, "incident": id}
	if ev.Reason != "" {
		details["reason"] = ev.Reason
	}
	if err := audit(ctx, tx, tn, action, "charge", ev.ChargeID, details); err != nil {
		return err
	}
	// The notice is the operators', not the account's: it belongs to none.
	return enqueue(ctx, tx, noTenant, igny8.IncidentMail{Kind: kind, AccountName: acctName, AccountID: tn.id,
		ChargeID: ev.ChargeID, Amount: ev.Amount, Currency: upper(ev.Currency), Reason: ev.Reason, EventID: ev.ID},
		tx.db.operatorEmail())
}

// ListPaymentIncidents lists refunds and disputes across accounts, newest
// first, status "" for all. Errors: unauthenticated, forbidden,
// validation_failed.
func (a *Admin) ListPaymentIncidents(ctx context.Context, status string, page igny8.PageRequest) (*igny8.Page[igny8.PaymentIncident], error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	q, args := `SELECT `+incidentColumns+` FROM payment_incidents WHERE 1 = 1`, []any{}
	switch status {
	case "":
	case igny8.IncidentOpen, igny8.IncidentResolved:
		q, args = q+` AND status = ?`, append(args, status)
	default:
		return nil, igny8.InvalidField("status", "must be open or resolved")
	}
	return newestFirst(ctx, a.db.reader(), q, "id", args, page, scanIncident,
		func(n *igny8.PaymentIncident) string { return n.ID })
}

// ResolvePaymentIncident closes an open incident with a note of what was
// done (credits adjusted, dispute answered, nothing needed), with an audit
// event. Resolving a resolved incident answers it and changes nothing.
// Errors: unauthenticated, forbidden, not_found, validation_failed (note).
func (a *Admin) ResolvePaymentIncident(ctx context.Context, id string, in igny8.IncidentResolution) (*igny8.PaymentIncident, error) {
	sys, err := asSystem(ctx)
	if err != nil {
		return nil, err
	}
	note := strings.TrimSpace(in.Note)
	if n := utf8.RuneCountInString(note); n < 1 || n > maxNoteLen {
		return nil, igny8.InvalidField("note", "must be 1-500 characters: what was done")
	}
	var out *igny8.PaymentIncident
	err = a.db.InTx(ctx, func(tx *Tx) error {
		cur, err := scanIncident(tx.queryRow(ctx, `SELECT `+incidentColumns+` FROM payment_incidents WHERE id = ?`+tx.db.forUpdate(), id))
		if errors.Is(err, sql.ErrNoRows) {
			return igny8.NotFound("Payment incident")
		}
		if err != nil {
			return translate(err)
		}
		if cur.Status == igny8.IncidentOpen {
			if _, err := tx.exec(ctx, `UPDATE payment_incidents SET status = 'resolved', note = ?, resolved_by = ?, resolved_at = ?,
				updated_at = ? WHERE id = ? AND status = 'open'`, note, sys.p.ActorID(), tx.now, tx.now, id); err != nil {
				return err
			}
			tn := noTenant
			if cur.AccountID != nil {
				tn = sys.reach(*cur.AccountID)
			}
			if err := audit(ctx, tx, tn, "payment_incident.resolved", "payment_incident", id, map[string]any{
				"kind": cur.Kind, "charge": cur.ChargeID, "note": note}); err != nil {
				return err
			}
		}
		out, err = scanIncident(tx.queryRow(ctx, `SELECT `+incidentColumns+` FROM payment_incidents WHERE id = ?`, id))
		return translate(err)
	})
	return out, err
}
