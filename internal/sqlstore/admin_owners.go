package sqlstore

import (
	"context"
	"strings"

	"github.com/igny8/igny8"
)

// OwnerEmails returns the e-mail of the owner of each of the accounts
// (at most igny8.MaxPageSize, one page of ListAccounts), read with one
// query; an account without an owner is left out. Errors:
// unauthenticated, forbidden, validation_failed (too many ids).
func (a *Admin) OwnerEmails(ctx context.Context, accountIDs []string) (map[string]string, error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	out := map[string]string{}
	if len(accountIDs) == 0 {
		return out, nil
	}
	if len(accountIDs) > igny8.MaxPageSize {
		return nil, igny8.Invalid("Ask for the owners of one page of accounts at a time.")
	}
	args := make([]any, len(accountIDs))
	for i, id := range accountIDs {
		args[i] = id
	}
	rows, err := a.db.reader().query(ctx, `SELECT account_id, email FROM users
		WHERE role = 'owner' AND account_id IN (?`+strings.Repeat(", ?", len(args)-1)+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, email string
		if err := rows.Scan(&id, &email); err != nil {
			return nil, err
		}
		out[id] = email
	}
	return out, rows.Err()
}
