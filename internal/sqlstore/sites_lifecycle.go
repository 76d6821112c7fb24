package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"

	"github.com/igny8/igny8"
)

// UpdateSite changes the fields set in in of a live site the principal may
// see. Errors: see igny8.SiteService.
func (s *Sites) UpdateSite(ctx context.Context, id string, in igny8.SitePatch) (*igny8.Site, error) {
	p, tn, err := tenantFor(ctx, igny8.ActEditSites)
	if err != nil {
		return nil, err
	}
	var site *igny8.Site
	err = s.db.InTx(ctx, func(tx *Tx) error {
		cur, err := visibleSite(ctx, tx.conn, p, id, true)
		if err != nil {
			return err
		}
		f, err := applySitePatch(cur, in)
		if err != nil {
			return err
		}
		if err := checkIndustryChange(ctx, tx, cur, f.IndustryID); err != nil {
			return err
		}
		if f.Slug != cur.Slug {
			if _, err := pickSiteSlug(ctx, tx, tn, f.Slug, false); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, `UPDATE sites SET name = ?, slug = ?, domain = ?, industry_id = ?, is_active = ?, updated_at = ?
			WHERE id = ? AND account_id = ?`, f.Name, f.Slug, f.Domain, f.IndustryID, f.IsActive, tx.now, cur.ID, p.AccountID); err != nil {
			return siteWriteError(err)
		}
		if err := audit(ctx, tx, tn, "site.updated", "site", cur.ID, patchedFields(in)); err != nil {
			return err
		}
		site, err = visibleSite(ctx, tx.conn, p, id, false)
		return err
	})
	return site, err
}

// applySitePatch validates in and returns cur's fields with in applied.
func applySitePatch(cur *igny8.Site, in igny8.SitePatch) (*siteFields, error) {
	f := &siteFields{Name: cur.Name, Slug: cur.Slug, Domain: cur.Domain, IndustryID: cur.IndustryID, IsActive: cur.IsActive}
	var errs []igny8.FieldError
	add := func(field string, err error) {
		errs = append(errs, igny8.FieldError{Field: field, Message: err.Error()})
	}
	var err error
	if in.Name != nil {
		if f.Name, err = checkDisplayName(*in.Name, maxSiteNameLen); err != nil {
			add("name", err)
		}
	}
	if in.Slug != nil {
		if f.Slug, err = checkSlug(*in.Slug); err != nil {
			add("slug", err)
		}
	}
	if in.Domain != nil {
		if f.Domain, err = normalizeDomain(*in.Domain); err != nil {
			add("domain", err)
		}
	}
	if in.IndustryID != nil {
		f.IndustryID = nil
		if id := strings.TrimSpace(*in.IndustryID); id != "" {
			f.IndustryID = &id
		}
	}
	if in.IsActive != nil {
		f.IsActive = *in.IsActive
	}
	if len(errs) > 0 {
		return nil, igny8.Invalid("The site has errors.", errs...)
	}
	return f, nil
}

// checkIndustryChange refuses an industry that does not exist, and a new
// industry while the site has live sectors of another one.
func checkIndustryChange(ctx context.Context, tx *Tx, cur *igny8.Site, industryID *string) error {
	if industryID == nil || (cur.IndustryID != nil && *cur.IndustryID == *industryID) {
		return nil
	}
	if err := checkIndustry(ctx, tx.conn, industryID); err != nil {
		return err
	}
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM sectors x JOIN industry_sectors i ON i.id = x.industry_sector_id
		WHERE x.account_id = ? AND x.site_id = ? AND x.deleted_at IS NULL AND i.industry_id <> ?`,
		cur.AccountID, cur.ID, *industryID).Scan(&n)
	if err != nil {
		return translate(err)
	}
	if n > 0 {
		return &igny8.Error{Code: igny8.EConflict, Message: "The site has sectors of another industry; delete them first.",
			Fields: []igny8.FieldError{{Field: "industry_id", Message: "conflicts with the site's sectors"}}}
	}
	return nil
}

// patchedFields names the fields a patch set, for the audit trail.
func patchedFields(in igny8.SitePatch) map[string]any {
	var set []string
	for name, v := range map[string]bool{"name": in.Name != nil, "slug": in.Slug != nil, "domain": in.Domain != nil,
		"industry_id": in.IndustryID != nil, "is_active": in.IsActive != nil} {
		if v {
			set = append(set, name)
		}
	}
	sort.Strings(set)
	return map[string]any{"fields": set}
}

// DeleteSite soft-deletes a site and its live sectors with one timestamp,
// so that a restore brings back exactly those sectors. Errors: see
// igny8.SiteService.
func (s *Sites) DeleteSite(ctx context.Context, id string) error {
	p, tn, err := tenantFor(ctx, igny8.ActManageSites)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		site, err := visibleSite(ctx, tx.conn, p, id, true)
		if err != nil {
			return err
		}
		purge := tx.now.Add(s.retention.period())
		if _, err := tx.exec(ctx, `UPDATE sectors SET deleted_at = ?, purge_after = ?, updated_at = ?
			WHERE account_id = ? AND site_id = ? AND deleted_at IS NULL`, tx.now, purge, tx.now, p.AccountID, site.ID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE sites SET deleted_at = ?, purge_after = ?, updated_at = ?
			WHERE id = ? AND account_id = ?`, tx.now, purge, tx.now, site.ID, p.AccountID); err != nil {
			return err
		}
		return audit(ctx, tx, tn, "site.deleted", "site", site.ID, map[string]any{"purge_after": purge})
	})
}

// deletedSite reads a deleted site of p's account that is still within
// retention; anything else is not_found.
func deletedSite(ctx context.Context, tx *Tx, p *igny8.Principal, id string) (*igny8.Site, error) {
	vis, args := siteVisibility(p)
	site, err := scanSite(tx.queryRow(ctx, `SELECT `+siteColumns+` FROM sites s
		WHERE s.id = ? AND s.deleted_at IS NOT NULL AND s.purge_after > ? AND `+vis+tx.db.forNoKeyUpdate(),
		append([]any{id, tx.now}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, igny8.NotFound("Site")
	}
	return site, translate(err)
}

// RestoreSite brings back a deleted site and the sectors deleted with it.
// The account row is locked while the site limit is checked, as for
// CreateSite. Errors: see igny8.SiteService.
func (s *Sites) RestoreSite(ctx context.Context, id string) (*igny8.Site, error) {
	p, tn, err := tenantFor(ctx, igny8.ActManageSites)
	if err != nil {
		return nil, err
	}
	var site *igny8.Site
	err = s.db.InTx(ctx, func(tx *Tx) error {
		plan, err := lockAccountPlan(ctx, tx, tn)
		if err != nil {
			return err
		}
		cur, err := deletedSite(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := checkSiteLimit(ctx, tx, tn, plan, 1); err != nil {
			return err
		}
		s.limits.checked()
		if _, err := pickSiteSlug(ctx, tx, tn, cur.Slug, false); err != nil {
			return err
		}
		n, err := restoreSiteRows(ctx, tx, tn, cur.ID, plan)
		if err != nil {
			return err
		}
		if err := audit(ctx, tx, tn, "site.restored", "site", cur.ID, map[string]any{"sectors": n}); err != nil {
			return err
		}
		site, err = visibleSite(ctx, tx.conn, p, id, false)
		return err
	})
	return site, err
}

// restoreSiteRows undeletes a site and the sectors deleted at the same
// moment, refusing when those are more than the plan allows per site.
func restoreSiteRows(ctx context.Context, tx *Tx, tn tenant, siteID string, plan *igny8.Plan) (int, error) {
	const withSite = `account_id = ? AND site_id = ? AND deleted_at = (SELECT deleted_at FROM sites WHERE id = ? AND account_id = ?)`
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM sectors WHERE `+withSite, tn.id, siteID, siteID, tn.id).Scan(&n); err != nil {
		return 0, translate(err)
	}
	if n > plan.MaxSectorsPerSite {
		return 0, limitReached("sectors per site", plan.MaxSectorsPerSite, n)
	}
	if _, err := tx.exec(ctx, `UPDATE sectors SET deleted_at = NULL, purge_after = NULL, updated_at = ? WHERE `+withSite,
		tx.now, tn.id, siteID, siteID, tn.id); err != nil {
		return 0, err
	}
	_, err := tx.exec(ctx, `UPDATE sites SET deleted_at = NULL, purge_after = NULL, updated_at = ? WHERE id = ? AND account_id = ?`,
		tx.now, siteID, tn.id)
	return n, siteWriteError(err)
}
