package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/igny8/igny8"
)

// Card payments through Stripe. Checkout makes the same pending payment as
// a bank transfer and hands the owner to Stripe's page; Stripe's signed
// events (ProcessCardEvent) then confirm it through confirmPayment, the
// bank transfer's confirmation (payments_admin.go), so that a card payment
// is confirmed, activates its subscription, grants the plan's credits and
// is audited exactly like a transfer an administrator confirms.

var _ igny8.CardEventService = (*Admin)(nil)

// cardCustomer returns the account's Stripe customer, creating it once. Two
// checkouts racing both ask Stripe with the same idempotency key (the
// account's id) and the first stored id wins.
func (s *payments) cardCustomer(ctx context.Context, tn tenant) (string, error) {
	var id, name, email string
	if err := s.db.reader().queryRow(ctx, `SELECT stripe_customer_id, name, billing_email FROM accounts WHERE id = ?`,
		tn.id).Scan(&id, &name, &email); err != nil {
		return "", translate(err)
	}
	if id != "" {
		return id, nil
	}
	id, err := s.card.NewCustomer(ctx, tn.id, name, email)
	if err != nil {
		return "", cardUnavailable(err)
	}
	err = s.db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `UPDATE accounts SET stripe_customer_id = ?, updated_at = ? WHERE id = ? AND stripe_customer_id = ''`,
			id, tx.now, tn.id); err != nil {
			return err
		}
		return tx.queryRow(ctx, `SELECT stripe_customer_id FROM accounts WHERE id = ?`, tn.id).Scan(&id)
	})
	return id, translate(err)
}

// cardUnavailable is the answer when Stripe cannot be reached or refuses.
func cardUnavailable(err error) error {
	return errors.Join(igny8.Errorf(igny8.EUnavailable,
		"Card payments are unavailable at the moment; try again later or pay by bank_transfer."), err)
}

// cardCheckout creates the Stripe Checkout Session that pays the pending
// payment of res and answers its URL. The session names the payment (its
// client reference and metadata); the payment's external reference becomes
// the Stripe invoice once paid. When Stripe fails, the payment is
// rejected (reason checkout_failed) so that nothing waits for it.
func (s *Billing) cardCheckout(ctx context.Context, tn tenant, res *igny8.CheckoutResult, customer, returnURL string) (*igny8.CheckoutResult, error) {
	pay := res.Payment
	sess, err := s.card.Checkout(ctx, igny8.CardCheckout{Mode: igny8.CardModeSubscription, CustomerID: customer,
		PriceID: res.Subscription.Plan.StripePriceID, PaymentID: pay.ID,
		SuccessURL: returnURL + "?notice=card_paid", CancelURL: returnURL + "?notice=card_cancelled"})
	if err != nil {
		rerr := s.db.InTx(ctx, func(tx *Tx) error {
			if _, err := lockPayment(ctx, tx, tn, pay.ID); err != nil {
				return err
			}
			return rejectPayment(ctx, tx, tn, pay, igny8.RejectCheckoutFailed)
		})
		return nil, errors.Join(cardUnavailable(err), rerr)
	}
	res.CheckoutURL = &sess.URL
	return res, nil
}

// cardCancelAtPeriodEnd sets cancel_at_period_end at Stripe for the
// account's current subscription when Stripe renews it (it has a Stripe
// subscription and card payments are on); otherwise it does nothing.
func (s *Billing) cardCancelAtPeriodEnd(ctx context.Context, tn tenant, cancel bool) error {
	if s.card == nil {
		return nil
	}
	sub, err := currentSubscription(ctx, s.db.reader(), tn)
	if err != nil || sub == nil || sub.ExternalID == "" || sub.PaymentMethod != igny8.MethodStripe ||
		sub.CancelAtPeriodEnd == cancel {
		return err
	}
	if err := s.card.SetCancelAtPeriodEnd(ctx, sub.ExternalID, cancel); err != nil {
		return cardUnavailable(err)
	}
	return nil
}

// BillingPortal answers a link to Stripe's customer portal for the
// account's Stripe customer. It needs ActBilling. Errors: forbidden,
// payment_method_unavailable (no Stripe, or the account never paid by
// card), service_unavailable (Stripe failed).
func (s *Billing) BillingPortal(ctx context.Context, returnURL string) (*igny8.BillingPortal, error) {
	p, _, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	if err := igny8.Authorize(p, igny8.ActBilling); err != nil {
		return nil, err
	}
	if s.card == nil {
		return nil, igny8.Errorf(igny8.EPaymentMethod, "Card payments are not available.")
	}
	var customer string
	if err := s.db.reader().queryRow(ctx, `SELECT stripe_customer_id FROM accounts WHERE id = ?`, p.AccountID).Scan(&customer); err != nil {
		return nil, translate(err)
	}
	if customer == "" {
		return nil, igny8.Errorf(igny8.EPaymentMethod, "The account has not paid by card yet; check out with payment_method stripe first.")
	}
	url, err := s.card.PortalURL(ctx, customer, returnURL)
	if err != nil {
		return nil, cardUnavailable(err)
	}
	return &igny8.BillingPortal{URL: url}, nil
}

// cardEventHandled lists the event types ProcessCardEvent acts on.
var cardEventHandled = map[string]bool{
	igny8.CardEventCheckoutCompleted: true, igny8.CardEventInvoicePaid: true,
	igny8.CardEventInvoicePaymentFailed: true, igny8.CardEventSubscriptionDeleted: true,
	igny8.CardEventSubscriptionUpdated: true, igny8.CardEventCheckoutExpired: true,
	igny8.CardEventChargeRefunded: true, igny8.CardEventDisputeCreated: true,
}

// ProcessCardEvent applies one verified Stripe event, exactly once: the
// event's id is stored in the transaction that applies it, so a duplicate
// or concurrent delivery finds it (the unique key waits for the first) and
// changes nothing, and a failure stores nothing, so Stripe's redelivery
// applies it. Order does not matter: a paid invoice only ever extends a
// period, a late failure changes no state, and a deleted subscription stays
// cancelled. Types igny8 does not handle change nothing.
// Errors: unauthenticated, forbidden, database errors.
func (a *Admin) ProcessCardEvent(ctx context.Context, ev igny8.CardEvent) (igny8.CardEventResult, error) {
	var res igny8.CardEventResult
	sys, err := asSystem(ctx)
	if err != nil {
		return res, err
	}
	if !cardEventHandled[ev.Type] || ev.ID == "" {
		res.Ignored = true
		return res, nil
	}
	err = a.db.InTx(ctx, func(tx *Tx) error {
		res = igny8.CardEventResult{}
		r, err := tx.exec(ctx, `INSERT INTO stripe_events (id, type, created_at, processed_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`, ev.ID, ev.Type, ev.Created.UTC(), tx.now)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil || n == 0 {
			res.Duplicate = err == nil
			return err
		}
		switch ev.Type {
		case igny8.CardEventCheckoutCompleted:
			res.Ignored, err = cardCheckoutCompleted(ctx, tx, sys, ev)
		case igny8.CardEventInvoicePaid:
			res.Ignored, err = cardInvoicePaid(ctx, tx, sys, ev)
		case igny8.CardEventInvoicePaymentFailed:
			res.Ignored, err = cardInvoiceFailed(ctx, tx, sys, ev)
		case igny8.CardEventSubscriptionDeleted:
			res.Ignored, err = cardSubscriptionDeleted(ctx, tx, sys, ev)
		case igny8.CardEventSubscriptionUpdated:
			res.Ignored, err = cardSubscriptionUpdated(ctx, tx, sys, ev)
		case igny8.CardEventCheckoutExpired:
			res.Ignored, err = cardCheckoutExpired(ctx, tx, sys, ev)
		default:
			err = cardChargeEvent(ctx, tx, sys, ev)
		}
		return err
	})
	return res, err
}

// cardPayment reads the Stripe payment with id, locked; nil when there is
// none (an event for a payment of another system, or of a purged account).
func cardPayment(ctx context.Context, tx *Tx, sys system, id string) (*igny8.Payment, error) {
	if id == "" {
		return nil, nil
	}
	tn, err := sys.paymentTenant(ctx, tx.conn, id)
	if igny8.ErrorCode(err) == igny8.ENotFound {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	pay, err := lockPayment(ctx, tx, tn, id)
	if igny8.ErrorCode(err) == igny8.ENotFound || err == nil && pay.Method != igny8.MethodStripe {
		return nil, nil
	}
	return pay, err
}

// cardConfirm confirms a pending Stripe payment through confirmPayment with
// Stripe's invoice and period, and links the subscription to Stripe's.
func cardConfirm(ctx context.Context, tx *Tx, sys system, pay *igny8.Payment, ev igny8.CardEvent) error {
	if _, err := tx.exec(ctx, `UPDATE subscriptions SET external_id = ?, updated_at = ? WHERE id = ? AND external_id = ''`,
		ev.SubscriptionID, tx.now, pay.SubscriptionID); err != nil {
		return err
	}
	tn := sys.reach(pay.AccountID)
	sub, err := subscriptionByID(ctx, tx.conn, tn, pay.SubscriptionID)
	if err != nil {
		return err
	}
	if sub.Status == igny8.SubCancelled {
		// Stripe took money for a subscription igny8 already ended (a
		// cancellation processed first, or a superseded checkout): record it
		// for an administrator, change nothing else.
		return audit(ctx, tx, tn, "payment.card_unapplied", "payment", pay.ID, map[string]any{
			"reason": "subscription_cancelled", "event": ev.ID, "invoice": ev.InvoiceID, "amount": ev.Amount, "currency": ev.Currency})
	}
	in := igny8.PaymentConfirmation{ExternalReference: cardReference(ev), AmountReceived: &ev.Amount,
		Note: "Paid by card (Stripe event " + ev.ID + ")"}
	if !ev.PeriodEnd.IsZero() && ev.PeriodEnd.After(ev.PeriodStart) {
		start, end := ev.PeriodStart.UTC(), ev.PeriodEnd.UTC()
		in.PeriodStart, in.PeriodEnd = &start, &end
	}
	return confirmPayment(ctx, tx, tn, sys.p, pay, in)
}

// cardReference is what identifies a Stripe payment: its invoice, else its
// checkout session.
func cardReference(ev igny8.CardEvent) string {
	if ev.InvoiceID != "" {
		return ev.InvoiceID
	}
	return ev.PaymentID
}

// cardCheckoutCompleted confirms the payment a paid Checkout Session names.
func cardCheckoutCompleted(ctx context.Context, tx *Tx, sys system, ev igny8.CardEvent) (bool, error) {
	if !ev.Paid {
		return true, nil // a delayed method: invoice.paid confirms it
	}
	if ev.PurchaseID != "" {
		return cardPurchasePaid(ctx, tx, sys, ev)
	}
	pay, err := cardPayment(ctx, tx, sys, ev.PaymentID)
	if err != nil || pay == nil {
		return pay == nil, err
	}
	switch pay.Status {
	case igny8.PaymentConfirmed:
		return false, nil // invoice.paid came first
	case igny8.PaymentRejected:
		return false, audit(ctx, tx, sys.reach(pay.AccountID), "payment.card_unapplied", "payment", pay.ID, map[string]any{
			"reason": pay.RejectedReason, "event": ev.ID, "invoice": ev.InvoiceID, "amount": ev.Amount, "currency": ev.Currency})
	}
	return false, cardConfirm(ctx, tx, sys, pay, ev)
}

// cardCheckoutExpired ends what an unpaid Checkout Session was for: its
// pending plan payment is rejected (reason checkout_expired, its pending
// subscription cancelled) or its pending credit purchase is; anything
// already decided stays.
func cardCheckoutExpired(ctx context.Context, tx *Tx, sys system, ev igny8.CardEvent) (bool, error) {
	if ev.PurchaseID != "" {
		c, err := lockPurchase(ctx, tx, sys, ev.PurchaseID)
		if err != nil || c == nil || c.Method != igny8.MethodStripe {
			return err == nil, err
		}
		if c.Status != igny8.PaymentPending {
			return false, nil
		}
		if _, err := tx.exec(ctx, `UPDATE credit_purchases SET status = 'rejected', rejected_reason = ?, updated_at = ?
			WHERE id = ? AND status = 'pending'`, igny8.RejectCheckoutExpired, tx.now, c.ID); err != nil {
			return false, err
		}
		return false, audit(ctx, tx, sys.reach(c.AccountID), "credit_purchase.rejected", "credit_purchase", c.ID, map[string]any{
			"reason": igny8.RejectCheckoutExpired, "reference": c.Reference, "event": ev.ID})
	}
	pay, err := cardPayment(ctx, tx, sys, ev.PaymentID)
	if err != nil || pay == nil || pay.Status != igny8.PaymentPending {
		return pay == nil, err
	}
	return false, rejectPayment(ctx, tx, sys.reach(pay.AccountID), pay, igny8.RejectCheckoutExpired)
}

// cardInvoicePaid confirms the payment of a paid invoice: the checkout's
// own payment for the first invoice, a new payment for each renewal. One
// payment per invoice (a unique index on the Stripe reference) keeps the
// plan's credits to one grant per paid invoice.
func cardInvoicePaid(ctx context.Context, tx *Tx, sys system, ev igny8.CardEvent) (bool, error) {
	if ev.InvoiceID == "" {
		return true, nil
	}
	var existing, subID string
	err := tx.queryRow(ctx, `SELECT id, subscription_id FROM payments WHERE method = 'stripe' AND external_reference = ?`,
		ev.InvoiceID).Scan(&existing, &subID)
	switch {
	case err == nil:
		// Confirmed by its checkout session, which carries no period: take
		// Stripe's, when it reaches further than the one assumed then.
		if ev.PeriodEnd.After(ev.PeriodStart) {
			_, err = tx.exec(ctx, `UPDATE subscriptions SET current_period_start = ?, current_period_end = ?, updated_at = ?
				WHERE id = ? AND status = 'active' AND current_period_end < ?`,
				ev.PeriodStart.UTC(), ev.PeriodEnd.UTC(), tx.now, subID, ev.PeriodEnd.UTC())
		}
		return false, err
	case !errors.Is(err, sql.ErrNoRows):
		return false, translate(err)
	}
	if pay, err := cardPayment(ctx, tx, sys, ev.PaymentID); err != nil || pay != nil && pay.Status == igny8.PaymentPending {
		if err != nil {
			return false, err
		}
		return false, cardConfirm(ctx, tx, sys, pay, ev)
	}
	sub, err := cardSubscription(ctx, tx, sys, ev)
	if err != nil || sub == nil {
		return sub == nil, err
	}
	pay, err := insertCardPayment(ctx, tx, sys, sub, ev)
	if err != nil {
		return false, err
	}
	return false, cardConfirm(ctx, tx, sys, pay, ev)
}

// cardSubscription finds igny8's subscription of Stripe's subscription (by
// its id, or through the checkout payment the invoice names), with its
// account locked; nil when there is none.
func cardSubscription(ctx context.Context, tx *Tx, sys system, ev igny8.CardEvent) (*igny8.Subscription, error) {
	var accountID, id string
	err := tx.queryRow(ctx, `SELECT account_id, id FROM subscriptions WHERE external_id = ? AND external_id <> ''
		ORDER BY created_at DESC LIMIT 1`, ev.SubscriptionID).Scan(&accountID, &id)
	if errors.Is(err, sql.ErrNoRows) && ev.PaymentID != "" {
		err = tx.queryRow(ctx, `SELECT account_id, subscription_id FROM payments WHERE id = ? AND method = 'stripe'`,
			ev.PaymentID).Scan(&accountID, &id)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	tn := sys.reach(accountID)
	if err := lockAccount(ctx, tx, tn); err != nil {
		return nil, err
	}
	return subscriptionByID(ctx, tx.conn, tn, id)
}

// insertCardPayment records the pending payment of a renewal invoice.
func insertCardPayment(ctx context.Context, tx *Tx, sys system, sub *igny8.Subscription, ev igny8.CardEvent) (*igny8.Payment, error) {
	currency := sub.Plan.Currency
	if len(ev.Currency) == 3 {
		currency = ev.Currency
	}
	id := newID()
	for try := 0; try < maxReferenceTries; try++ {
		r, err := tx.exec(ctx, `INSERT INTO payments (id, account_id, subscription_id, plan_id, amount, currency,
			method, status, reference, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'stripe', 'pending', ?, ?, ?)
			ON CONFLICT (reference) DO NOTHING`,
			id, sub.AccountID, sub.ID, sub.Plan.ID, ev.Amount, upper(currency), igny8.NewPaymentReference(), tx.now, tx.now)
		if err != nil {
			return nil, err
		}
		if n, err := r.RowsAffected(); err != nil {
			return nil, err
		} else if n == 1 {
			return lockPayment(ctx, tx, sys.reach(sub.AccountID), id)
		}
	}
	return nil, errors.New("insert card payment: no free payment reference found")
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// cardInvoiceFailed records a failed card payment. It changes no state:
// the period stays unpaid, so the grace rule of the billing job
// (billing_job.go) moves the subscription to past_due and suspends the
// account once the period has ended more than the grace ago, unless
// Stripe's retry pays the invoice first. A failure older than a payment
// therefore never undoes it.
func cardInvoiceFailed(ctx context.Context, tx *Tx, sys system, ev igny8.CardEvent) (bool, error) {
	sub, err := cardSubscription(ctx, tx, sys, ev)
	if err != nil || sub == nil {
		return sub == nil, err
	}
	return false, audit(ctx, tx, sys.reach(sub.AccountID), "payment.card_failed", "subscription", sub.ID, map[string]any{
		"event": ev.ID, "invoice": ev.InvoiceID, "amount": ev.Amount, "currency": ev.Currency,
		"event_created": ev.Created.UTC(), "period_end": sub.CurrentPeriodEnd})
}

// cardSubscriptionDeleted ends the subscription Stripe deleted: it is
// cancelled, the account is cancelled (reason subscription_cancelled, as
// at the end of a cancelled period) and a payment still pending for it is
// rejected. A cancelled subscription stays cancelled whatever arrives later.
func cardSubscriptionDeleted(ctx context.Context, tx *Tx, sys system, ev igny8.CardEvent) (bool, error) {
	sub, err := cardSubscription(ctx, tx, sys, ev)
	if err != nil || sub == nil || sub.Status == igny8.SubCancelled {
		return sub == nil, err
	}
	if _, err := tx.exec(ctx, `UPDATE subscriptions SET status = 'cancelled', updated_at = ? WHERE id = ?`, tx.now, sub.ID); err != nil {
		return false, err
	}
	if sub.Status != igny8.SubPendingPayment {
		if _, err := tx.exec(ctx, `UPDATE accounts SET status = 'cancelled', status_reason = ?, updated_at = ?
			WHERE id = ? AND status <> 'cancelled' AND plan_id = ?`, igny8.ReasonSubscriptionCancelled, tx.now, sub.AccountID, sub.Plan.ID); err != nil {
			return false, err
		}
	}
	if _, err := tx.exec(ctx, `UPDATE payments SET status = 'rejected', rejected_reason = ?, updated_at = ?
		WHERE account_id = ? AND subscription_id = ? AND status = 'pending'`, igny8.RejectSubscriptionCancelled, tx.now,
		sub.AccountID, sub.ID); err != nil {
		return false, err
	}
	return false, audit(ctx, tx, sys.reach(sub.AccountID), "subscription.ended", "subscription", sub.ID, map[string]any{
		"account_status": igny8.StatusCancelled, "reason": "stripe_subscription_deleted", "event": ev.ID})
}

// cardSubscriptionUpdated follows a change Stripe made to a subscription
// (in its customer portal, its dashboard, or igny8's own cancel and
// resume): cancel_at_period_end, a plan change (a price that is a plan's
// Stripe price) and a status of canceled or incomplete_expired, which end
// it as a deletion does. Stripe's past_due and unpaid change nothing at
// once: the grace rule of the billing job (billing_job.go) decides, as for
// a failed invoice; payments move the period, never this event. Each
// subscription keeps the creation time of the newest such event applied
// (stripe_event_at): an older one arriving later changes nothing, and a
// cancelled subscription stays cancelled.
func cardSubscriptionUpdated(ctx context.Context, tx *Tx, sys system, ev igny8.CardEvent) (bool, error) {
	sub, err := cardSubscription(ctx, tx, sys, ev)
	if err != nil || sub == nil || sub.Status == igny8.SubCancelled {
		return sub == nil, err
	}
	if _, err := tx.exec(ctx, `UPDATE subscriptions SET external_id = ?, updated_at = ? WHERE id = ? AND external_id = ''`,
		ev.SubscriptionID, tx.now, sub.ID); err != nil {
		return false, err
	}
	r, err := tx.exec(ctx, `UPDATE subscriptions SET stripe_event_at = ? WHERE id = ? AND (stripe_event_at IS NULL OR stripe_event_at <= ?)`,
		ev.Created.UTC(), sub.ID, ev.Created.UTC())
	if err != nil {
		return false, err
	}
	if n, err := r.RowsAffected(); err != nil || n == 0 {
		return false, err // an older state than one already applied
	}
	switch ev.Status {
	case "canceled", "incomplete_expired":
		return cardSubscriptionDeleted(ctx, tx, sys, ev)
	}
	tn := sys.reach(sub.AccountID)
	if sub.CancelAtPeriodEnd != ev.CancelAtPeriodEnd && sub.Status != igny8.SubPendingPayment {
		if _, err := tx.exec(ctx, `UPDATE subscriptions SET cancel_at_period_end = ?, updated_at = ? WHERE id = ?`,
			ev.CancelAtPeriodEnd, tx.now, sub.ID); err != nil {
			return false, err
		}
		action := "subscription.cancel_requested"
		if !ev.CancelAtPeriodEnd {
			action = "subscription.resumed"
		}
		if err := audit(ctx, tx, tn, action, "subscription", sub.ID, map[string]any{
			"source": "stripe", "event": ev.ID, "period_end": sub.CurrentPeriodEnd}); err != nil {
			return false, err
		}
	}
	if ev.PriceID != "" && ev.PriceID != sub.Plan.StripePriceID && sub.Status != igny8.SubPendingPayment {
		if err := cardPlanChanged(ctx, tx, tn, sub, ev); err != nil {
			return false, err
		}
	}
	if ev.Status == "past_due" || ev.Status == "unpaid" {
		return false, audit(ctx, tx, tn, "subscription.stripe_"+ev.Status, "subscription", sub.ID, map[string]any{
			"event": ev.ID, "period_end": sub.CurrentPeriodEnd})
	}
	return false, nil
}

// cardPlanChanged moves a subscription, and its account when the account
// is on it, to the plan whose Stripe price Stripe now sells (a change made
// in Stripe's portal or dashboard; Stripe bills the difference). The new
// plan's limits apply to what is created from now on; its credits come
// with the next paid invoice. A price that is no plan of igny8 changes
// nothing and is audited for an administrator.
func cardPlanChanged(ctx context.Context, tx *Tx, tn tenant, sub *igny8.Subscription, ev igny8.CardEvent) error {
	var planID, slug string
	err := tx.queryRow(ctx, `SELECT id, slug FROM plans WHERE stripe_price_id = ? ORDER BY is_active DESC, slug LIMIT 1`,
		ev.PriceID).Scan(&planID, &slug)
	if errors.Is(err, sql.ErrNoRows) {
		return audit(ctx, tx, tn, "subscription.stripe_price_unknown", "subscription", sub.ID, map[string]any{
			"event": ev.ID, "price": ev.PriceID, "plan": sub.Plan.Slug})
	}
	if err != nil {
		return translate(err)
	}
	if planID == sub.Plan.ID {
		return nil
	}
	if _, err := tx.exec(ctx, `UPDATE subscriptions SET plan_id = ?, updated_at = ? WHERE id = ?`, planID, tx.now, sub.ID); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE accounts SET plan_id = ?, updated_at = ? WHERE id = ? AND plan_id = ?`,
		planID, tx.now, tn.id, sub.Plan.ID); err != nil {
		return err
	}
	return audit(ctx, tx, tn, "subscription.plan_changed", "subscription", sub.ID, map[string]any{
		"source": "stripe", "event": ev.ID, "from": sub.Plan.Slug, "to": slug, "price": ev.PriceID})
}

// cardChargeEvent records a refund or a dispute as a payment incident
// (incidents.go): audited, e-mailed to the operators, open in the admin
// console. Credits already granted stay: what was spent is not taken back
// silently; an administrator adjusts the ledger when that is right.
func cardChargeEvent(ctx context.Context, tx *Tx, sys system, ev igny8.CardEvent) error {
	var accountID string
	if ev.CustomerID != "" {
		err := tx.queryRow(ctx, `SELECT id FROM accounts WHERE stripe_customer_id = ?`, ev.CustomerID).Scan(&accountID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return translate(err)
		}
	}
	return recordIncident(ctx, tx, sys.reach(accountID), ev)
}
