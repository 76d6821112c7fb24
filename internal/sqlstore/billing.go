package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/igny8/igny8"
)

var _ igny8.BillingService = (*Billing)(nil)

// planDest lists the scan destinations of planColumns.
func planDest(p *igny8.Plan, features *string) []any {
	return []any{&p.ID, &p.Slug, &p.Name, &p.Price, &p.Currency, &p.BillingPeriod, &p.IncludedCredits,
		&p.MaxSites, &p.MaxUsers, &p.MaxSectorsPerSite, &p.APIRequestsPerMinute, &p.IsActive,
		features, &p.CreatedAt, &p.UpdatedAt, &p.StripePriceID}
}

// subscriptionSelect reads subscriptions (alias s) with their plan.
const subscriptionSelect = `SELECT s.id, s.account_id, s.status, s.payment_method, s.current_period_start,
	s.current_period_end, s.cancel_at_period_end, s.external_id, s.created_at, s.updated_at, ` + planColumns + `
	FROM subscriptions s JOIN plans p ON p.id = s.plan_id`

func scanSubscription(row scanner) (*igny8.Subscription, error) {
	var s igny8.Subscription
	var p igny8.Plan
	var features string
	err := row.Scan(append([]any{&s.ID, &s.AccountID, &s.Status, &s.PaymentMethod, &s.CurrentPeriodStart,
		&s.CurrentPeriodEnd, &s.CancelAtPeriodEnd, &s.ExternalID, &s.CreatedAt, &s.UpdatedAt},
		planDest(&p, &features)...)...)
	if err != nil {
		return nil, err
	}
	p.Features = decodeFeatures(features)
	s.Plan = &p
	return &s, nil
}

// subscriptionWhere reads the one subscription matching where; nil when
// there is none.
func subscriptionWhere(ctx context.Context, c conn, where string, args ...any) (*igny8.Subscription, error) {
	return optionalRow(scanSubscription(c.queryRow(ctx, subscriptionSelect+` WHERE `+where, args...)))
}

// subscriptionByID reads one subscription of an account; not_found when absent.
func subscriptionByID(ctx context.Context, c conn, tn tenant, id string) (*igny8.Subscription, error) {
	s, err := subscriptionWhere(ctx, c, `s.account_id = ? AND s.id = ?`, tn.id, id)
	if err == nil && s == nil {
		return nil, igny8.NotFound("Subscription")
	}
	return s, err
}

// currentSubscription is the account's active or past-due subscription, or nil.
func currentSubscription(ctx context.Context, c conn, tn tenant) (*igny8.Subscription, error) {
	return subscriptionWhere(ctx, c, `s.account_id = ? AND s.status IN ('active', 'past_due')`, tn.id)
}

// latestSubscription is the current subscription, else the newest one, or
// nil. A checkout that was never paid (a cancelled subscription without a
// period: superseded or rejected) is no subscription the customer had, so
// a trial account never shows one as cancelled.
func latestSubscription(ctx context.Context, c conn, tn tenant) (*igny8.Subscription, error) {
	return subscriptionWhere(ctx, c, `s.account_id = ? AND (s.status <> 'cancelled' OR s.current_period_start IS NOT NULL)
		ORDER BY CASE WHEN s.status IN ('active', 'past_due') THEN 0
		WHEN s.status = 'pending_payment' THEN 1 ELSE 2 END, s.id DESC LIMIT 1`, tn.id)
}

// paymentSelect reads payments (alias y) with their plan's slug and name.
const paymentSelect = `SELECT ` + paymentColumns + ` FROM payments y JOIN plans p ON p.id = y.plan_id`

const paymentColumns = `y.id, y.account_id, y.subscription_id, p.slug, p.name, y.amount, y.currency, y.method,
	y.status, y.reference, y.confirmed_by, y.confirmed_at, y.rejected_reason, y.external_reference,
	y.amount_received, y.note, y.created_at, y.updated_at`

func paymentDest(y *igny8.Payment) []any {
	return []any{&y.ID, &y.AccountID, &y.SubscriptionID, &y.Plan, &y.PlanName, &y.Amount, &y.Currency, &y.Method,
		&y.Status, &y.Reference, &y.ConfirmedBy, &y.ConfirmedAt, &y.RejectedReason, &y.ExternalReference,
		&y.AmountReceived, &y.Note, &y.CreatedAt, &y.UpdatedAt}
}

func scanPayment(row scanner) (*igny8.Payment, error) {
	var y igny8.Payment
	return &y, row.Scan(paymentDest(&y)...)
}

// paymentWhere reads the one payment matching where; nil when there is none.
func paymentWhere(ctx context.Context, c conn, where string, args ...any) (*igny8.Payment, error) {
	return optionalRow(scanPayment(c.queryRow(ctx, paymentSelect+` WHERE `+where, args...)))
}

// optionalRow is the result of a one-row read: nil, nil when there was no
// row, else the row or the translated error.
func optionalRow[T any](v *T, err error) (*T, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	return v, nil
}

// paymentResult reads a payment and its subscription.
func paymentResult(ctx context.Context, c conn, tn tenant, paymentID string) (*igny8.PaymentResult, error) {
	y, err := paymentWhere(ctx, c, `y.account_id = ? AND y.id = ?`, tn.id, paymentID)
	if err != nil {
		return nil, err
	}
	if y == nil {
		return nil, igny8.NotFound("Payment")
	}
	s, err := subscriptionByID(ctx, c, tn, y.SubscriptionID)
	if err != nil {
		return nil, err
	}
	return &igny8.PaymentResult{Payment: y, Subscription: s}, nil
}

// BillingSummary returns the account's current (or latest) subscription
// and its payment awaiting confirmation. The payment (its reference and
// amount, what the bank instructions are built from) is the owner's, as
// ListPayments is: for a principal without ActBilling (admins, editors,
// viewers, every API key) PendingPayment is nil and only the subscription,
// its plan and status, are shown. Errors: unauthenticated, forbidden.
func (s *Billing) BillingSummary(ctx context.Context) (*igny8.BillingSummary, error) {
	p, tn, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	c := s.db.reader()
	sub, err := latestSubscription(ctx, c, tn)
	if err != nil {
		return nil, err
	}
	if !igny8.Allowed(p, igny8.ActBilling) {
		return &igny8.BillingSummary{Subscription: sub}, nil
	}
	pending, err := paymentWhere(ctx, c, `y.account_id = ? AND y.status = 'pending'`, p.AccountID)
	if err != nil {
		return nil, err
	}
	return &igny8.BillingSummary{Subscription: sub, PendingPayment: pending}, nil
}

// ListPayments lists the account's payments, newest first. It needs
// ActBilling. Errors: unauthenticated, forbidden, validation_failed (cursor).
func (s *Billing) ListPayments(ctx context.Context, page igny8.PageRequest) (*igny8.Page[igny8.Payment], error) {
	p, _, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	if err := igny8.Authorize(p, igny8.ActBilling); err != nil {
		return nil, err
	}
	return newestFirst(ctx, s.db.reader(), paymentSelect+` WHERE y.account_id = ?`, "y.id", []any{p.AccountID}, page,
		scanPayment, func(y *igny8.Payment) string { return y.ID })
}

// CancelSubscription marks the account's current subscription to end at
// the end of its paid period; the billing job then cancels the account.
// Asking twice changes nothing more. It needs ActBilling. Errors:
// unauthenticated, forbidden, conflict (no active subscription).
func (s *Billing) CancelSubscription(ctx context.Context) (*igny8.Subscription, error) {
	return s.setCancelAtPeriodEnd(ctx, true)
}

// ResumeSubscription undoes CancelSubscription while the period has not
// ended: the subscription renews again. It needs ActBilling. Errors:
// unauthenticated, forbidden, conflict (no active subscription, or none
// set to end).
func (s *Billing) ResumeSubscription(ctx context.Context) (*igny8.Subscription, error) {
	return s.setCancelAtPeriodEnd(ctx, false)
}

// setCancelAtPeriodEnd sets or clears the current subscription's
// cancellation at period end, auditing the change, under the account's lock
// (the billing job ends subscriptions under the same lock).
func (s *Billing) setCancelAtPeriodEnd(ctx context.Context, cancel bool) (*igny8.Subscription, error) {
	p, tn, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	if err := igny8.Authorize(p, igny8.ActBilling); err != nil {
		return nil, err
	}
	// A subscription Stripe renews is changed at Stripe first, so that
	// Stripe stops (or resumes) charging the card; nothing changes here
	// when Stripe cannot be reached.
	if err := s.cardCancelAtPeriodEnd(ctx, tn, cancel); err != nil {
		return nil, err
	}
	var out *igny8.Subscription
	err = s.db.InTx(ctx, func(tx *Tx) error {
		if err := lockAccount(ctx, tx, tn); err != nil {
			return err
		}
		sub, err := currentSubscription(ctx, tx.conn, tn)
		if err != nil {
			return err
		}
		switch {
		case sub == nil && cancel:
			return igny8.Errorf(igny8.EConflict, "There is no active subscription to cancel.")
		case sub == nil:
			return igny8.Errorf(igny8.EConflict, "There is no active subscription to resume.")
		case !cancel && !sub.CancelAtPeriodEnd:
			return igny8.Errorf(igny8.EConflict, "The subscription is not set to end, so there is nothing to resume; it renews as usual.")
		}
		if sub.CancelAtPeriodEnd != cancel {
			// stripe_event_at: Stripe's events about this subscription from
			// before this change are older than it.
			if _, err := tx.exec(ctx, `UPDATE subscriptions SET cancel_at_period_end = ?, updated_at = ?,
				stripe_event_at = CASE WHEN external_id <> '' THEN ? ELSE stripe_event_at END WHERE id = ?`,
				cancel, tx.now, tx.now, sub.ID); err != nil {
				return err
			}
			action := "subscription.cancel_requested"
			if !cancel {
				action = "subscription.resumed"
			}
			if err := audit(ctx, tx, tn, action, "subscription", sub.ID,
				map[string]any{"period_end": sub.CurrentPeriodEnd}); err != nil {
				return err
			}
		}
		out, err = subscriptionByID(ctx, tx.conn, tn, sub.ID)
		return err
	})
	return out, err
}
