package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/igny8/igny8"
)

// sectorColumns selects the timestamps as siteColumns does.
const sectorColumns = `x.id, x.account_id, x.site_id, x.industry_sector_id, x.name, x.slug, x.is_active,
	COALESCE(x.created_at, NULL), COALESCE(x.updated_at, NULL),
	COALESCE(x.deleted_at, NULL), COALESCE(x.purge_after, NULL)`

func scanSector(row scanner) (*igny8.Sector, error) {
	var x igny8.Sector
	err := row.Scan(&x.ID, &x.AccountID, &x.SiteID, &x.IndustrySectorID, &x.Name, &x.Slug, &x.IsActive,
		timestamp{&x.CreatedAt}, timestamp{&x.UpdatedAt}, nullTimestamp{&x.DeletedAt}, nullTimestamp{&x.PurgeAfter})
	if err != nil {
		return nil, err
	}
	return &x, nil
}

// sectorOfVisibleSite reads a live sector whose site is live and visible
// to p. A non-zero restorableAt selects instead a soft-deleted sector still
// within retention at that time. Errors: not_found.
func sectorOfVisibleSite(ctx context.Context, c conn, p *igny8.Principal, id string, restorableAt time.Time, lock bool) (*igny8.Sector, error) {
	vis, args := siteVisibility(p)
	state := `x.deleted_at IS NULL`
	if !restorableAt.IsZero() {
		state = `x.deleted_at IS NOT NULL AND x.purge_after > ?`
		args = append([]any{restorableAt}, args...)
	}
	q := `SELECT ` + sectorColumns + ` FROM sectors x JOIN sites s ON s.id = x.site_id AND s.account_id = x.account_id
		WHERE x.id = ? AND ` + state + ` AND s.deleted_at IS NULL AND ` + vis
	if lock {
		q += c.db.forNoKeyUpdate()
	}
	x, err := scanSector(c.queryRow(ctx, q, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, igny8.NotFound("Sector")
	}
	return x, translate(err)
}

// accountPlan reads the plan of an account without locking it.
func accountPlan(ctx context.Context, c conn, tn tenant) (*igny8.Plan, error) {
	var p igny8.Plan
	err := scanPlan(c.queryRow(ctx, `SELECT `+planColumns+` FROM plans p JOIN accounts a ON a.plan_id = p.id WHERE a.id = ?`, tn.id), &p)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, igny8.NotFound("Account")
	}
	return &p, translate(err)
}

// checkSectorLimit refuses when adding n live sectors to the site would
// pass max_sectors_per_site. The caller holds the site row's lock.
func checkSectorLimit(ctx context.Context, tx *Tx, tn tenant, siteID string, n int) error {
	plan, err := accountPlan(ctx, tx.conn, tn)
	if err != nil {
		return err
	}
	var live int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM sectors WHERE account_id = ? AND site_id = ? AND deleted_at IS NULL`,
		tn.id, siteID).Scan(&live); err != nil {
		return translate(err)
	}
	if live+n > plan.MaxSectorsPerSite {
		return limitReached("sectors per site", plan.MaxSectorsPerSite, live)
	}
	return nil
}

// checkSectorSlug refuses a slug a live sector of the site already holds.
func checkSectorSlug(ctx context.Context, tx *Tx, siteID, slug string) error {
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM sectors WHERE site_id = ? AND slug = ? AND deleted_at IS NULL`,
		siteID, slug).Scan(&n); err != nil {
		return translate(err)
	}
	if n > 0 {
		return &igny8.Error{Code: igny8.EConflict, Message: "The site already has a sector with this name.",
			Fields: []igny8.FieldError{{Field: "name", Message: "is already in use on this site"}}}
	}
	return nil
}

// industrySectorFor checks that id names an industry sector allowed on
// site and returns its name.
func industrySectorFor(ctx context.Context, c conn, site *igny8.Site, id string) (string, error) {
	var industryID, name string
	err := c.queryRow(ctx, `SELECT industry_id, name FROM industry_sectors WHERE id = ?`, id).Scan(&industryID, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", igny8.InvalidField("industry_sector_id", "does not name an industry sector")
	}
	if err != nil {
		return "", translate(err)
	}
	if site.IndustryID != nil && *site.IndustryID != industryID {
		return "", igny8.InvalidField("industry_sector_id", "belongs to another industry than the site's")
	}
	return name, nil
}

// CreateSector adds a sector to a live site the principal may see. The
// site row is locked while max_sectors_per_site is checked, so that racing
// creations cannot pass the limit together. Errors: see igny8.SiteService.
func (s *Sites) CreateSector(ctx context.Context, siteID string, in igny8.SectorCreate) (*igny8.Sector, error) {
	p, tn, err := tenantFor(ctx, igny8.ActEditSites)
	if err != nil {
		return nil, err
	}
	in.IndustrySectorID = strings.TrimSpace(in.IndustrySectorID)
	if in.IndustrySectorID == "" {
		return nil, igny8.InvalidField("industry_sector_id", "is required")
	}
	if in.Name != "" {
		if in.Name, err = checkDisplayName(in.Name, maxSiteNameLen); err != nil {
			return nil, igny8.InvalidField("name", err.Error())
		}
	}
	var sector *igny8.Sector
	err = s.db.InTx(ctx, func(tx *Tx) error {
		site, err := visibleSite(ctx, tx.conn, p, siteID, true)
		if err != nil {
			return err
		}
		defaultName, err := industrySectorFor(ctx, tx.conn, site, in.IndustrySectorID)
		if err != nil {
			return err
		}
		if err := checkSectorLimit(ctx, tx, tn, site.ID, 1); err != nil {
			return err
		}
		s.limits.checked()
		name := in.Name
		if name == "" {
			name = defaultName
		}
		slug := generatedSlug(name, "sector")
		if err := checkSectorSlug(ctx, tx, site.ID, slug); err != nil {
			return err
		}
		id := newID()
		if _, err := tx.exec(ctx, `INSERT INTO sectors (id, account_id, site_id, industry_sector_id, name, slug, is_active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, TRUE, ?, ?)`, id, site.AccountID, site.ID, in.IndustrySectorID, name, slug, tx.now, tx.now); err != nil {
			return err
		}
		if err := audit(ctx, tx, tn, "sector.created", "sector", id, map[string]any{"site_id": site.ID}); err != nil {
			return err
		}
		sector, err = sectorOfVisibleSite(ctx, tx.conn, p, id, time.Time{}, false)
		return err
	})
	return sector, err
}

// ListSectors pages through the live sectors of a live site the principal
// may see, oldest first. Errors: see igny8.SiteService.
func (s *Sites) ListSectors(ctx context.Context, siteID string, pr igny8.PageRequest) (*igny8.Page[igny8.Sector], error) {
	p, _, err := tenantFor(ctx, igny8.ActReadSites)
	if err != nil {
		return nil, err
	}
	pr = pr.Normalized()
	after, err := decodeSitesCursor(pr.Cursor)
	if err != nil {
		return nil, err
	}
	c := s.db.reader()
	site, err := visibleSite(ctx, c, p, siteID, false)
	if err != nil {
		return nil, err
	}
	items, err := queryAll(ctx, c, scanSector, `SELECT `+sectorColumns+` FROM sectors x
		WHERE x.account_id = ? AND x.site_id = ? AND x.deleted_at IS NULL AND x.id > ? ORDER BY x.id LIMIT ?`,
		site.AccountID, site.ID, after, pr.Limit+1)
	if err != nil {
		return nil, err
	}
	return sitesPage(items, pr.Limit, func(x *igny8.Sector) string { return x.ID }), nil
}
