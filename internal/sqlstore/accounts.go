package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/igny8/igny8"
)

// accountSelect reads an account with its plan and owner. Callers append
// their WHERE clause.
const accountSelect = `SELECT a.id, a.name, a.slug, COALESCE(o.id, ''), a.credits, a.status, a.status_reason,
	a.trial_ends_at, a.payment_method, a.billing_email, a.notify_low_credits, a.notify_trial_reminders, a.require_second_factor,
	a.created_at, a.updated_at, a.deleted_at, a.legacy_id, ` + planColumns + `
	FROM accounts a JOIN plans p ON p.id = a.plan_id
	LEFT JOIN users o ON o.account_id = a.id AND o.role = 'owner'`

func scanAccount(row scanner) (*igny8.Account, error) {
	var a igny8.Account
	var p igny8.Plan
	var features string
	err := row.Scan(&a.ID, &a.Name, &a.Slug, &a.OwnerID, &a.Credits, &a.Status, &a.StatusReason,
		&a.TrialEndsAt, &a.PaymentMethod, &a.BillingEmail, &a.NotifyLowCredits, &a.NotifyTrialReminders, &a.RequireSecondFactor,
		&a.CreatedAt, &a.UpdatedAt, &a.DeletedAt, &a.LegacyID,
		&p.ID, &p.Slug, &p.Name, &p.Price, &p.Currency, &p.BillingPeriod, &p.IncludedCredits,
		&p.MaxSites, &p.MaxUsers, &p.MaxSectorsPerSite, &p.APIRequestsPerMinute, &p.IsActive,
		&features, &p.CreatedAt, &p.UpdatedAt, &p.StripePriceID)
	if err != nil {
		return nil, err
	}
	p.Features = decodeFeatures(features)
	a.Plan = &p
	return &a, nil
}

// accountByID reads one account, deleted or not; not_found when absent.
func accountByID(ctx context.Context, c conn, id string) (*igny8.Account, error) {
	a, err := scanAccount(c.queryRow(ctx, accountSelect+` WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, igny8.NotFound("Account")
	}
	return a, translate(err)
}

// CurrentAccount returns the principal's own account with its plan, as
// its members see it (Account.ForMembers: no operator's note).
// Errors: unauthenticated, forbidden (no account), not_found (deleted).
func (s *Accounts) CurrentAccount(ctx context.Context) (*igny8.Account, error) {
	p, _, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	a, err := accountByID(ctx, s.db.reader(), p.AccountID)
	if err != nil {
		return nil, err
	}
	return a.ForMembers(), nil
}
