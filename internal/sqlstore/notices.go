package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/igny8/igny8"
)

// The notices to the owner that go once per account, kind and period: the
// trial reminders, the credit warnings and past due. Each is a row of
// account_notices written in the transaction of its cause beside its
// message; the row's primary key decides which transaction sends it, on
// any instance (see claimNotice).

// OnNoticeError sets f to be told of a notice that could not be written
// after its cause had rolled back (the "credits exhausted" notice of a
// refused deduction, written in a transaction of its own); every other
// notice fails with the transaction of its cause.
func (db *DB) OnNoticeError(f func(error)) { db.noticeErr.Store(&f) }

// claimNotice records that the account got the notice kind for period and
// reports whether this transaction is the first to: a second claim, by
// this instance or another, finds the key taken and does nothing. On
// PostgreSQL a claim racing an uncommitted one waits for it, then does
// nothing if it committed; SQLite's writers are serialized.
func claimNotice(ctx context.Context, tx *Tx, tn tenant, kind, period string) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO account_notices (account_id, kind, period, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id, kind, period) DO NOTHING`, tn.id, kind, period, tx.now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// noticeOnce writes the notice kind for period to the owner and the
// billing e-mail unless the account had it already; content makes it from
// the account. optional names the owner's choice that turns it off (nil:
// it cannot be turned off); an owner who turned it off gets none and no
// key is taken. It reports whether this call wrote it. Without SetMail
// nothing is made.
func noticeOnce(ctx context.Context, tx *Tx, tn tenant, kind, period string, optional func(*igny8.Account) bool,
	content func(*igny8.Account) igny8.MailContent) (bool, error) {
	if tx.db.mail.Load() == nil {
		return false, nil
	}
	acct, owner, billing, err := ownerAndBilling(ctx, tx, tn)
	if err != nil {
		return false, err
	}
	if optional != nil && !optional(acct) {
		return false, nil
	}
	first, err := claimNotice(ctx, tx, tn, kind, period)
	if err != nil || !first {
		return false, err
	}
	return true, enqueue(ctx, tx, tn, content(acct), owner, billing)
}

func wantsLowCredits(a *igny8.Account) bool     { return a.NotifyLowCredits }
func wantsTrialReminders(a *igny8.Account) bool { return a.NotifyTrialReminders }

// periodKey is a point in time as a notice period.
func periodKey(prefix string, t time.Time) string {
	return prefix + ":" + t.UTC().Format(time.RFC3339Nano)
}

// creditPeriod is the period the credit notices count once in: the
// account's current billing period, its trial, or else the calendar month.
func creditPeriod(ctx context.Context, c conn, tn tenant, now time.Time) (string, error) {
	var status string
	if err := c.queryRow(ctx, `SELECT status FROM accounts WHERE id = ?`, tn.id).Scan(&status); err != nil {
		return "", translate(err)
	}
	if status == igny8.StatusTrial {
		return "trial", nil
	}
	var start time.Time
	err := c.queryRow(ctx, `SELECT current_period_start FROM subscriptions WHERE account_id = ?
		AND status IN ('active', 'past_due') AND current_period_start IS NOT NULL
		ORDER BY current_period_start DESC LIMIT 1`, tn.id).Scan(timestamp{&start})
	switch {
	case err == nil:
		return periodKey("period", start), nil
	case errors.Is(err, sql.ErrNoRows):
		return "month:" + now.UTC().Format("2006-01"), nil
	}
	return "", translate(err)
}

// creditNotices is the check of every deduction, in its transaction: the
// balance went from before to after against a plan including included
// credits. Reaching 0 is "credits exhausted"; crossing the low line is
// "credits low". Neither needs a query unless the deduction crossed a line.
func creditNotices(ctx context.Context, tx *Tx, tn tenant, before, after, included int64) error {
	switch {
	case tx.db.mail.Load() == nil:
		return nil
	case after == 0 && before > 0:
		return exhaustedNotice(ctx, tx, tn, 0)
	case igny8.LowCredits(after, included) && !igny8.LowCredits(before, included):
		period, err := creditPeriod(ctx, tx.conn, tn, tx.now)
		if err != nil {
			return err
		}
		_, err = noticeOnce(ctx, tx, tn, igny8.NoticeCreditsLow, period, wantsLowCredits,
			func(a *igny8.Account) igny8.MailContent {
				return igny8.CreditsLowMail{AccountName: a.Name, PlanName: a.Plan.Name, Balance: after, Included: included}
			})
		return err
	}
	return nil
}

// exhaustedNotice writes "credits exhausted" once per period; required is
// what a refused deduction needed (0 when the balance reached 0).
func exhaustedNotice(ctx context.Context, tx *Tx, tn tenant, required int64) error {
	period, err := creditPeriod(ctx, tx.conn, tn, tx.now)
	if err != nil {
		return err
	}
	_, err = noticeOnce(ctx, tx, tn, igny8.NoticeCreditsExhausted, period, nil,
		func(a *igny8.Account) igny8.MailContent {
			return igny8.CreditsExhaustedMail{AccountName: a.Name, Balance: a.Credits, Required: required}
		})
	return err
}

// refusedNotice writes "credits exhausted" for a deduction refused for
// want of credits, once its transaction has rolled back (the refusal
// stands even though its transaction changed nothing). A read answers the
// common case, a notice sent already this period, without a write.
func (db *DB) refusedNotice(ctx context.Context, tn tenant, required int64) {
	if db.mail.Load() == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	err := db.refusedNoticeTx(ctx, tn, required)
	if f := db.noticeErr.Load(); err != nil && f != nil {
		(*f)(err)
	}
}

func (db *DB) refusedNoticeTx(ctx context.Context, tn tenant, required int64) error {
	period, err := creditPeriod(ctx, db.reader(), tn, db.Now())
	if err != nil {
		return err
	}
	var one int
	err = db.reader().queryRow(ctx, `SELECT 1 FROM account_notices WHERE account_id = ? AND kind = ? AND period = ?`,
		tn.id, igny8.NoticeCreditsExhausted, period).Scan(&one)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return translate(err)
	}
	return db.InTx(ctx, func(tx *Tx) error { return exhaustedNotice(ctx, tx, tn, required) })
}
