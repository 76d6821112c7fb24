package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/igny8/igny8"
)

// LoginGuard keeps failed logins per e-mail and the devices people logged in
// from (igny8.LoginGuard), in the database so that every instance sees
// the same counts.
type LoginGuard struct{ db *DB }

var _ igny8.LoginGuard = (*LoginGuard)(nil)

// NewLoginGuard returns the login guard on db.
func NewLoginGuard(db *DB) *LoginGuard { return &LoginGuard{db: db} }

// emailHash is the stored form of a login e-mail: its SHA-256, so that
// addresses an attacker types are not kept.
func emailHash(email string) string {
	sum := sha256.Sum256([]byte("login:" + NormalizeEmail(email)))
	return hex.EncodeToString(sum[:])
}

// LoginWait is how long the next attempt for email from an unknown
// device must wait; zero when it may come now.
func (l *LoginGuard) LoginWait(ctx context.Context, email string) (time.Duration, error) {
	var next *time.Time
	err := l.db.reader().queryRow(ctx, `SELECT next_at FROM login_failures WHERE email_hash = ?`, emailHash(email)).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && next == nil) {
		return 0, nil
	}
	if err != nil {
		return 0, translate(err)
	}
	return max(next.Sub(l.db.Now()), 0), nil
}

// RecordLoginFailure counts a failed login for email under policy: a
// failure more than policy.Window after the first one of a quiet count,
// or after the last one of an episode, starts a new count; the failure
// that reaches policy.Threshold starts an episode and e-mails the person
// (userID) once; each failure of an episode sets when the next attempt
// from an unknown device may come.
func (l *LoginGuard) RecordLoginFailure(ctx context.Context, email, userID string, policy igny8.LoginPolicy) error {
	key := emailHash(email)
	return l.db.InTx(ctx, func(tx *Tx) error {
		// A row to lock, even for the first failure of two at once.
		if _, err := tx.exec(ctx, `INSERT INTO login_failures (email_hash, failures, first_at, last_at)
			VALUES (?, 0, ?, ?) ON CONFLICT (email_hash) DO NOTHING`, key, tx.now, tx.now); err != nil {
			return err
		}
		var failures int
		var first, last time.Time
		var notified *time.Time
		if err := tx.queryRow(ctx, `SELECT failures, first_at, last_at, notified_at FROM login_failures WHERE email_hash = ?`+
			l.db.forUpdate(), key).Scan(&failures, &first, &last, &notified); err != nil {
			return translate(err)
		}
		now := tx.now
		episode := failures >= policy.Threshold
		if failures == 0 || (!episode && now.Sub(first) > policy.Window) || (episode && now.Sub(last) > policy.Window) {
			failures, first, notified = 0, now, nil
		}
		failures++
		var next *time.Time
		if failures >= policy.Threshold {
			t := now.Add(policy.Delay(failures))
			next = &t
		}
		mail := failures >= policy.Threshold && notified == nil && userID != ""
		if mail {
			notified = &now
		}
		_, err := tx.exec(ctx, `UPDATE login_failures SET failures = ?, first_at = ?, last_at = ?, next_at = ?, notified_at = ?
			WHERE email_hash = ?`, failures, first, now, next, notified, key)
		if err != nil {
			return err
		}
		if !mail {
			return nil
		}
		user, err := userByID(ctx, tx.conn, userID)
		if err != nil {
			return err
		}
		// The message is the person's, sent to them alone on a failed
		// login (no principal): it names no account.
		return enqueue(ctx, tx, noTenant, igny8.LoginFailuresMail{Name: user.Name, Failures: failures}, user.Email)
	})
}

// PurgeLoginRecords deletes what login protection and the second step no
// longer need: failure counts whose last failure is older than
// failuresBefore (a day is well past any episode), login challenges
// expired before then, and devices not logged in from since
// devicesBefore. It returns how many rows it deleted.
func (l *LoginGuard) PurgeLoginRecords(ctx context.Context, failuresBefore, devicesBefore time.Time) (int64, error) {
	var n int64
	for _, q := range []struct {
		sql    string
		before time.Time
	}{
		{`DELETE FROM login_failures WHERE last_at < ?`, failuresBefore},
		{`DELETE FROM login_challenges WHERE expires_at < ?`, failuresBefore},
		{`DELETE FROM known_devices WHERE last_login_at < ?`, devicesBefore},
	} {
		res, err := l.db.write.ExecContext(ctx, l.db.rebind(q.sql), q.before.UTC())
		if err != nil {
			return n, translate(err)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	return n, nil
}

// KnownDevice reports whether userID logged in from one of hashes since
// since.
func (l *LoginGuard) KnownDevice(ctx context.Context, userID string, hashes []string, since time.Time) (bool, error) {
	for _, h := range hashes {
		if h == "" {
			continue
		}
		var n int
		err := l.db.reader().queryRow(ctx, `SELECT COUNT(*) FROM known_devices WHERE user_id = ? AND device_hash = ? AND last_login_at > ?`,
			userID, h, since.UTC()).Scan(&n)
		if err != nil {
			return false, translate(err)
		}
		if n > 0 {
			return true, nil
		}
	}
	return false, nil
}

// RememberDevices records a login of userID from each of hashes.
func (l *LoginGuard) RememberDevices(ctx context.Context, userID string, hashes []string) error {
	return l.db.InTx(ctx, func(tx *Tx) error {
		for _, h := range hashes {
			if h == "" {
				continue
			}
			if _, err := tx.exec(ctx, `INSERT INTO known_devices (user_id, device_hash, last_login_at) VALUES (?, ?, ?)
				ON CONFLICT (user_id, device_hash) DO UPDATE SET last_login_at = excluded.last_login_at`,
				userID, h, tx.now); err != nil {
				return err
			}
		}
		return nil
	})
}
