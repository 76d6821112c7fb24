package sqlstore

import (
	"context"
	"fmt"

	"github.com/igny8/igny8"
)

// activateFreePlan is the checkout of the Free plan, which costs nothing:
// in the checkout's transaction, under the account's lock, a payment still
// pending is superseded, the current subscription (another plan) is
// cancelled, a new subscription is active on the plan for one period, the
// account is active on the plan with no status reason, the plan's credits
// are granted once (a subscription transaction keyed by the subscription)
// and an audit event is written. There is no payment and no bank
// instructions. An account already on the Free plan is refused with
// conflict, so concurrent checkouts activate (and grant) once. An account
// suspended by igny8 stays suspended: account_suspended.
func activateFreePlan(ctx context.Context, tx *Tx, tn tenant, plan *igny8.Plan, method string) (*igny8.CheckoutResult, error) {
	if err := lockAccount(ctx, tx, tn); err != nil {
		return nil, err
	}
	acct, err := accountByID(ctx, tx.conn, tn.id)
	if err != nil {
		return nil, err
	}
	if acct.Status == igny8.StatusSuspended &&
		igny8.CustomerStatusReason(acct.Status, acct.StatusReason) == igny8.ReasonSuspendedByIgny8 {
		return nil, &igny8.Error{Code: igny8.EAccountSuspended, Extra: map[string]any{"reason": igny8.ReasonSuspendedByIgny8},
			Message: "This account was suspended by igny8; only igny8 support can lift the suspension."}
	}
	cur, err := currentSubscription(ctx, tx.conn, tn)
	if err != nil {
		return nil, err
	}
	if cur != nil && cur.Plan.ID == plan.ID {
		return nil, igny8.Errorf(igny8.EConflict, "The account is already on the %s.", plan.Name)
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
	if cur != nil {
		if _, err := tx.exec(ctx, `UPDATE subscriptions SET status = 'cancelled', updated_at = ? WHERE id = ?`,
			tx.now, cur.ID); err != nil {
			return nil, err
		}
	}
	sub, err := insertActiveSubscription(ctx, tx, tn, plan, method)
	if err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, `UPDATE accounts SET status = 'active', status_reason = '', plan_id = ?, updated_at = ?
		WHERE id = ?`, plan.ID, tx.now, tn.id); err != nil {
		return nil, err
	}
	if err := grantFreePeriod(ctx, tx, tn, sub); err != nil {
		return nil, err
	}
	details := map[string]any{"plan": plan.Slug, "amount": 0, "currency": plan.Currency, "period_end": sub.CurrentPeriodEnd,
		"credits": plan.IncludedCredits, "account_status_before": acct.Status, "plan_before": acct.Plan.Slug}
	if replaced != nil {
		details["replaced_reference"] = *replaced
	}
	if cur != nil {
		details["cancelled_subscription_id"] = cur.ID
	}
	if err := audit(ctx, tx, tn, "subscription.activated", "subscription", sub.ID, details); err != nil {
		return nil, err
	}
	return &igny8.CheckoutResult{PaymentResult: igny8.PaymentResult{Subscription: sub}, ReplacedReference: replaced}, nil
}

// insertActiveSubscription starts a subscription on plan, active for one
// period from now.
func insertActiveSubscription(ctx context.Context, tx *Tx, tn tenant, plan *igny8.Plan, method string) (*igny8.Subscription, error) {
	if method == "" {
		method = igny8.MethodBankTransfer
	}
	id := newID()
	if _, err := tx.exec(ctx, `INSERT INTO subscriptions (id, account_id, plan_id, status, payment_method,
		current_period_start, current_period_end, created_at, updated_at) VALUES (?, ?, ?, 'active', ?, ?, ?, ?, ?)`,
		id, tn.id, plan.ID, method, tx.now, igny8.BillingPeriod(tx.now), tx.now, tx.now); err != nil {
		return nil, err
	}
	return subscriptionByID(ctx, tx.conn, tn, id)
}

// grantFreePeriod grants a free subscription's credits for its current
// period through the ledger, keyed by the subscription and the period's
// start so that each period is granted once.
func grantFreePeriod(ctx context.Context, tx *Tx, tn tenant, sub *igny8.Subscription) error {
	if sub.Plan.IncludedCredits == 0 {
		return nil
	}
	key := fmt.Sprintf("subscription:%s:%d", sub.ID, sub.CurrentPeriodStart.Unix())
	actor := "system"
	if p := igny8.PrincipalFrom(ctx); p != nil {
		actor = p.ActorID()
	}
	_, _, err := applyCredit(ctx, tx, tn, creditChange{Type: igny8.TxSubscription,
		Amount:        sub.Plan.IncludedCredits,
		Description:   fmt.Sprintf("%s credits until %s", sub.Plan.Name, sub.CurrentPeriodEnd.Format("2006-01-02")),
		ReferenceType: igny8.RefSubscription, ReferenceID: sub.ID, IdempotencyKey: key, RequestHash: key, Actor: actor})
	return err
}
