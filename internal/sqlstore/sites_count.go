package sqlstore

import (
	"context"

	"github.com/igny8/igny8"
)

// CountSites counts the principal's account's live sites, whatever sites
// the principal is granted (see igny8.SiteService).
func (s *Sites) CountSites(ctx context.Context) (int, error) {
	p, _, err := tenantFor(ctx, igny8.ActReadSites)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.reader().queryRow(ctx, `SELECT COUNT(*) FROM sites WHERE account_id = ? AND deleted_at IS NULL`, p.AccountID).Scan(&n)
	return n, translate(err)
}
