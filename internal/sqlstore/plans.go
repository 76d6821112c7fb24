package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/igny8/igny8"
)

const planColumns = `p.id, p.slug, p.name, p.price, p.currency, p.billing_period, p.included_credits,
	p.max_sites, p.max_users, p.max_sectors_per_site, p.api_requests_per_minute, p.is_active,
	p.features, p.created_at, p.updated_at, p.stripe_price_id`

type scanner interface{ Scan(dest ...any) error }

func scanPlan(row scanner, p *igny8.Plan) error {
	var features string
	if err := row.Scan(&p.ID, &p.Slug, &p.Name, &p.Price, &p.Currency, &p.BillingPeriod, &p.IncludedCredits,
		&p.MaxSites, &p.MaxUsers, &p.MaxSectorsPerSite, &p.APIRequestsPerMinute, &p.IsActive,
		&features, &p.CreatedAt, &p.UpdatedAt, &p.StripePriceID); err != nil {
		return err
	}
	p.Features = decodeFeatures(features)
	return nil
}

// decodeFeatures reads a plan's JSON feature list; the column is written
// only by upsertPlan, so a bad value reads as no features.
func decodeFeatures(s string) []string {
	out := []string{}
	_ = json.Unmarshal([]byte(s), &out)
	return out
}

// ListPlans returns the catalogue from the smallest plan up (by credits,
// then price); only active plans unless all is set. It needs no principal:
// plans are public.
func (s *Plans) ListPlans(ctx context.Context, all bool) ([]igny8.Plan, error) {
	q := `SELECT ` + planColumns + ` FROM plans p`
	if !all {
		q += ` WHERE p.is_active = TRUE`
	}
	q += ` ORDER BY p.included_credits, p.price, p.slug`
	return queryAll(ctx, s.db.reader(), func(row scanner) (*igny8.Plan, error) {
		var p igny8.Plan
		return &p, scanPlan(row, &p)
	}, q)
}

// PlanBySlug returns one plan (active or not) or not_found.
func (s *Plans) PlanBySlug(ctx context.Context, slug string) (*igny8.Plan, error) {
	return planBySlug(ctx, s.db.reader(), slug)
}

func planBySlug(ctx context.Context, c conn, slug string) (*igny8.Plan, error) {
	var p igny8.Plan
	err := scanPlan(c.queryRow(ctx, `SELECT `+planColumns+` FROM plans p WHERE p.slug = ?`, slug), &p)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, igny8.NotFound("Plan")
	}
	return &p, translate(err)
}

// planInsert adds a plan row; callers end it with their ON CONFLICT clause.
const planInsert = `INSERT INTO plans (id, slug, name, price, currency, billing_period, included_credits,
	max_sites, max_users, max_sectors_per_site, api_requests_per_minute, is_active, features, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) `

// insertPlan runs planInsert for p followed by onConflict.
func insertPlan(ctx context.Context, tx *Tx, p igny8.Plan, onConflict string) (sql.Result, error) {
	features, err := json.Marshal(nonNil(p.Features))
	if err != nil {
		return nil, err
	}
	if p.BillingPeriod == "" {
		p.BillingPeriod = "month"
	}
	res, err := tx.exec(ctx, planInsert+onConflict,
		newID(), p.Slug, p.Name, p.Price, p.Currency, p.BillingPeriod, p.IncludedCredits, p.MaxSites, p.MaxUsers,
		p.MaxSectorsPerSite, p.APIRequestsPerMinute, p.IsActive, string(features), tx.now, tx.now)
	if err != nil && IsConstraint(err, "check") {
		return nil, igny8.Invalid("The plan has an invalid value.")
	}
	return res, err
}

func upsertPlan(ctx context.Context, tx *Tx, p igny8.Plan) (*igny8.Plan, error) {
	_, err := insertPlan(ctx, tx, p, `ON CONFLICT (slug) DO UPDATE SET name = excluded.name, price = excluded.price,
		currency = excluded.currency, billing_period = excluded.billing_period, included_credits = excluded.included_credits,
		max_sites = excluded.max_sites, max_users = excluded.max_users,
		max_sectors_per_site = excluded.max_sectors_per_site,
		api_requests_per_minute = excluded.api_requests_per_minute, is_active = excluded.is_active,
		features = excluded.features, updated_at = excluded.updated_at`)
	if err != nil {
		return nil, err
	}
	return planBySlug(ctx, tx.conn, p.Slug)
}

// maxPlanLimit bounds a plan's counted limits (sites, users, sectors per
// site, requests per minute): far above any real plan, and within the
// columns' INTEGER range on both databases.
const maxPlanLimit = 1_000_000

func validatePlan(p *igny8.Plan) error {
	var fields []igny8.FieldError
	add := func(f, m string) { fields = append(fields, igny8.FieldError{Field: f, Message: m}) }
	if p.Slug == "" || len(p.Slug) > 50 || !isSlug(p.Slug) {
		add("slug", "must be 1-50 lowercase letters, digits and hyphens")
	}
	p.Name = igny8.TrimName(p.Name)
	if msg := igny8.NameFault(p.Name, igny8.MaxNameLen); msg != "" {
		add("name", msg)
	}
	if p.Price < 0 {
		add("price", "must not be negative")
	}
	if len(p.Currency) != 3 {
		add("currency", "must be a three-letter currency code")
	}
	if p.IncludedCredits < 0 {
		add("included_credits", "must not be negative")
	}
	limit := func(f string, v, min int) {
		if v < min || v > maxPlanLimit {
			add(f, fmt.Sprintf("must be between %d and %d", min, maxPlanLimit))
		}
	}
	limit("max_sites", p.MaxSites, 0)
	limit("max_users", p.MaxUsers, 1)
	limit("max_sectors_per_site", p.MaxSectorsPerSite, 0)
	limit("api_requests_per_minute", p.APIRequestsPerMinute, 1)
	p.StripePriceID = strings.TrimSpace(p.StripePriceID)
	if id := p.StripePriceID; id != "" && (!strings.HasPrefix(id, "price_") || len(id) > 100 || strings.ContainsAny(id, " \t/?#")) {
		add("stripe_price_id", "must be a Stripe price id (price_...), or empty")
	}
	if len(fields) > 0 {
		return igny8.Invalid("The plan is not valid.", fields...)
	}
	return nil
}

func resetPlan(ctx context.Context, tx *Tx, p igny8.Plan) (*igny8.Plan, error) {
	if err := validatePlan(&p); err != nil {
		return nil, err
	}
	out, err := upsertPlan(ctx, tx, p)
	if err != nil {
		return nil, err
	}
	return out, audit(ctx, tx, noTenant, "plan.reset", "plan", out.ID, map[string]any{"slug": out.Slug})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func isSlug(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return s != "" && s[0] != '-' && s[len(s)-1] != '-'
}
