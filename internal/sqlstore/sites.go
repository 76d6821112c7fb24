package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/igny8/igny8"
)

var _ igny8.SiteService = (*Sites)(nil)

// DefaultRetention is how long a soft-deleted row can be restored when the
// store is not told otherwise (docs/design.md section 8).
const DefaultRetention = 30 * 24 * time.Hour

// siteColumns selects the timestamps through COALESCE so that SQLite hands
// over their text for scanSite to parse (see timestamps.go).
const siteColumns = `s.id, s.account_id, s.name, s.slug, s.domain, s.industry_id, s.is_active,
	COALESCE(s.created_at, NULL), COALESCE(s.updated_at, NULL),
	COALESCE(s.deleted_at, NULL), COALESCE(s.purge_after, NULL), s.legacy_id`

func scanSite(row scanner) (*igny8.Site, error) {
	var s igny8.Site
	err := row.Scan(&s.ID, &s.AccountID, &s.Name, &s.Slug, &s.Domain, &s.IndustryID, &s.IsActive,
		timestamp{&s.CreatedAt}, timestamp{&s.UpdatedAt}, nullTimestamp{&s.DeletedAt}, nullTimestamp{&s.PurgeAfter}, &s.LegacyID)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// siteVisibility is the WHERE fragment (sites aliased s) that limits a
// query to the sites of p's account that p may see (igny8.SiteScope):
// every site for owners and admins, granted sites for editors and viewers,
// the one site of a site-bound API key.
func siteVisibility(p *igny8.Principal) (string, []any) {
	switch igny8.SiteScope(p) {
	case igny8.SitesBound:
		return `s.account_id = ? AND s.id = ?`, []any{p.AccountID, p.SiteID}
	case igny8.SitesGranted:
		return `s.account_id = ? AND EXISTS (SELECT 1 FROM site_user_access g
			WHERE g.account_id = s.account_id AND g.site_id = s.id AND g.user_id = ?)`, []any{p.AccountID, p.UserID}
	default:
		return `s.account_id = ?`, []any{p.AccountID}
	}
}

// visibleSite reads a live site p may see, locking its row when lock is
// set (sector limits, updates). Errors: not_found.
func visibleSite(ctx context.Context, c conn, p *igny8.Principal, id string, lock bool) (*igny8.Site, error) {
	vis, args := siteVisibility(p)
	q := `SELECT ` + siteColumns + ` FROM sites s WHERE s.id = ? AND s.deleted_at IS NULL AND ` + vis
	if lock {
		q += c.db.forNoKeyUpdate()
	}
	site, err := scanSite(c.queryRow(ctx, q, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, igny8.NotFound("Site")
	}
	return site, translate(err)
}

// tenantFor returns the principal of ctx and its account when it may
// take action a. Errors: unauthenticated, forbidden.
func tenantFor(ctx context.Context, a igny8.Action) (*igny8.Principal, tenant, error) {
	p, tn, err := scope(ctx)
	if err != nil {
		return nil, tenant{}, err
	}
	if err := igny8.Authorize(p, a); err != nil {
		return nil, tenant{}, err
	}
	return p, tn, nil
}

// CreateSite adds a site to the principal's account. The plan's max_sites
// is checked and the row inserted while the account row is locked, so
// that racing creations cannot pass the limit together. Errors: see
// igny8.SiteService.
func (s *Sites) CreateSite(ctx context.Context, in igny8.SiteCreate) (*igny8.Site, error) {
	p, tn, err := tenantFor(ctx, igny8.ActManageSites)
	if err != nil {
		return nil, err
	}
	f, err := validateSiteCreate(in)
	if err != nil {
		return nil, err
	}
	var site *igny8.Site
	err = s.db.InTx(ctx, func(tx *Tx) error {
		plan, err := lockAccountPlan(ctx, tx, tn)
		if err != nil {
			return err
		}
		if err := checkSiteLimit(ctx, tx, tn, plan, 1); err != nil {
			return err
		}
		s.limits.checked()
		if err := checkIndustry(ctx, tx.conn, f.IndustryID); err != nil {
			return err
		}
		slug, err := pickSiteSlug(ctx, tx, tn, f.Slug, in.Slug == "")
		if err != nil {
			return err
		}
		id := newID()
		if _, err := tx.exec(ctx, `INSERT INTO sites (id, account_id, name, slug, domain, industry_id, is_active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, p.AccountID, f.Name, slug, f.Domain, f.IndustryID, f.IsActive, tx.now, tx.now); err != nil {
			return siteWriteError(err)
		}
		if err := audit(ctx, tx, tn, "site.created", "site", id, map[string]any{"slug": slug}); err != nil {
			return err
		}
		site, err = visibleSite(ctx, tx.conn, p, id, false)
		return err
	})
	return site, err
}

// lockAccountPlan locks the live account row (PostgreSQL; SQLite
// serializes writers anyway) and returns its plan's limits.
func lockAccountPlan(ctx context.Context, tx *Tx, tn tenant) (*igny8.Plan, error) {
	var planID string
	err := tx.queryRow(ctx, `SELECT plan_id FROM accounts WHERE id = ? AND deleted_at IS NULL`+tx.db.forNoKeyUpdate(), tn.id).Scan(&planID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, igny8.NotFound("Account")
	}
	if err != nil {
		return nil, translate(err)
	}
	var p igny8.Plan
	err = scanPlan(tx.queryRow(ctx, `SELECT `+planColumns+` FROM plans p WHERE p.id = ?`, planID), &p)
	return &p, translate(err)
}

// checkSiteLimit refuses when adding n live sites would pass max_sites.
func checkSiteLimit(ctx context.Context, tx *Tx, tn tenant, plan *igny8.Plan, n int) error {
	var live int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM sites WHERE account_id = ? AND deleted_at IS NULL`, tn.id).Scan(&live); err != nil {
		return translate(err)
	}
	if live+n > plan.MaxSites {
		return limitReached("sites", plan.MaxSites, live)
	}
	return nil
}

// limitNouns words each limited resource for a count: the noun and what
// follows it ("3 sectors per site").
var limitNouns = map[string][2]string{"sites": {"site", ""}, "sectors per site": {"sector", " per site"}}

// limitReached is plan_limit_reached for resource what ("sites",
// "sectors per site").
func limitReached(what string, limit, used int) *igny8.Error {
	noun := limitNouns[what]
	return &igny8.Error{Code: igny8.EPlanLimit,
		Message: "Your plan allows " + igny8.Plural(limit, noun[0]) + noun[1] + "; upgrade the plan to add more.",
		Extra:   map[string]any{"limit": limit, "used": used, "resource": what}}
}

// pickSiteSlug returns slug when no live site of the account holds it. A
// generated slug is made unique with a numeric suffix instead of refused.
func pickSiteSlug(ctx context.Context, tx *Tx, tn tenant, slug string, generated bool) (string, error) {
	base := slug
	for n := 2; ; n++ {
		var taken int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM sites WHERE account_id = ? AND slug = ? AND deleted_at IS NULL`,
			tn.id, slug).Scan(&taken); err != nil {
			return "", translate(err)
		}
		if taken == 0 {
			return slug, nil
		}
		if !generated || n > 1000 {
			return "", slugTaken()
		}
		suffix := "-" + strconv.Itoa(n)
		slug = strings.TrimRight(cutBytes(base, maxSlugLen-len(suffix)), "-") + suffix
	}
}

func slugTaken() *igny8.Error {
	return &igny8.Error{Code: igny8.EConflict, Message: "This slug is already in use.",
		Fields: []igny8.FieldError{{Field: "slug", Message: "is already in use"}}}
}

// siteWriteError turns the live-slug unique index into a conflict.
func siteWriteError(err error) error {
	if IsConstraint(err, "unique") {
		return slugTaken()
	}
	return err
}

// checkIndustry refuses an industry id that does not exist.
func checkIndustry(ctx context.Context, c conn, id *string) error {
	if id == nil {
		return nil
	}
	var n int
	if err := c.queryRow(ctx, `SELECT COUNT(*) FROM industries WHERE id = ?`, *id).Scan(&n); err != nil {
		return translate(err)
	}
	if n == 0 {
		return igny8.InvalidField("industry_id", "does not name an industry")
	}
	return nil
}

// Site returns one live site the principal may see. Errors: see
// igny8.SiteService.
func (s *Sites) Site(ctx context.Context, id string) (*igny8.Site, error) {
	p, _, err := tenantFor(ctx, igny8.ActReadSites)
	if err != nil {
		return nil, err
	}
	return visibleSite(ctx, s.db.reader(), p, id, false)
}

// ListSites pages through the live sites the principal may see, oldest
// first (ids are time-ordered). Errors: see igny8.SiteService.
func (s *Sites) ListSites(ctx context.Context, f igny8.SiteFilter, pr igny8.PageRequest) (*igny8.Page[igny8.Site], error) {
	p, _, err := tenantFor(ctx, igny8.ActReadSites)
	if err != nil {
		return nil, err
	}
	pr = pr.Normalized()
	after, err := decodeSitesCursor(pr.Cursor)
	if err != nil {
		return nil, err
	}
	vis, args := siteVisibility(p)
	live := `s.deleted_at IS NULL`
	if f.Deleted {
		if err := igny8.Authorize(p, igny8.ActManageSites); err != nil {
			return nil, err
		}
		live = `s.deleted_at IS NOT NULL AND s.purge_after > ?`
		args = append([]any{s.db.Now()}, args...)
	}
	q := `SELECT ` + siteColumns + ` FROM sites s WHERE ` + live + ` AND ` + vis + ` AND s.id > ?`
	args = append(args, after)
	if f.IsActive != nil {
		q += ` AND s.is_active = ?`
		args = append(args, *f.IsActive)
	}
	if f.IndustryID != "" {
		q += ` AND s.industry_id = ?`
		args = append(args, f.IndustryID)
	}
	if f.LegacyID != nil {
		q += ` AND s.legacy_id = ?`
		args = append(args, *f.LegacyID)
	}
	if term := strings.TrimSpace(f.Q); term != "" {
		q += ` AND (lower(s.name) LIKE ? ESCAPE '\' OR lower(s.domain) LIKE ? ESCAPE '\')`
		like := likeContains(strings.ToLower(term))
		args = append(args, like, like)
	}
	q += ` ORDER BY s.id LIMIT ?`
	args = append(args, pr.Limit+1)
	items, err := queryAll(ctx, s.db.reader(), scanSite, q, args...)
	if err != nil {
		return nil, err
	}
	return sitesPage(items, pr.Limit, func(x *igny8.Site) string { return x.ID }), nil
}
