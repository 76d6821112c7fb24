package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/igny8/igny8"
)

// mailSettings is how the store makes messages: the composer that renders
// them and whether they are queued for delivery or kept.
type mailSettings struct {
	composer igny8.MailComposer
	deliver  bool
	// queued, when set, is told after commit how many messages a
	// transaction queued (the Prometheus counter).
	queued func(state string, n int)
}

// SetMail makes the store write a message for every change that tells a
// customer something (invitations, billing, account status). With deliver
// false no mail server is configured: messages are kept, not sent.
// onStored, when not nil, is told after each commit how many messages of
// a state were written. Without SetMail no message is made.
func (db *DB) SetMail(c igny8.MailComposer, deliver bool, onStored func(state string, n int)) {
	db.mail.Store(&mailSettings{composer: c, deliver: deliver, queued: onStored})
}

// enqueue renders content and writes one message per distinct recipient in
// tx, so that it exists exactly when the change that causes it commits.
// Without SetMail it does nothing.
func enqueue(ctx context.Context, tx *Tx, tn tenant, content igny8.MailContent, to ...string) error {
	_, err := enqueueIDs(ctx, tx, tn, content, to...)
	return err
}

// enqueueIDs is enqueue returning the ids of the messages it wrote.
func enqueueIDs(ctx context.Context, tx *Tx, tn tenant, content igny8.MailContent, to ...string) ([]string, error) {
	ms := tx.db.mail.Load()
	if ms == nil {
		return nil, nil
	}
	m, err := ms.composer.Compose(content)
	if err != nil {
		return nil, fmt.Errorf("compose %s mail: %w", content.MailKind(), err)
	}
	state := igny8.MessageKept
	if ms.deliver {
		state = igny8.MessageQueued
	}
	var acct any
	if tn.id != "" {
		acct = tn.id
	}
	seen := map[string]bool{}
	var ids []string
	for _, addr := range to {
		addr = strings.TrimSpace(addr)
		if addr == "" || seen[strings.ToLower(addr)] {
			continue
		}
		seen[strings.ToLower(addr)] = true
		id := newID()
		if _, err := tx.exec(ctx, `INSERT INTO messages (id, account_id, kind, to_addr, subject, text_body, html_body,
			state, next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, acct, m.Kind, addr, m.Subject, m.Text, m.HTML, state, tx.now, tx.now, tx.now); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if n := len(ids); ms.queued != nil && n > 0 {
		tx.OnCommit(func() { ms.queued(state, n) })
	}
	return ids, nil
}

// ownerAndBilling returns the addresses of the account's owner and its
// billing e-mail (which may be empty or the same).
func ownerAndBilling(ctx context.Context, tx *Tx, tn tenant) (acct *igny8.Account, owner, billing string, err error) {
	acct, err = accountByID(ctx, tx.conn, tn.id)
	if err != nil {
		return nil, "", "", err
	}
	err = tx.queryRow(ctx, `SELECT email FROM users WHERE id = ? AND deleted_at IS NULL`, acct.OwnerID).Scan(&owner)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, "", "", translate(err)
	}
	return acct, owner, acct.BillingEmail, nil
}

const messageColumns = `id, COALESCE(account_id, ''), kind, to_addr, subject, text_body, html_body, state, attempts,
	last_error, next_attempt_at, created_at, updated_at, sent_at`

func scanMessage(row scanner) (*igny8.Message, error) {
	var m igny8.Message
	var sent sql.NullTime
	if err := row.Scan(&m.ID, &m.AccountID, &m.Kind, &m.To, &m.Subject, &m.Text, &m.HTML, &m.State, &m.Attempts,
		&m.LastError, &m.NextAttemptAt, &m.CreatedAt, &m.UpdatedAt, &sent); err != nil {
		return nil, err
	}
	if sent.Valid {
		t := sent.Time.UTC()
		m.SentAt = &t
	}
	m.NextAttemptAt, m.CreatedAt, m.UpdatedAt = m.NextAttemptAt.UTC(), m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	return &m, nil
}

// ListMessages pages through the outbox, newest first, across accounts.
// Errors: unauthenticated, forbidden, validation_failed (unknown state).
func (a *Admin) ListMessages(ctx context.Context, f igny8.MessageFilter, page igny8.PageRequest) (igny8.Page[igny8.Message], error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return igny8.Page[igny8.Message]{}, err
	}
	page = page.Normalized()
	q, args := `SELECT `+messageColumns+` FROM messages WHERE 1 = 1`, []any{}
	if f.State != "" {
		if !validMessageState(f.State) {
			return igny8.Page[igny8.Message]{}, igny8.InvalidField("state", "must be one of "+strings.Join(igny8.MessageStates(), ", "))
		}
		q, args = q+` AND state = ?`, append(args, f.State)
	}
	if f.To != "" {
		q, args = q+` AND lower(to_addr) = ?`, append(args, strings.ToLower(strings.TrimSpace(f.To)))
	}
	if page.Cursor != "" {
		q, args = q+` AND id < ?`, append(args, page.Cursor)
	}
	out, err := queryAll(ctx, a.db.reader(), scanMessage, q+` ORDER BY id DESC LIMIT ?`, append(args, page.Limit+1)...)
	if err != nil {
		return igny8.Page[igny8.Message]{}, err
	}
	return *cutPage(out, page.Limit, func(m *igny8.Message) string { return m.ID }), nil
}

func validMessageState(s string) bool {
	for _, v := range igny8.MessageStates() {
		if v == s {
			return true
		}
	}
	return false
}

// GetMessage reads one message of the outbox. Errors: unauthenticated,
// forbidden, not_found.
func (a *Admin) GetMessage(ctx context.Context, id string) (*igny8.Message, error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	m, err := scanMessage(a.db.reader().queryRow(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, igny8.NotFound("Message")
	}
	return m, translate(err)
}

var _ igny8.AdminMailService = (*Admin)(nil)
