package sqlstore

import (
	"context"

	"github.com/igny8/igny8"
)

var _ igny8.RetentionAdmin = (*Admin)(nil)

// purgeSteps are the hard deletes of a purge, accounts first: an account's
// rows (users, sites, sectors, grants, keys, ledger) go with it through
// ON DELETE CASCADE. Each step removes only rows soft-deleted earlier
// whose purge_after has passed.
var purgeSteps = []struct {
	table string
	count func(r *igny8.PurgeReport) *int64
}{
	{"accounts", func(r *igny8.PurgeReport) *int64 { return &r.Accounts }},
	{"sites", func(r *igny8.PurgeReport) *int64 { return &r.Sites }},
	{"sectors", func(r *igny8.PurgeReport) *int64 { return &r.Sectors }},
	{"users", func(r *igny8.PurgeReport) *int64 { return &r.Users }},
}

// Purge hard-deletes the soft-deleted accounts, sites, sectors and users
// whose retention has passed, in one transaction, and records what it
// removed in the audit trail. Running it on several instances at once is
// safe: a row is deleted once. Errors: unauthenticated, forbidden.
func (a *Admin) Purge(ctx context.Context) (igny8.PurgeReport, error) {
	var rep igny8.PurgeReport
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return rep, err
	}
	err := a.db.InTx(ctx, func(tx *Tx) error {
		rep = igny8.PurgeReport{}
		for _, step := range purgeSteps {
			res, err := tx.exec(ctx, `DELETE FROM `+step.table+` WHERE deleted_at IS NOT NULL AND purge_after IS NOT NULL AND purge_after <= ?`, tx.now)
			if err != nil {
				return err
			}
			if *step.count(&rep), err = res.RowsAffected(); err != nil {
				return err
			}
		}
		if rep == (igny8.PurgeReport{}) {
			return nil
		}
		return audit(ctx, tx, noTenant, "retention.purged", "", "", map[string]any{"accounts": rep.Accounts,
			"sites": rep.Sites, "sectors": rep.Sectors, "users": rep.Users})
	})
	return rep, err
}
