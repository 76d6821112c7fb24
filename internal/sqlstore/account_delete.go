package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/igny8/igny8"
)

var _ igny8.AccountDeletion = (*Accounts)(nil)

// ReasonAccountDeleted is the status reason of an account its owner deleted.
const ReasonAccountDeleted = igny8.ReasonAccountDeleted

// DeleteAccount cancels and soft-deletes the principal's account, with its
// live sites and sectors at the same instant, so that an admin restore
// brings back exactly those. The gate refuses a deleted account, so every
// credential of it stops working with this commit. Only the owner, logged
// in as a person, may do it (the caller checks the password).
// Errors: unauthenticated, forbidden.
func (s *Accounts) DeleteAccount(ctx context.Context) error {
	p, tn, err := scope(ctx)
	if err != nil {
		return err
	}
	if p.Role != igny8.RoleOwner || !p.IsPerson() {
		return igny8.Errorf(igny8.EForbidden, "Only the account owner, logged in, can delete the account.")
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		if _, err := lockAccountPlan(ctx, tx, tn); err != nil {
			return err
		}
		purge := tx.now.Add(s.retention.period())
		if _, err := tx.exec(ctx, `UPDATE accounts SET status_before_delete = status, reason_before_delete = status_reason,
			status = 'cancelled', status_reason = ?, deleted_at = ?, purge_after = ?, updated_at = ?
			WHERE id = ? AND deleted_at IS NULL`, ReasonAccountDeleted, tx.now, purge, tx.now, p.AccountID); err != nil {
			return err
		}
		for _, table := range []string{"sectors", "sites"} {
			if _, err := tx.exec(ctx, `UPDATE `+table+` SET deleted_at = ?, purge_after = ?, updated_at = ?
				WHERE account_id = ? AND deleted_at IS NULL`, tx.now, purge, tx.now, p.AccountID); err != nil {
				return err
			}
		}
		return audit(ctx, tx, tn, "account.deleted", "account", p.AccountID, map[string]any{"purge_after": purge})
	})
}

// RestoreAccount undoes an owner's account deletion within retention: the
// account gets back the status it had, and the sites and sectors deleted
// with it come back. Errors: forbidden, not_found.
func (a *Admin) RestoreAccount(ctx context.Context, accountID string) (*igny8.Account, error) {
	sys, err := asSystem(ctx)
	if err != nil {
		return nil, err
	}
	var acct *igny8.Account
	err = a.db.InTx(ctx, func(tx *Tx) error {
		var id string
		err := tx.queryRow(ctx, `SELECT id FROM accounts WHERE id = ? AND deleted_at IS NOT NULL AND purge_after > ?`+tx.db.forNoKeyUpdate(),
			accountID, tx.now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return igny8.NotFound("Deleted account")
		}
		if err != nil {
			return translate(err)
		}
		const withAccount = `account_id = ? AND deleted_at = (SELECT deleted_at FROM accounts WHERE id = ?)`
		for _, table := range []string{"sites", "sectors"} {
			if _, err := tx.exec(ctx, `UPDATE `+table+` SET deleted_at = NULL, purge_after = NULL, updated_at = ? WHERE `+withAccount,
				tx.now, id, id); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, `UPDATE accounts SET status = CASE WHEN status_before_delete = '' THEN status ELSE status_before_delete END,
			status_reason = reason_before_delete,
			status_before_delete = '', reason_before_delete = '', deleted_at = NULL, purge_after = NULL, updated_at = ?
			WHERE id = ?`, tx.now, id); err != nil {
			return err
		}
		if err := audit(ctx, tx, sys.reach(id), "account.restored", "account", id, nil); err != nil {
			return err
		}
		acct, err = accountByID(ctx, tx.conn, id)
		return err
	})
	return acct, err
}

// ListDeletedAccounts pages through the accounts deleted by their owners
// that are still within retention, oldest first, so that an admin can
// find the one to restore. Errors: forbidden, validation_failed.
func (a *Admin) ListDeletedAccounts(ctx context.Context, pr igny8.PageRequest) (*igny8.Page[igny8.DeletedAccount], error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	pr = pr.Normalized()
	after, err := decodeSitesCursor(pr.Cursor)
	if err != nil {
		return nil, err
	}
	q := strings.Replace(accountSelect, "SELECT ", "SELECT a.purge_after, ", 1) +
		` WHERE a.deleted_at IS NOT NULL AND a.purge_after > ? AND a.id > ? ORDER BY a.id LIMIT ?`
	items, err := queryAll(ctx, a.db.reader(), scanDeletedAccount, q, a.db.Now(), after, pr.Limit+1)
	if err != nil {
		return nil, err
	}
	return sitesPage(items, pr.Limit, func(d *igny8.DeletedAccount) string { return d.ID }), nil
}

// scanDeletedAccount reads a.purge_after followed by the accountSelect
// columns.
func scanDeletedAccount(row scanner) (*igny8.DeletedAccount, error) {
	d := &igny8.DeletedAccount{}
	acct, err := scanAccount(prefixScanner{row, &d.PurgeAfter})
	if err != nil {
		return nil, err
	}
	d.Account = *acct
	return d, nil
}

// prefixScanner scans a leading extra column into first and the rest
// into what the wrapped scan asks for.
type prefixScanner struct {
	row   scanner
	first any
}

func (s prefixScanner) Scan(dest ...any) error {
	return s.row.Scan(append([]any{s.first}, dest...)...)
}
