package sqlstore

import (
	"context"
	"fmt"

	"github.com/igny8/igny8"
)

// The catalogue's global writes (plans, industries, credit packs) belong
// to the admin and system side: they change what every account sees, so
// each one needs a developer or the system (igny8.AdminPrincipal), like
// the other Admin methods. serve and the CLI call them with
// igny8.SystemContext.

// UpsertPlan creates the plan p.Slug or brings it to p; run twice, it leaves
// one row. Errors: unauthenticated, forbidden, validation_failed for a plan
// the schema refuses.
func (a *Admin) UpsertPlan(ctx context.Context, p igny8.Plan) (*igny8.Plan, error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	if err := validatePlan(&p); err != nil {
		return nil, err
	}
	var out *igny8.Plan
	err := a.db.InTx(ctx, func(tx *Tx) error {
		var err error
		out, err = upsertPlan(ctx, tx, p)
		return err
	})
	return out, err
}

// SeedPlans creates the default plans (DefaultPlans) that are missing and
// leaves every existing plan as an administrator left it: prices, limits
// and retired plans stay. It returns the slugs it created, in catalogue
// order. Errors: unauthenticated, forbidden, validation_failed (never for
// the defaults).
func (a *Admin) SeedPlans(ctx context.Context) ([]string, error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	var created []string
	for _, p := range igny8.DefaultPlans() {
		_, ok, err := a.CreatePlanIfMissing(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("seed plan %s: %w", p.Slug, err)
		}
		if ok {
			created = append(created, p.Slug)
		}
	}
	return created, nil
}

// ResetPlans brings every default plan back to its default values
// (creating the missing ones) in one transaction, undoing an
// administrator's edits, with a plan.reset audit event per plan. It is
// what `igny8 plans seed --reset` asks for. Errors: unauthenticated,
// forbidden.
func (a *Admin) ResetPlans(ctx context.Context) error {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return err
	}
	return a.db.InTx(ctx, func(tx *Tx) error {
		for _, p := range igny8.DefaultPlans() {
			if _, err := resetPlan(ctx, tx, p); err != nil {
				return fmt.Errorf("reset plan %s: %w", p.Slug, err)
			}
		}
		return nil
	})
}

// ResetPlan creates the plan p.Slug or brings it back to p, with a
// plan.reset audit event. Errors: unauthenticated, forbidden,
// validation_failed.
func (a *Admin) ResetPlan(ctx context.Context, p igny8.Plan) (*igny8.Plan, error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	var out *igny8.Plan
	err := a.db.InTx(ctx, func(tx *Tx) error {
		var err error
		out, err = resetPlan(ctx, tx, p)
		return err
	})
	return out, err
}

// CreatePlanIfMissing creates the plan p.Slug when there is none and
// reports whether it did; an existing plan is returned unchanged.
// Errors: unauthenticated, forbidden, validation_failed.
func (a *Admin) CreatePlanIfMissing(ctx context.Context, p igny8.Plan) (*igny8.Plan, bool, error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, false, err
	}
	if err := validatePlan(&p); err != nil {
		return nil, false, err
	}
	var out *igny8.Plan
	var created bool
	err := a.db.InTx(ctx, func(tx *Tx) error {
		res, err := insertPlan(ctx, tx, p, `ON CONFLICT (slug) DO NOTHING`)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		created = n == 1
		out, err = planBySlug(ctx, tx.conn, p.Slug)
		return err
	})
	return out, created, err
}

// SeedIfEmpty seeds the plan catalogue when the database has no plan yet
// (a new install), and adds the missing industries. Like SeedPlans, it
// never changes a plan that exists. serve runs it at start, and import
// before reading a dump. Errors: unauthenticated, forbidden.
func (a *Admin) SeedIfEmpty(ctx context.Context) error {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return err
	}
	var n int
	if err := a.db.reader().queryRow(ctx, `SELECT COUNT(*) FROM plans`).Scan(&n); err != nil {
		return translate(err)
	}
	if n == 0 {
		if _, err := a.SeedPlans(ctx); err != nil {
			return err
		}
	}
	if err := a.seedPacks(ctx); err != nil {
		return err
	}
	return a.SeedIndustries(ctx)
}

// SeedIndustries adds the reference industries and sectors that are not
// there yet; idempotent. Errors: unauthenticated, forbidden.
func (a *Admin) SeedIndustries(ctx context.Context) error {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return err
	}
	return a.db.InTx(ctx, func(tx *Tx) error {
		for _, ind := range industrySeed {
			slug := slugify(ind.name)
			if _, err := tx.exec(ctx, `INSERT INTO industries (id, slug, name, description, is_active)
				VALUES (?, ?, ?, ?, TRUE) ON CONFLICT (slug) DO NOTHING`, newID(), slug, ind.name, ind.description); err != nil {
				return err
			}
			var industryID string
			if err := tx.queryRow(ctx, `SELECT id FROM industries WHERE slug = ?`, slug).Scan(&industryID); err != nil {
				return translate(err)
			}
			for _, sec := range ind.sectors {
				if _, err := tx.exec(ctx, `INSERT INTO industry_sectors (id, industry_id, slug, name, is_active)
					VALUES (?, ?, ?, ?, TRUE) ON CONFLICT (industry_id, slug) DO NOTHING`,
					newID(), industryID, slugify(sec), sec); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// seedPacks creates the default packs when there are none.
func (a *Admin) seedPacks(ctx context.Context) error {
	return a.db.InTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM credit_packs`).Scan(&n); err != nil || n > 0 {
			return translate(err)
		}
		for _, k := range igny8.DefaultCreditPacks() {
			if _, err := tx.exec(ctx, `INSERT INTO credit_packs (id, slug, credits, price, currency, is_active, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (slug) DO NOTHING`,
				newID(), k.Slug, k.Credits, k.Price, k.Currency, k.IsActive, tx.now, tx.now); err != nil {
				return err
			}
		}
		return nil
	})
}
