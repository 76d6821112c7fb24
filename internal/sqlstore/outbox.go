package sqlstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/igny8/igny8"
)

// Outbox is the delivery side of the messages table, across accounts,
// for the outbox worker only (internal/mail/worker.go); it checks no
// principal, so nothing reachable from a request holds one.
type Outbox struct {
	db *DB
}

// NewOutbox returns the delivery side of db's outbox.
func NewOutbox(db *DB) *Outbox { return &Outbox{db: db} }

// skipLocked is the claim clause: PostgreSQL skips rows another worker has
// locked; SQLite's write transactions are serialized, so none is needed.
func (db *DB) skipLocked() string {
	if db.dialect == Postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// Claim takes up to limit due queued messages for this worker: each one's
// attempt count goes up and it is not due again until lease has passed,
// so no other worker (on any instance) takes it meanwhile. A worker that
// dies mid-delivery leaves its messages to be retried after the lease.
func (o *Outbox) Claim(ctx context.Context, limit int, lease time.Duration) ([]igny8.Message, error) {
	var out []igny8.Message
	err := o.db.InTx(ctx, func(tx *Tx) error {
		var err error
		out, err = queryAll(ctx, tx.conn, scanMessage, `UPDATE messages SET attempts = attempts + 1,
			next_attempt_at = ?, updated_at = ? WHERE id IN (SELECT id FROM messages
			WHERE state = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`+o.db.skipLocked()+`)
			RETURNING `+messageColumns, tx.now.Add(lease), tx.now, tx.now, limit)
		return err
	})
	// RETURNING follows no order; ids are time-ordered (UUIDv7), so
	// messages go out in the order they were made.
	slices.SortFunc(out, func(a, b igny8.Message) int { return strings.Compare(a.ID, b.ID) })
	return out, err
}

// Sent records the delivery of the attempt Claim handed out. A message
// whose claim was since taken over (attempts moved on) is left alone.
func (o *Outbox) Sent(ctx context.Context, m igny8.Message) error {
	return o.db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE messages SET state = 'sent', sent_at = ?, updated_at = ?, last_error = ''
			WHERE id = ? AND state = 'queued' AND attempts = ?`, tx.now, tx.now, m.ID, m.Attempts)
		return err
	})
}

// Retry records a failed attempt that may succeed later: the message is
// due again after wait.
func (o *Outbox) Retry(ctx context.Context, m igny8.Message, reason string, wait time.Duration) error {
	return o.db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE messages SET next_attempt_at = ?, last_error = ?, updated_at = ?
			WHERE id = ? AND state = 'queued' AND attempts = ?`, tx.now.Add(wait), clip(reason), tx.now, m.ID, m.Attempts)
		return err
	})
}

// Failed records a permanent failure (the server refused the message for
// good, or the attempts ran out): the message is not tried again.
func (o *Outbox) Failed(ctx context.Context, m igny8.Message, reason string) error {
	return o.db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE messages SET state = 'failed', last_error = ?, updated_at = ?
			WHERE id = ? AND state = 'queued' AND attempts = ?`, clip(reason), tx.now, m.ID, m.Attempts)
		return err
	})
}

// PurgeSent deletes messages sent, or kept, longer ago than retention
// (their links are credentials; there is no reason to keep them) and
// reports how many. Failed messages stay for the operator.
func (o *Outbox) PurgeSent(ctx context.Context, retention time.Duration) (int64, error) {
	var n int64
	err := o.db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM messages WHERE (state = 'sent' AND sent_at < ?)
			OR (state = 'kept' AND created_at < ?)`, tx.now.Add(-retention), tx.now.Add(-retention))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// clip bounds an error text kept with a message.
func clip(s string) string {
	if r := []rune(s); len(r) > 500 {
		return string(r[:500])
	}
	return s
}

// KeepQueued marks every queued message kept: the deployment that runs
// this has no mail server, so nothing will send them (messages the CLI
// made are queued, since it cannot know). It reports how many.
func (o *Outbox) KeepQueued(ctx context.Context) (int64, error) {
	var n int64
	err := o.db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE messages SET state = 'kept', updated_at = ? WHERE state = 'queued'`, tx.now)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
