package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/igny8/igny8"
)

var _ igny8.AdminBillingService = (*Admin)(nil)

// maxNoteLen bounds free-text fields of payment decisions.
const maxNoteLen = 500

// ListPayments lists payments across accounts, newest first, with each
// one's account and age. Errors: unauthenticated, forbidden,
// validation_failed (unknown status, bad cursor).
func (a *Admin) ListPayments(ctx context.Context, f igny8.PaymentFilter, page igny8.PageRequest) (*igny8.Page[igny8.AdminPayment], error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	q := `SELECT ` + paymentColumns + `, a.name, a.status FROM payments y JOIN plans p ON p.id = y.plan_id
		JOIN accounts a ON a.id = y.account_id WHERE 1 = 1`
	var args []any
	switch f.Status {
	case "":
	case igny8.PaymentPending, igny8.PaymentConfirmed, igny8.PaymentRejected:
		q, args = q+` AND y.status = ?`, append(args, f.Status)
	default:
		return nil, igny8.InvalidField("status", "must be pending, confirmed or rejected")
	}
	if f.AccountID != "" {
		q, args = q+` AND y.account_id = ?`, append(args, f.AccountID)
	}
	if ref := igny8.NormalizeReference(f.Reference); ref != "" {
		q, args = q+` AND y.reference = ?`, append(args, ref)
	}
	now := a.db.Now()
	scan := func(row scanner) (*igny8.AdminPayment, error) {
		var ap igny8.AdminPayment
		err := row.Scan(append(paymentDest(&ap.Payment), &ap.Account.Name, &ap.Account.Status)...)
		ap.Account.ID = ap.Payment.AccountID
		ap.AgeSeconds = int64(now.Sub(ap.Payment.CreatedAt) / time.Second)
		return &ap, err
	}
	return newestFirst(ctx, a.db.reader(), q, "y.id", args, page, scan,
		func(ap *igny8.AdminPayment) string { return ap.Payment.ID })
}

// paymentTenant is the account of payment paymentID, for the admin and
// system side that decides on payments by id. Errors: not_found.
func (sys system) paymentTenant(ctx context.Context, c conn, paymentID string) (tenant, error) {
	var accountID string
	err := c.queryRow(ctx, `SELECT account_id FROM payments WHERE id = ?`, paymentID).Scan(&accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return tenant{}, igny8.NotFound("Payment")
	}
	if err != nil {
		return tenant{}, translate(err)
	}
	return sys.reach(accountID), nil
}

// lockPayment takes the locks a payment decision needs, always in the
// order account, then payment, then subscription (the order checkout and
// the billing job use too), and reads payment paymentID of account tn.
// Errors: not_found.
func lockPayment(ctx context.Context, tx *Tx, tn tenant, paymentID string) (*igny8.Payment, error) {
	var subID string
	err := tx.queryRow(ctx, `SELECT subscription_id FROM payments WHERE id = ? AND account_id = ?`, paymentID, tn.id).Scan(&subID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, igny8.NotFound("Payment")
	}
	if err != nil {
		return nil, translate(err)
	}
	if err := lockAccount(ctx, tx, tn); err != nil {
		return nil, err
	}
	for _, l := range []struct{ table, id string }{{"payments", paymentID}, {"subscriptions", subID}} {
		var id string
		if err := tx.queryRow(ctx, `SELECT id FROM `+l.table+` WHERE id = ?`+tx.db.forUpdate(), l.id).Scan(&id); err != nil {
			return nil, translate(err)
		}
	}
	return paymentWhere(ctx, tx.conn, `y.id = ?`, paymentID)
}

// ConfirmPayment records a received payment, in one transaction: the
// payment confirmed (by whom, when), its subscription active for the next
// period (from the current end for a renewal, from now otherwise), any
// other current subscription of the account cancelled (a plan change), the
// account active on the plan with the payment method and no status reason,
// the plan's credits granted once as a subscription transaction referencing
// the payment, and an audit event. The guarded UPDATE on the payment's
// status makes concurrent confirmations grant once; confirming a confirmed
// payment answers its result and changes nothing.
// Errors: unauthenticated, forbidden, not_found, conflict (rejected),
// validation_failed (amount_received differs from the amount without a note).
func (a *Admin) ConfirmPayment(ctx context.Context, paymentID string, in igny8.PaymentConfirmation) (*igny8.PaymentResult, error) {
	sys, err := asSystem(ctx)
	if err != nil {
		return nil, err
	}
	if err := cleanConfirmation(&in); err != nil {
		return nil, err
	}
	var out *igny8.PaymentResult
	err = a.db.InTx(ctx, func(tx *Tx) error {
		tn, err := sys.paymentTenant(ctx, tx.conn, paymentID)
		if err != nil {
			return err
		}
		pay, err := lockPayment(ctx, tx, tn, paymentID)
		if err != nil {
			return err
		}
		switch pay.Status {
		case igny8.PaymentConfirmed:
			out, err = paymentResult(ctx, tx.conn, tn, pay.ID)
			return err
		case igny8.PaymentRejected:
			return igny8.Errorf(igny8.EConflict, "Payment %s was rejected (%s); it cannot be confirmed.", pay.Reference, pay.RejectedReason)
		}
		if in.AmountReceived != nil && *in.AmountReceived != pay.Amount && in.Note == "" {
			return igny8.InvalidField("amount_received", fmt.Sprintf(
				"differs from the amount due (%d %s); add a note explaining it", pay.Amount, pay.Currency))
		}
		if err := confirmPayment(ctx, tx, tn, sys.p, pay, in); err != nil {
			return err
		}
		out, err = paymentResult(ctx, tx.conn, tn, pay.ID)
		return err
	})
	return out, err
}

func cleanConfirmation(in *igny8.PaymentConfirmation) error {
	in.ExternalReference, in.Note = strings.TrimSpace(in.ExternalReference), strings.TrimSpace(in.Note)
	switch {
	case utf8.RuneCountInString(in.ExternalReference) > 200:
		return igny8.InvalidField("external_reference", "must be at most 200 characters")
	case utf8.RuneCountInString(in.Note) > maxNoteLen:
		return igny8.InvalidField("note", "must be at most 500 characters")
	case in.AmountReceived != nil && *in.AmountReceived < 0:
		return igny8.InvalidField("amount_received", "must not be negative")
	}
	return nil
}

// confirmPayment does the writes of ConfirmPayment on a locked, pending payment.
func confirmPayment(ctx context.Context, tx *Tx, tn tenant, p *igny8.Principal, pay *igny8.Payment, in igny8.PaymentConfirmation) error {
	res, err := tx.exec(ctx, `UPDATE payments SET status = 'confirmed', confirmed_by = ?, confirmed_at = ?,
		external_reference = ?, amount_received = ?, note = ?, updated_at = ? WHERE id = ? AND status = 'pending'`,
		p.ActorID(), tx.now, in.ExternalReference, in.AmountReceived, in.Note, tx.now, pay.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 { // unreachable while lockPayment holds the row; the guard stays
		return igny8.Errorf(igny8.EConflict, "Payment %s was decided concurrently; reload it.", pay.Reference)
	}
	acct, err := accountByID(ctx, tx.conn, pay.AccountID)
	if err != nil {
		return err
	}
	sub, err := activateSubscription(ctx, tx, tn, pay, in)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE accounts SET status = 'active', status_reason = '', plan_id = ?,
		payment_method = ?, updated_at = ? WHERE id = ?`, sub.Plan.ID, pay.Method, tx.now, pay.AccountID); err != nil {
		return err
	}
	credited, err := grantPeriodCredits(ctx, tx, tn, p, pay, sub)
	if err != nil {
		return err
	}
	reactivated := acct.Status == igny8.StatusSuspended || acct.Status == igny8.StatusCancelled
	if err := paymentReceipt(ctx, tx, tn, pay.ID, reactivated); err != nil {
		return err
	}
	return audit(ctx, tx, tn, "payment.confirmed", "payment", pay.ID, map[string]any{
		"reference": pay.Reference, "amount": pay.Amount, "currency": pay.Currency, "amount_received": in.AmountReceived,
		"external_reference": in.ExternalReference, "note": in.Note, "plan": sub.Plan.Slug,
		"subscription_id": sub.ID, "period_end": sub.CurrentPeriodEnd, "credits": credited,
		"account_status_before": acct.Status, "account_status_reason_before": acct.StatusReason})
}

// activateSubscription makes the payment's subscription active for one more
// period: the card provider's period when the confirmation carries one,
// else from its current end when it is active (a renewal; unless even the
// extended period would be over already), from now when it is new or past
// due. A new subscription replaces the account's current one, which is
// cancelled first.
func activateSubscription(ctx context.Context, tx *Tx, tn tenant, pay *igny8.Payment, in igny8.PaymentConfirmation) (*igny8.Subscription, error) {
	sub, err := subscriptionByID(ctx, tx.conn, tn, pay.SubscriptionID)
	if err != nil {
		return nil, err
	}
	start, end := tx.now, igny8.BillingPeriod(tx.now)
	switch {
	case sub.Status == igny8.SubCancelled:
		return nil, igny8.Errorf(igny8.EConflict, "The subscription of payment %s has ended; reject the payment instead.", pay.Reference)
	case in.PeriodEnd != nil:
		// The card provider's period. An older invoice arriving late never
		// moves the period back.
		start, end = *in.PeriodStart, *in.PeriodEnd
		if sub.Status == igny8.SubActive && sub.CurrentPeriodEnd != nil && !end.After(*sub.CurrentPeriodEnd) {
			start, end = *sub.CurrentPeriodStart, *sub.CurrentPeriodEnd
		}
	case sub.Status == igny8.SubActive && sub.CurrentPeriodEnd != nil && igny8.BillingPeriod(*sub.CurrentPeriodEnd).After(tx.now):
		start, end = *sub.CurrentPeriodStart, igny8.BillingPeriod(*sub.CurrentPeriodEnd)
	}
	if sub.Status == igny8.SubPendingPayment {
		if _, err := tx.exec(ctx, `UPDATE subscriptions SET status = 'cancelled', updated_at = ?
			WHERE account_id = ? AND id <> ? AND status IN ('active', 'past_due')`, tx.now, pay.AccountID, sub.ID); err != nil {
			return nil, err
		}
	}
	if _, err := tx.exec(ctx, `UPDATE subscriptions SET status = 'active', payment_method = ?, current_period_start = ?,
		current_period_end = ?, cancel_at_period_end = FALSE, updated_at = ? WHERE id = ?`,
		pay.Method, start, end, tx.now, sub.ID); err != nil {
		return nil, err
	}
	return subscriptionByID(ctx, tx.conn, tn, sub.ID)
}

// grantPeriodCredits grants the plan's credits for the period the payment
// bought, through the ledger, keyed by the payment so that it happens once.
func grantPeriodCredits(ctx context.Context, tx *Tx, tn tenant, p *igny8.Principal, pay *igny8.Payment, sub *igny8.Subscription) (int64, error) {
	if sub.Plan.IncludedCredits == 0 {
		return 0, nil
	}
	key := "payment:" + pay.ID
	_, _, err := applyCredit(ctx, tx, tn, creditChange{Type: igny8.TxSubscription,
		Amount:        sub.Plan.IncludedCredits,
		Description:   fmt.Sprintf("%s credits until %s", igny8.PlanTitle(sub.Plan.Name), sub.CurrentPeriodEnd.Format("2006-01-02")),
		ReferenceType: igny8.RefPayment, ReferenceID: pay.ID, IdempotencyKey: key, RequestHash: key, Actor: p.ActorID()})
	return sub.Plan.IncludedCredits, err
}

// RejectPayment rejects a pending payment with a reason; a subscription
// that was waiting for it is cancelled and the account stays as it was.
// Rejecting a rejected payment answers its result. Errors: unauthenticated,
// forbidden, not_found, conflict (confirmed), validation_failed (reason).
func (a *Admin) RejectPayment(ctx context.Context, paymentID string, in igny8.PaymentRejection) (*igny8.PaymentResult, error) {
	sys, err := asSystem(ctx)
	if err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(in.Reason)
	if n := utf8.RuneCountInString(reason); n < 1 || n > maxNoteLen {
		return nil, igny8.InvalidField("reason", "must be 1-500 characters")
	}
	var out *igny8.PaymentResult
	err = a.db.InTx(ctx, func(tx *Tx) error {
		tn, err := sys.paymentTenant(ctx, tx.conn, paymentID)
		if err != nil {
			return err
		}
		pay, err := lockPayment(ctx, tx, tn, paymentID)
		if err != nil {
			return err
		}
		switch pay.Status {
		case igny8.PaymentConfirmed:
			return igny8.Errorf(igny8.EConflict, "Payment %s is already confirmed; it cannot be rejected.", pay.Reference)
		case igny8.PaymentPending:
			if err := rejectPayment(ctx, tx, tn, pay, reason); err != nil {
				return err
			}
		}
		out, err = paymentResult(ctx, tx.conn, tn, pay.ID)
		return err
	})
	return out, err
}

func rejectPayment(ctx context.Context, tx *Tx, tn tenant, pay *igny8.Payment, reason string) error {
	if _, err := tx.exec(ctx, `UPDATE payments SET status = 'rejected', rejected_reason = ?, updated_at = ?
		WHERE id = ? AND status = 'pending'`, reason, tx.now, pay.ID); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE subscriptions SET status = 'cancelled', updated_at = ?
		WHERE id = ? AND status = 'pending_payment'`, tx.now, pay.SubscriptionID); err != nil {
		return err
	}
	// The owner is told about a transfer; a card checkout that failed or
	// expired took no money, and the owner saw it end.
	if pay.Method == igny8.MethodBankTransfer {
		if err := paymentRejectedMail(ctx, tx, tn, pay, reason); err != nil {
			return err
		}
	}
	return audit(ctx, tx, tn, "payment.rejected", "payment", pay.ID,
		map[string]any{"reason": reason, "reference": pay.Reference, "amount": pay.Amount})
}
