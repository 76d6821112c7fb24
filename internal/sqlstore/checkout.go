package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/igny8/igny8"
)

// Checkout starts paying for a plan by bank transfer, in one transaction:
// a payment awaiting confirmation with a unique reference, and a
// pending_payment subscription (or, for the plan the account is already
// active on, the current subscription: that is the next period's payment).
// A payment still pending is superseded: rejected with reason superseded,
// its pending subscription cancelled, its reference answered as
// replaced_reference. The account's status does not change; its payment
// method is set. The Free plan (price 0) needs no payment: see
// activateFreePlan. It needs ActBilling.
// Errors: unauthenticated, forbidden, validation_failed (bad method, no such
// active plan, a plan sold by sales, a downgrade the account exceeds),
// payment_method_unavailable (stripe, paypal: no provider configured),
// conflict (already on the Free plan; the active subscription renews by
// card through Stripe, see renewedByCard), account_suspended (the Free plan,
// for an account suspended by igny8).
func (s *Billing) Checkout(ctx context.Context, in igny8.Checkout) (*igny8.CheckoutResult, error) {
	p, tn, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	if err := igny8.Authorize(p, igny8.ActBilling); err != nil {
		return nil, err
	}
	if err := igny8.RequireVerifiedEmail(p); err != nil {
		return nil, err
	}
	if in.PaymentMethod != "" && !igny8.ValidPaymentMethod(in.PaymentMethod) {
		return nil, s.checkMethod(in.PaymentMethod, nil)
	}
	var customer string
	if in.PaymentMethod == igny8.MethodStripe && s.card != nil {
		// The Stripe customer is made before any payment, outside the
		// transaction: a failing call to Stripe leaves nothing behind.
		if customer, err = s.cardCustomer(ctx, tn); err != nil {
			return nil, err
		}
	}
	var out *igny8.CheckoutResult
	err = s.db.InTx(ctx, func(tx *Tx) error {
		plan, err := checkoutPlan(ctx, tx, in.Plan)
		if err != nil {
			return err
		}
		if err := renewedByCard(ctx, tx, tn); err != nil {
			return err
		}
		if plan.Price == 0 {
			out, err = activateFreePlan(ctx, tx, tn, plan, in.PaymentMethod)
			return err
		}
		if err := s.checkMethod(in.PaymentMethod, plan); err != nil {
			return err
		}
		if err := lockAccount(ctx, tx, tn); err != nil {
			return err
		}
		out, err = s.checkout(ctx, tx, tn, plan, in.PaymentMethod)
		return err
	})
	if err == nil && out.Payment != nil && out.Payment.Method == igny8.MethodStripe {
		return s.cardCheckout(ctx, tn, out, customer, in.ReturnURL)
	}
	return out, err
}

// renewedByCard refuses a checkout while the account's active subscription
// is renewed by Stripe: a second subscription, or a transfer replacing it,
// would leave Stripe charging the card for the one replaced. The owner
// changes plan or cancels in Stripe's portal (which igny8 follows through
// customer.subscription.updated), or cancels at period end first.
func renewedByCard(ctx context.Context, tx *Tx, tn tenant) error {
	sub, err := currentSubscription(ctx, tx.conn, tn)
	if err != nil || sub == nil {
		return err
	}
	if sub.Status == igny8.SubActive && sub.ExternalID != "" && sub.PaymentMethod == igny8.MethodStripe && !sub.CancelAtPeriodEnd {
		return igny8.Errorf(igny8.EConflict, "Your %s plan renews by card through Stripe. To change plan or stop paying by card, "+
			"use Manage card and invoices (POST /billing/portal), or cancel at period end first.", sub.Plan.Name)
	}
	return nil
}

func (s *Billing) checkout(ctx context.Context, tx *Tx, tn tenant, plan *igny8.Plan, method string) (*igny8.CheckoutResult, error) {
	acct, err := accountByID(ctx, tx.conn, tn.id)
	if err != nil {
		return nil, err
	}
	if acct.Plan.ID != plan.ID {
		if err := checkLimits(ctx, tx, tn, plan); err != nil {
			return nil, err
		}
	}
	replaced, err := supersedePending(ctx, tx, tn)
	if err != nil {
		return nil, err
	}
	sub, err := subscriptionFor(ctx, tx, tn, plan, method)
	if err != nil {
		return nil, err
	}
	paymentID, err := s.insertPayment(ctx, tx, sub, plan, method)
	if err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, `UPDATE accounts SET payment_method = ?, updated_at = ? WHERE id = ?`,
		method, tx.now, tn.id); err != nil {
		return nil, err
	}
	res, err := paymentResult(ctx, tx.conn, tn, paymentID)
	if err != nil {
		return nil, err
	}
	if err := bankTransferMail(ctx, tx, tn, res); err != nil {
		return nil, err
	}
	details := map[string]any{"plan": plan.Slug, "amount": res.Payment.Amount, "currency": res.Payment.Currency,
		"method": method, "reference": res.Payment.Reference, "subscription_id": sub.ID}
	if replaced != nil {
		details["replaced_reference"] = *replaced
	}
	return &igny8.CheckoutResult{PaymentResult: *res, ReplacedReference: replaced},
		audit(ctx, tx, tn, "payment.created", "payment", paymentID, details)
}

// checkMethod accepts bank transfers, and cards when Stripe is configured
// (ServiceOptions.Card) and the plan has a Stripe price; PayPal is a recorded
// kind with no provider.
func (s *Billing) checkMethod(method string, plan *igny8.Plan) error {
	switch {
	case method == igny8.MethodBankTransfer:
		return nil
	case method == igny8.MethodStripe && s.card != nil && plan != nil && plan.StripePriceID != "":
		return nil
	case igny8.ValidPaymentMethod(method):
		return igny8.Errorf(igny8.EPaymentMethod, "Payment by %s is not available; pay by bank_transfer.", method)
	default:
		return igny8.InvalidField("payment_method", "must be one of stripe, paypal, bank_transfer")
	}
}

// checkoutPlan returns the active, self-service plan named slug.
func checkoutPlan(ctx context.Context, tx *Tx, slug string) (*igny8.Plan, error) {
	slug = strings.TrimSpace(slug)
	if slug == "" {
		return nil, igny8.InvalidField("plan", "is required: the slug of the plan to buy")
	}
	plan, err := planBySlug(ctx, tx.conn, slug)
	if igny8.ErrorCode(err) == igny8.ENotFound || err == nil && !plan.IsActive {
		msg := fmt.Sprintf("There is no plan %q available.", slug)
		return nil, igny8.Invalid(msg, igny8.FieldError{Field: "plan", Message: msg})
	}
	if err != nil {
		return nil, err
	}
	if plan.Price == 0 && plan.Slug != igny8.PlanFree {
		msg := fmt.Sprintf("The %s is given once, at sign-up; choose another plan.", igny8.PlanTitle(plan.Name))
		if !plan.SelfService() {
			msg = fmt.Sprintf("The %s is arranged with our sales team; please contact sales.", igny8.PlanTitle(plan.Name))
		}
		return nil, igny8.Invalid(msg, igny8.FieldError{Field: "plan", Message: msg})
	}
	return plan, nil
}

// checkLimits refuses a plan whose limits the account already exceeds,
// listing each one that is over.
func checkLimits(ctx context.Context, tx *Tx, tn tenant, plan *igny8.Plan) error {
	var sites, users, sectors int
	err := tx.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM sites WHERE account_id = ? AND deleted_at IS NULL),
		(SELECT COUNT(*) FROM users WHERE account_id = ? AND deleted_at IS NULL),
		(SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM sectors c JOIN sites t ON t.account_id = c.account_id AND t.id = c.site_id
			WHERE c.account_id = ? AND c.deleted_at IS NULL AND t.deleted_at IS NULL GROUP BY c.site_id) x)`,
		tn.id, tn.id, tn.id).Scan(&sites, &users, &sectors)
	if err != nil {
		return translate(err)
	}
	var over []igny8.FieldError
	add := func(field string, used, allowed int, what, where string) {
		if used > allowed {
			over = append(over, igny8.FieldError{Field: field,
				Message: fmt.Sprintf("%s%s in use; the %s allows %d", igny8.Plural(used, what), where, igny8.PlanTitle(plan.Name), allowed)})
		}
	}
	add("sites", sites, plan.MaxSites, "site", "")
	add("users", users, plan.MaxUsers, "user", "")
	add("sectors_per_site", sectors, plan.MaxSectorsPerSite, "sector", " on one site")
	if len(over) > 0 {
		return igny8.Invalid(fmt.Sprintf("The account uses more than the %s allows; reduce it first.", igny8.PlanTitle(plan.Name)), over...)
	}
	return nil
}

// supersedePending rejects the account's payment still pending (reason
// superseded), cancels its subscription when that was never paid, and
// returns its reference; nil when nothing was pending.
func supersedePending(ctx context.Context, tx *Tx, tn tenant) (*string, error) {
	old, err := paymentWhere(ctx, tx.conn, `y.account_id = ? AND y.status = 'pending'`, tn.id)
	if err != nil || old == nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, `UPDATE payments SET status = 'rejected', rejected_reason = ?, updated_at = ?
		WHERE id = ? AND status = 'pending'`, igny8.RejectSuperseded, tx.now, old.ID); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, `UPDATE subscriptions SET status = 'cancelled', updated_at = ?
		WHERE id = ? AND status = 'pending_payment'`, tx.now, old.SubscriptionID); err != nil {
		return nil, err
	}
	return &old.Reference, audit(ctx, tx, tn, "payment.rejected", "payment", old.ID,
		map[string]any{"reason": igny8.RejectSuperseded, "reference": old.Reference})
}

// subscriptionFor returns the subscription a new payment pays for: the
// current one when it is on plan (a renewal), else a new pending one.
func subscriptionFor(ctx context.Context, tx *Tx, tn tenant, plan *igny8.Plan, method string) (*igny8.Subscription, error) {
	cur, err := currentSubscription(ctx, tx.conn, tn)
	if err != nil {
		return nil, err
	}
	if cur != nil && cur.Plan.ID == plan.ID {
		return cur, nil
	}
	id := newID()
	if _, err := tx.exec(ctx, `INSERT INTO subscriptions (id, account_id, plan_id, status, payment_method, created_at, updated_at)
		VALUES (?, ?, ?, 'pending_payment', ?, ?, ?)`, id, tn.id, plan.ID, method, tx.now, tx.now); err != nil {
		return nil, err
	}
	return subscriptionByID(ctx, tx.conn, tn, id)
}

// maxReferenceTries bounds the retries of a colliding payment reference.
const maxReferenceTries = 8

// insertPayment writes a pending payment for sub's plan, drawing a new
// reference while the drawn one is taken, and returns its id.
func (s *Billing) insertPayment(ctx context.Context, tx *Tx, sub *igny8.Subscription, plan *igny8.Plan, method string) (string, error) {
	id := newID()
	for try := 0; try < maxReferenceTries; try++ {
		res, err := tx.exec(ctx, `INSERT INTO payments (id, account_id, subscription_id, plan_id, amount, currency,
			method, status, reference, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
			ON CONFLICT (reference) DO NOTHING`,
			id, sub.AccountID, sub.ID, plan.ID, plan.Price, plan.Currency, method, s.newReference(), tx.now, tx.now)
		if err != nil {
			return "", err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return id, err
		}
	}
	return "", errors.New("insert payment: no free payment reference found")
}

// newReference draws a payment reference (tests may fix the draws).
func (s *payments) newReference() string {
	if s.references != nil {
		return s.references()
	}
	return igny8.NewPaymentReference()
}
