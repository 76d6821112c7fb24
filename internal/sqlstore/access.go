package sqlstore

import (
	"context"
	"strings"

	"github.com/igny8/igny8"
)

// siteAccessColumns selects granted_at as siteColumns selects timestamps.
const siteAccessColumns = `g.site_id, g.user_id, u.email, u.name, u.role, g.granted_by, COALESCE(g.granted_at, NULL)`

func scanSiteAccess(row scanner) (*igny8.SiteAccess, error) {
	var a igny8.SiteAccess
	if err := row.Scan(&a.SiteID, &a.UserID, &a.Email, &a.Name, &a.Role, &a.GrantedBy, timestamp{&a.GrantedAt}); err != nil {
		return nil, err
	}
	return &a, nil
}

// siteAccessFrom joins a grant with its live user; callers add conditions.
const siteAccessFrom = ` FROM site_user_access g JOIN users u ON u.id = g.user_id AND u.account_id = g.account_id
	AND u.deleted_at IS NULL WHERE g.account_id = ? AND g.site_id = ?`

// ListSiteAccess pages through the grants of a live site, ordered by user
// id. Errors: see igny8.SiteService.
func (s *Sites) ListSiteAccess(ctx context.Context, siteID string, pr igny8.PageRequest) (*igny8.Page[igny8.SiteAccess], error) {
	p, _, err := tenantFor(ctx, igny8.ActManageSites)
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
	items, err := queryAll(ctx, c, scanSiteAccess, `SELECT `+siteAccessColumns+siteAccessFrom+
		` AND g.user_id > ? ORDER BY g.user_id LIMIT ?`, site.AccountID, site.ID, after, pr.Limit+1)
	if err != nil {
		return nil, err
	}
	return sitesPage(items, pr.Limit, func(a *igny8.SiteAccess) string { return a.UserID }), nil
}

// GrantSiteAccess gives a live member of the account access to a live
// site; granting again keeps the first grant. Errors: see
// igny8.SiteService.
func (s *Sites) GrantSiteAccess(ctx context.Context, siteID string, in igny8.SiteAccessGrant) (*igny8.SiteAccess, error) {
	p, tn, err := tenantFor(ctx, igny8.ActManageSites)
	if err != nil {
		return nil, err
	}
	userID := strings.TrimSpace(in.UserID)
	if userID == "" {
		return nil, igny8.InvalidField("user_id", "is required")
	}
	var grant *igny8.SiteAccess
	err = s.db.InTx(ctx, func(tx *Tx) error {
		site, err := visibleSite(ctx, tx.conn, p, siteID, true)
		if err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE id = ? AND account_id = ? AND deleted_at IS NULL`,
			userID, site.AccountID).Scan(&n); err != nil {
			return translate(err)
		}
		if n == 0 {
			return igny8.InvalidField("user_id", "does not name a member of this account")
		}
		res, err := tx.exec(ctx, `INSERT INTO site_user_access (account_id, site_id, user_id, granted_by, granted_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (site_id, user_id) DO NOTHING`, site.AccountID, site.ID, userID, p.ActorID(), tx.now)
		if err != nil {
			return err
		}
		if added, _ := res.RowsAffected(); added > 0 {
			if err := audit(ctx, tx, tn, "site_access.granted", "site", site.ID, map[string]any{"user_id": userID}); err != nil {
				return err
			}
		}
		grant, err = scanSiteAccess(tx.queryRow(ctx, `SELECT `+siteAccessColumns+siteAccessFrom+` AND g.user_id = ?`,
			site.AccountID, site.ID, userID))
		return translate(err)
	})
	return grant, err
}

// RevokeSiteAccess removes a user's grant on a live site. Errors: see
// igny8.SiteService.
func (s *Sites) RevokeSiteAccess(ctx context.Context, siteID, userID string) error {
	p, tn, err := tenantFor(ctx, igny8.ActManageSites)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		site, err := visibleSite(ctx, tx.conn, p, siteID, true)
		if err != nil {
			return err
		}
		res, err := tx.exec(ctx, `DELETE FROM site_user_access WHERE account_id = ? AND site_id = ? AND user_id = ?`,
			site.AccountID, site.ID, userID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return igny8.NotFound("Site access")
		}
		return audit(ctx, tx, tn, "site_access.revoked", "site", site.ID, map[string]any{"user_id": userID})
	})
}
