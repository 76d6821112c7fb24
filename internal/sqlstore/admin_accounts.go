package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/igny8/igny8"
)

var _ igny8.AdminAccountService = (*Admin)(nil)

// ListAccounts pages through live accounts, oldest first, filtered by
// status and by a search over the name, billing email and users' emails
// (or the account's exact id, which the admin pages link to).
// Errors: forbidden, validation_failed.
func (a *Admin) ListAccounts(ctx context.Context, f igny8.AccountFilter) (igny8.Page[igny8.Account], error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return igny8.Page[igny8.Account]{}, err
	}
	page := f.Page.Normalized()
	if err := checkIDCursor(page); err != nil {
		return igny8.Page[igny8.Account]{}, err
	}
	q := accountSelect + ` WHERE a.deleted_at IS NULL AND a.id > ?`
	args := []any{page.Cursor}
	switch f.Status {
	case "":
	case igny8.StatusTrial, igny8.StatusActive, igny8.StatusSuspended, igny8.StatusCancelled:
		q += ` AND a.status = ?`
		args = append(args, f.Status)
	default:
		return igny8.Page[igny8.Account]{}, igny8.InvalidField("status", "must be trial, active, suspended or cancelled")
	}
	if search := strings.ToLower(strings.TrimSpace(f.Search)); search != "" {
		like := likeContains(search)
		q += ` AND (a.id = ? OR LOWER(a.name) LIKE ? ESCAPE '\' OR LOWER(a.billing_email) LIKE ? ESCAPE '\'
			OR EXISTS (SELECT 1 FROM users m WHERE m.account_id = a.id AND m.email LIKE ? ESCAPE '\'))`
		args = append(args, search, like, like, like)
	}
	q += ` ORDER BY a.id LIMIT ?`
	args = append(args, page.Limit+1)
	out, err := queryAll(ctx, a.db.reader(), scanAccount, q, args...)
	if err != nil {
		return igny8.Page[igny8.Account]{}, err
	}
	return *cutPage(out, page.Limit, func(x *igny8.Account) string { return x.ID }), nil
}

// statusChange is one admin status action: which statuses it leaves.
type statusChange struct {
	action string   // audit action
	to     string   // new status; empty means "trial if still running, else active"
	from   []string // statuses it applies to
}

var (
	suspendChange    = statusChange{"account.suspended", igny8.StatusSuspended, []string{igny8.StatusTrial, igny8.StatusActive}}
	reactivateChange = statusChange{"account.reactivated", "", []string{igny8.StatusSuspended, igny8.StatusCancelled}}
	cancelChange     = statusChange{"account.cancelled", igny8.StatusCancelled, []string{igny8.StatusTrial, igny8.StatusActive, igny8.StatusSuspended}}
)

// SuspendAccount suspends a trial or active account; its keys, sessions
// and tokens are refused from the next request. Errors: forbidden,
// not_found, conflict, validation_failed.
func (a *Admin) SuspendAccount(ctx context.Context, id, reason string) (*igny8.Account, error) {
	return a.changeStatus(ctx, id, reason, suspendChange)
}

// ReactivateAccount makes a suspended or cancelled account usable again:
// back to trial when its trial has not ended, else active. Errors:
// forbidden, not_found, conflict, validation_failed.
func (a *Admin) ReactivateAccount(ctx context.Context, id, reason string) (*igny8.Account, error) {
	return a.changeStatus(ctx, id, reason, reactivateChange)
}

// CancelAccount cancels an account. Errors: forbidden, not_found,
// conflict, validation_failed.
func (a *Admin) CancelAccount(ctx context.Context, id, reason string) (*igny8.Account, error) {
	return a.changeStatus(ctx, id, reason, cancelChange)
}

func (a *Admin) changeStatus(ctx context.Context, id, reason string, c statusChange) (*igny8.Account, error) {
	sys, err := asSystem(ctx)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 500 {
		return nil, igny8.InvalidField("reason", "must be at most 500 characters")
	}
	var acct *igny8.Account
	err = a.db.InTx(ctx, func(tx *Tx) error {
		before, err := accountByID(ctx, tx.conn, id)
		if err != nil {
			return err
		}
		if before.DeletedAt != nil {
			return igny8.NotFound("Account")
		}
		to := c.to
		if to == "" {
			to = igny8.StatusActive
			if before.TrialEndsAt != nil && tx.now.Before(*before.TrialEndsAt) && before.Plan.Slug == igny8.PlanFreeTrial {
				to = igny8.StatusTrial
			}
		}
		if err := guardedStatus(ctx, tx, id, to, reason, before.Status, c.from); err != nil {
			return err
		}
		if err := audit(ctx, tx, sys.reach(id), c.action, "account", id,
			map[string]any{"from": before.Status, "to": to, "reason": reason}); err != nil {
			return err
		}
		if c.action == suspendChange.action || c.action == reactivateChange.action {
			if err := accountStatusMail(ctx, tx, sys.reach(id), c.action == suspendChange.action, reason); err != nil {
				return err
			}
		}
		acct, err = accountByID(ctx, tx.conn, id)
		return err
	})
	return acct, err
}

// guardedStatus moves the account from its current status (which must be
// one of from) to to, in one guarded UPDATE.
func guardedStatus(ctx context.Context, tx *Tx, id, to, reason, current string, from []string) error {
	allowed := false
	for _, f := range from {
		allowed = allowed || f == current
	}
	if !allowed {
		return igny8.Errorf(igny8.EConflict, "The account is %s; this action does not apply.", current)
	}
	res, err := tx.exec(ctx, `UPDATE accounts SET status = ?, status_reason = ?, updated_at = ? WHERE id = ? AND status = ?`,
		to, reason, tx.now, id, current)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return igny8.Errorf(igny8.EConflict, "The account changed meanwhile; retry.")
	}
	return nil
}

// ExpireTrials moves every trial that has ended to suspended with reason
// trial_expired, auditing each and telling its owner ("trial ended"). One
// guarded UPDATE picks the rows, so instances running it together move
// (and audit, and tell) each account once. Errors: forbidden.
func (a *Admin) ExpireTrials(ctx context.Context) (int, error) {
	sys, err := asSystem(ctx)
	if err != nil {
		return 0, err
	}
	type ended struct {
		id string
		at time.Time
	}
	var rows []ended
	err = a.db.InTx(ctx, func(tx *Tx) error {
		var err error
		rows, err = queryAll(ctx, tx.conn, func(row scanner) (*ended, error) {
			var e ended
			return &e, row.Scan(&e.id, timestamp{&e.at})
		}, `UPDATE accounts SET status = 'suspended', status_reason = ?, updated_at = ?
			WHERE status = 'trial' AND trial_ends_at <= ? AND deleted_at IS NULL RETURNING id, trial_ends_at`,
			igny8.ReasonTrialExpired, tx.now, tx.now)
		if err != nil {
			return err
		}
		for _, e := range rows {
			if err := audit(ctx, tx, sys.reach(e.id), "account.suspended", "account", e.id,
				map[string]any{"from": igny8.StatusTrial, "to": igny8.StatusSuspended, "reason": igny8.ReasonTrialExpired}); err != nil {
				return err
			}
			at := e.at
			if _, err := noticeOnce(ctx, tx, sys.reach(e.id), igny8.NoticeTrialEnded, periodKey("trial", at), nil,
				func(acct *igny8.Account) igny8.MailContent {
					return igny8.TrialEndedMail{AccountName: acct.Name, EndedAt: at}
				}); err != nil {
				return err
			}
		}
		return nil
	})
	return len(rows), err
}

// RemindTrials tells the owner of every trial that ends within
// igny8.TrialReminderDays when it ends ("trial ends in 3 days"), once per
// trial end, unless they turned trial reminders off. Each reminder is a
// transaction of its own whose notice key decides it, so instances running
// it together send each once. It reports how many it sent.
// Errors: forbidden, database errors.
func (a *Admin) RemindTrials(ctx context.Context) (int, error) {
	sys, err := asSystem(ctx)
	if err != nil {
		return 0, err
	}
	now := a.db.Now()
	window := igny8.TrialReminderDays * 24 * time.Hour
	// A trial reminded within the window is skipped here; the notice key
	// (the trial's end) is what decides, so a trial extended after its
	// reminder is reminded again of its new end.
	ids, err := queryAll(ctx, a.db.reader(), func(row scanner) (*string, error) {
		var id string
		return &id, row.Scan(&id)
	}, `SELECT a.id FROM accounts a WHERE a.status = 'trial' AND a.trial_ends_at > ? AND a.trial_ends_at <= ?
		AND a.deleted_at IS NULL AND a.notify_trial_reminders = TRUE AND NOT EXISTS (SELECT 1 FROM account_notices n
		WHERE n.account_id = a.id AND n.kind = ? AND n.created_at > ?)`,
		now, now.Add(window), igny8.NoticeTrialEnding, now.Add(-window))
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for _, id := range ids {
		ok, err := a.remindTrial(ctx, sys.reach(id), window)
		sent += btoi(ok)
		errs = appendErr(errs, err, "remind trial", id)
	}
	return sent, errors.Join(errs...)
}

// remindTrial writes one account's trial reminder if it is still due.
func (a *Admin) remindTrial(ctx context.Context, tn tenant, window time.Duration) (bool, error) {
	sent := false
	err := a.db.InTx(ctx, func(tx *Tx) error {
		acct, err := accountByID(ctx, tx.conn, tn.id)
		if err != nil {
			return err
		}
		ends := acct.TrialEndsAt
		if acct.Status != igny8.StatusTrial || acct.DeletedAt != nil || ends == nil ||
			!ends.After(tx.now) || ends.After(tx.now.Add(window)) {
			return nil
		}
		days := int((ends.Sub(tx.now) + 24*time.Hour - 1) / (24 * time.Hour))
		sent, err = noticeOnce(ctx, tx, tn, igny8.NoticeTrialEnding, periodKey("trial", *ends), wantsTrialReminders,
			func(acct *igny8.Account) igny8.MailContent {
				return igny8.TrialEndingMail{AccountName: acct.Name, EndsAt: *ends, DaysLeft: days}
			})
		return err
	})
	return sent, err
}

// AccountGate returns the gate's view of account accountID (what
// igny8.CheckGate decides on), for the admin and system side: the
// principal lookups of the request path read the same state with the
// principal. Errors: unauthenticated (also for an unknown account),
// forbidden (neither a developer nor the system).
func (a *Admin) AccountGate(ctx context.Context, accountID string) (igny8.GateInput, error) {
	var g igny8.GateInput
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return g, err
	}
	var deleted *string
	err := a.db.reader().queryRow(ctx, `SELECT a.status, a.status_reason, a.trial_ends_at, p.is_active, CAST(a.deleted_at AS TEXT)
		FROM accounts a JOIN plans p ON p.id = a.plan_id WHERE a.id = ?`, accountID).
		Scan(&g.Status, &g.StatusReason, &g.TrialEndsAt, &g.PlanActive, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return g, igny8.Errorf(igny8.EUnauthenticated, "Authentication required.")
	}
	g.Deleted = deleted != nil
	return g, translate(err)
}
