package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/igny8/igny8"
)

// RunBillingJob is the periodic billing job. It ends the subscriptions
// whose owner cancelled at period end once that end has passed (the
// account becomes cancelled), and moves active subscriptions whose period
// ended more than grace ago without a confirmed payment extending it to
// past_due, suspending their accounts (reason payment_overdue). Free
// subscriptions (a plan priced 0) have nothing to pay: they begin a new
// period with the plan's credits instead (renewFree). Each
// change is one transaction whose guarded UPDATE decides it, so the job
// may run on several instances at once: each change happens, and is
// audited, once. A subscription that fails does not stop the others; the
// failures are returned together. Errors: unauthenticated, forbidden,
// database errors.
func (a *Admin) RunBillingJob(ctx context.Context, grace time.Duration) (igny8.BillingJobResult, error) {
	var res igny8.BillingJobResult
	sys, err := asSystem(ctx)
	if err != nil {
		return res, err
	}
	now := a.db.Now()
	ended, err := a.dueSubscriptions(ctx, `s.status IN ('active', 'past_due') AND s.cancel_at_period_end = TRUE
		AND s.current_period_end <= ?`, now)
	if err != nil {
		return res, err
	}
	overdue, err := a.dueSubscriptions(ctx, `s.status = 'active' AND s.cancel_at_period_end = FALSE
		AND s.current_period_end <= ? AND `+paidPlan, now.Add(-grace))
	if err != nil {
		return res, err
	}
	free, err := a.dueSubscriptions(ctx, `s.status = 'active' AND s.cancel_at_period_end = FALSE
		AND s.current_period_end <= ? AND NOT `+paidPlan, now)
	if err != nil {
		return res, err
	}
	var errs []error
	for _, d := range ended {
		ok, err := a.endSubscription(ctx, sys, d)
		res.Cancelled += btoi(ok)
		errs = appendErr(errs, err, "end subscription", d.id)
	}
	for _, d := range overdue {
		ok, err := a.markPastDue(ctx, sys, d, grace)
		res.PastDue += btoi(ok)
		errs = appendErr(errs, err, "mark subscription past due", d.id)
	}
	for _, d := range free {
		ok, err := a.renewFree(ctx, sys, d)
		res.Renewed += btoi(ok)
		errs = appendErr(errs, err, "renew free subscription", d.id)
	}
	return res, errors.Join(errs...)
}

func appendErr(errs []error, err error, what, id string) []error {
	if err == nil {
		return errs
	}
	return append(errs, fmt.Errorf("%s %s: %w", what, id, err))
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// paidPlan is the condition that subscription s is on a plan with a price.
const paidPlan = `EXISTS (SELECT 1 FROM plans pp WHERE pp.id = s.plan_id AND pp.price > 0)`

// renewFree moves a free subscription whose period has ended to its next
// period (from the old end, or from now when even that one would be over)
// and grants the plan's credits for it once. The UPDATE guarded by the
// period's end having passed decides it, under the account's lock; it reports whether this call made the change.
func (a *Admin) renewFree(ctx context.Context, sys system, d dueSubscription) (bool, error) {
	changed := false
	tn := sys.reach(d.accountID)
	err := a.db.InTx(ctx, func(tx *Tx) error {
		if err := lockAccount(ctx, tx, tn); err != nil {
			return err
		}
		sub, err := subscriptionByID(ctx, tx.conn, tn, d.id)
		if err != nil {
			return err
		}
		if sub.Status != igny8.SubActive || sub.CancelAtPeriodEnd || sub.Plan.Price != 0 ||
			sub.CurrentPeriodEnd == nil || sub.CurrentPeriodEnd.After(tx.now) {
			return nil
		}
		start := *sub.CurrentPeriodEnd
		if !igny8.BillingPeriod(start).After(tx.now) {
			start = tx.now
		}
		res, err := tx.exec(ctx, `UPDATE subscriptions SET current_period_start = ?, current_period_end = ?, updated_at = ?
			WHERE id = ? AND status = 'active' AND cancel_at_period_end = FALSE AND current_period_end <= ?`,
			start, igny8.BillingPeriod(start), tx.now, sub.ID, tx.now)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		changed = true
		if sub, err = subscriptionByID(ctx, tx.conn, tn, d.id); err != nil {
			return err
		}
		if err := grantFreePeriod(ctx, tx, tn, sub); err != nil {
			return err
		}
		return audit(ctx, tx, tn, "subscription.renewed", "subscription", sub.ID, map[string]any{
			"plan": sub.Plan.Slug, "period_end": sub.CurrentPeriodEnd, "credits": sub.Plan.IncludedCredits})
	})
	return changed && err == nil, err
}

// dueSubscription is a candidate of the billing job, read without locks.
type dueSubscription struct{ id, accountID string }

func (a *Admin) dueSubscriptions(ctx context.Context, where string, cutoff time.Time) ([]dueSubscription, error) {
	return queryAll(ctx, a.db.reader(), func(row scanner) (*dueSubscription, error) {
		var d dueSubscription
		return &d, row.Scan(&d.id, &d.accountID)
	}, `SELECT s.id, s.account_id FROM subscriptions s WHERE `+where+` ORDER BY s.id`, cutoff)
}

// endSubscription cancels a subscription whose paid period is over and
// whose owner asked to cancel, cancels its account and rejects a payment
// still pending for it. It reports whether this call made the change.
func (a *Admin) endSubscription(ctx context.Context, sys system, d dueSubscription) (bool, error) {
	changed := false
	tn := sys.reach(d.accountID)
	err := a.db.InTx(ctx, func(tx *Tx) error {
		if err := lockAccount(ctx, tx, tn); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE subscriptions SET status = 'cancelled', updated_at = ?
			WHERE id = ? AND status IN ('active', 'past_due') AND cancel_at_period_end = TRUE AND current_period_end <= ?`,
			tx.now, d.id, tx.now)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		changed = true
		if _, err := tx.exec(ctx, `UPDATE accounts SET status = 'cancelled', status_reason = ?, updated_at = ?
			WHERE id = ? AND status <> 'cancelled'`, igny8.ReasonSubscriptionCancelled, tx.now, d.accountID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE payments SET status = 'rejected', rejected_reason = ?, updated_at = ?
			WHERE account_id = ? AND subscription_id = ? AND status = 'pending'`, igny8.RejectSubscriptionCancelled, tx.now,
			d.accountID, d.id); err != nil {
			return err
		}
		return audit(ctx, tx, tn, "subscription.ended", "subscription", d.id,
			map[string]any{"account_status": igny8.StatusCancelled, "reason": igny8.ReasonSubscriptionCancelled})
	})
	return changed && err == nil, err
}

// markPastDue moves an unpaid subscription to past_due and suspends its
// account when that is active, and tells the owner (one message, saying
// both). It reports whether this call made the change.
func (a *Admin) markPastDue(ctx context.Context, sys system, d dueSubscription, grace time.Duration) (bool, error) {
	changed := false
	tn := sys.reach(d.accountID)
	err := a.db.InTx(ctx, func(tx *Tx) error {
		if err := lockAccount(ctx, tx, tn); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE subscriptions SET status = 'past_due', updated_at = ?
			WHERE id = ? AND status = 'active' AND cancel_at_period_end = FALSE AND current_period_end <= ?`,
			tx.now, d.id, tx.now.Add(-grace))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		changed = true
		res, err = tx.exec(ctx, `UPDATE accounts SET status = 'suspended', status_reason = ?, updated_at = ?
			WHERE id = ? AND status = 'active'`, igny8.ReasonPaymentOverdue, tx.now, d.accountID)
		if err != nil {
			return err
		}
		suspended, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if err := audit(ctx, tx, tn, "subscription.past_due", "subscription", d.id, map[string]any{
			"account_suspended": suspended == 1, "reason": igny8.ReasonPaymentOverdue, "grace_days": int(grace.Hours() / 24)}); err != nil {
			return err
		}
		return pastDueNotice(ctx, tx, tn, d.id, suspended == 1)
	})
	return changed && err == nil, err
}

// pastDueNotice writes "subscription past due" once for the period left
// unpaid, saying whether the account was suspended for it.
func pastDueNotice(ctx context.Context, tx *Tx, tn tenant, subID string, suspended bool) error {
	sub, err := subscriptionByID(ctx, tx.conn, tn, subID)
	if err != nil || sub.CurrentPeriodEnd == nil {
		return err
	}
	end := *sub.CurrentPeriodEnd
	_, err = noticeOnce(ctx, tx, tn, igny8.NoticePastDue, periodKey("period", end), nil,
		func(a *igny8.Account) igny8.MailContent {
			return igny8.PastDueMail{AccountName: a.Name, PlanName: sub.Plan.Name, PeriodEnd: end, Suspended: suspended}
		})
	return err
}
