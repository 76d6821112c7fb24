package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/igny8/igny8"
)

// AdminPlans lists every plan, active or not, for the plan management
// screens. Errors: unauthenticated, forbidden.
func (a *Admin) AdminPlans(ctx context.Context) ([]igny8.Plan, error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	return (&Plans{db: a.db}).ListPlans(ctx, true)
}

// CreatePlan adds a plan to the catalogue, with an audit event.
// Errors: unauthenticated, forbidden, validation_failed, conflict (slug taken).
func (a *Admin) CreatePlan(ctx context.Context, p igny8.Plan) (*igny8.Plan, error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	p.Slug = strings.TrimSpace(p.Slug)
	if err := validatePlan(&p); err != nil {
		return nil, err
	}
	var out *igny8.Plan
	err := a.db.InTx(ctx, func(tx *Tx) error {
		var id string
		err := tx.queryRow(ctx, `SELECT id FROM plans WHERE slug = ?`, p.Slug).Scan(&id)
		if err == nil {
			return igny8.Errorf(igny8.EConflict, "A plan %q already exists.", p.Slug)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return translate(err)
		}
		if out, err = upsertPlan(ctx, tx, p); err != nil {
			return err
		}
		if out, err = setStripePrice(ctx, tx, out, p.StripePriceID); err != nil {
			return err
		}
		return audit(ctx, tx, noTenant, "plan.created", "plan", out.ID, map[string]any{"plan": out})
	})
	return out, err
}

// UpdatePlan changes the fields set in patch, with an audit event.
// Deactivating a plan makes the gate refuse its accounts (plan_inactive)
// and removes it from checkout. Errors: unauthenticated, forbidden,
// not_found, validation_failed.
func (a *Admin) UpdatePlan(ctx context.Context, slug string, patch igny8.PlanPatch) (*igny8.Plan, error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	var out *igny8.Plan
	err := a.db.InTx(ctx, func(tx *Tx) error {
		cur, err := planBySlug(ctx, tx.conn, slug)
		if err != nil {
			return err
		}
		next := patch.Apply(*cur)
		if err := validatePlan(&next); err != nil {
			return err
		}
		if out, err = upsertPlan(ctx, tx, next); err != nil {
			return err
		}
		if out, err = setStripePrice(ctx, tx, out, next.StripePriceID); err != nil {
			return err
		}
		return audit(ctx, tx, noTenant, "plan.updated", "plan", out.ID, map[string]any{"slug": slug, "changes": patch})
	})
	return out, err
}

// setStripePrice links plan p to the Stripe price id (validatePlan checked
// it; upsertPlan leaves the column alone, so that seeding and resetting the
// default plans keep the link an administrator made).
func setStripePrice(ctx context.Context, tx *Tx, p *igny8.Plan, priceID string) (*igny8.Plan, error) {
	if p.StripePriceID == priceID {
		return p, nil
	}
	if _, err := tx.exec(ctx, `UPDATE plans SET stripe_price_id = ?, updated_at = ? WHERE id = ?`, priceID, tx.now, p.ID); err != nil {
		return nil, err
	}
	return planBySlug(ctx, tx.conn, p.Slug)
}
