package sqlstore

import (
	"context"
	"time"

	"github.com/igny8/igny8"
)

// UpdateSector renames or (de)activates a live sector of a site the
// principal may see; its slug stays. Errors: see igny8.SiteService.
func (s *Sites) UpdateSector(ctx context.Context, id string, in igny8.SectorPatch) (*igny8.Sector, error) {
	p, tn, err := tenantFor(ctx, igny8.ActEditSites)
	if err != nil {
		return nil, err
	}
	if in.Name != nil {
		name, err := checkDisplayName(*in.Name, maxSiteNameLen)
		if err != nil {
			return nil, igny8.InvalidField("name", err.Error())
		}
		in.Name = &name
	}
	var sector *igny8.Sector
	err = s.db.InTx(ctx, func(tx *Tx) error {
		cur, err := sectorOfVisibleSite(ctx, tx.conn, p, id, time.Time{}, true)
		if err != nil {
			return err
		}
		name, active := cur.Name, cur.IsActive
		if in.Name != nil {
			name = *in.Name
		}
		if in.IsActive != nil {
			active = *in.IsActive
		}
		if _, err := tx.exec(ctx, `UPDATE sectors SET name = ?, is_active = ?, updated_at = ? WHERE id = ? AND account_id = ?`,
			name, active, tx.now, cur.ID, p.AccountID); err != nil {
			return err
		}
		if err := audit(ctx, tx, tn, "sector.updated", "sector", cur.ID, map[string]any{"site_id": cur.SiteID}); err != nil {
			return err
		}
		sector, err = sectorOfVisibleSite(ctx, tx.conn, p, id, time.Time{}, false)
		return err
	})
	return sector, err
}

// DeleteSector soft-deletes a live sector of a site the principal may see.
// Errors: see igny8.SiteService.
func (s *Sites) DeleteSector(ctx context.Context, id string) error {
	p, tn, err := tenantFor(ctx, igny8.ActEditSites)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		cur, err := sectorOfVisibleSite(ctx, tx.conn, p, id, time.Time{}, true)
		if err != nil {
			return err
		}
		purge := tx.now.Add(s.retention.period())
		if _, err := tx.exec(ctx, `UPDATE sectors SET deleted_at = ?, purge_after = ?, updated_at = ? WHERE id = ? AND account_id = ?`,
			tx.now, purge, tx.now, cur.ID, p.AccountID); err != nil {
			return err
		}
		return audit(ctx, tx, tn, "sector.deleted", "sector", cur.ID, map[string]any{"site_id": cur.SiteID})
	})
}

// RestoreSector brings back a sector deleted on its own (a sector deleted
// with its site comes back with the site). The site row is locked while
// the sector limit is checked. Errors: see igny8.SiteService.
func (s *Sites) RestoreSector(ctx context.Context, id string) (*igny8.Sector, error) {
	p, tn, err := tenantFor(ctx, igny8.ActManageSites)
	if err != nil {
		return nil, err
	}
	var sector *igny8.Sector
	err = s.db.InTx(ctx, func(tx *Tx) error {
		cur, err := sectorOfVisibleSite(ctx, tx.conn, p, id, tx.now, false)
		if err != nil {
			return err
		}
		if _, err := visibleSite(ctx, tx.conn, p, cur.SiteID, true); err != nil {
			return err
		}
		if err := checkSectorLimit(ctx, tx, tn, cur.SiteID, 1); err != nil {
			return err
		}
		if err := checkSectorSlug(ctx, tx, cur.SiteID, cur.Slug); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE sectors SET deleted_at = NULL, purge_after = NULL, updated_at = ? WHERE id = ? AND account_id = ?`,
			tx.now, cur.ID, p.AccountID); err != nil {
			return err
		}
		if err := audit(ctx, tx, tn, "sector.restored", "sector", cur.ID, map[string]any{"site_id": cur.SiteID}); err != nil {
			return err
		}
		sector, err = sectorOfVisibleSite(ctx, tx.conn, p, id, time.Time{}, false)
		return err
	})
	return sector, err
}
