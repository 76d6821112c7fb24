package apptest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"time"

	"github.com/igny8/igny8/internal/sqlstore"
)

// Exec runs raw SQL (written with ? placeholders) on the env's database,
// for arranging states the API cannot reach directly.
func (e *Env) Exec(q string, args ...any) {
	e.T.Helper()
	db := e.App.DB()
	if _, err := db.SQL().ExecContext(context.Background(), db.Rebind(q), args...); err != nil {
		e.T.Fatalf("%s: %v", q, err)
	}
}

// Count runs a COUNT query on the env's database.
func (e *Env) Count(q string, args ...any) int {
	e.T.Helper()
	db := e.App.DB()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), db.Rebind(q), args...).Scan(&n); err != nil {
		e.T.Fatalf("%s: %v", q, err)
	}
	return n
}

// Text runs a query of one text value on the env's database (reading a
// stored row as it is).
func (e *Env) Text(q string, args ...any) string {
	e.T.Helper()
	db := e.App.DB()
	var s string
	if err := db.SQL().QueryRowContext(context.Background(), db.Rebind(q), args...).Scan(&s); err != nil {
		e.T.Fatalf("%s: %v", q, err)
	}
	return s
}

// SetPlan moves an account to the plan with slug (for its limits).
func (e *Env) SetPlan(accountID, slug string) {
	e.T.Helper()
	e.Exec(`UPDATE accounts SET plan_id = (SELECT id FROM plans WHERE slug = ?) WHERE id = ?`, slug, accountID)
}

// AddSite inserts a live site into an account and returns its id (the
// sites API belongs to another area; tests of keys only need a row).
func (e *Env) AddSite(accountID, name string) string {
	e.T.Helper()
	id := sqlstore.NewID()
	now := time.Now().UTC()
	e.Exec(`INSERT INTO sites (id, account_id, name, slug, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		id, accountID, name, sqlstore.Slugify(name)+"-"+id[len(id)-6:], now, now)
	return id
}

// Invite has inviter invite a new person with role to their account, and
// the person accept; it returns the new user logged in. The account's
// plan must have room.
func (e *Env) Invite(inviter *User, role string) *User {
	e.T.Helper()
	n := seq.Add(1)
	u := &User{Email: fmt.Sprintf("member-%d@example.com", n), Password: "another long passphrase", AccountID: inviter.AccountID}
	r := e.As(inviter.Token, "POST", "/api/v1/account/users", map[string]string{"email": u.Email, "role": role})
	if r.Status != http.StatusCreated {
		e.T.Fatalf("invite %s: %s", role, r)
	}
	var inv struct{ Token string }
	r.JSON(e.T, &inv)
	r = e.Do("POST", "/api/v1/auth/accept-invite", map[string]string{"token": inv.Token, "password": u.Password})
	if r.Status != http.StatusCreated {
		e.T.Fatalf("accept invitation: %s", r)
	}
	var out struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		User         struct{ ID string }
	}
	r.JSON(e.T, &out)
	u.ID, u.Token, u.RefreshToken = out.User.ID, out.AccessToken, out.RefreshToken
	return u
}

// NewAPIKey creates an API key with the given body as token's user and
// returns the key's id and secret.
func (e *Env) NewAPIKey(token string, body map[string]any) (id, key string) {
	e.T.Helper()
	r := e.As(token, "POST", "/api/v1/api-keys", body)
	if r.Status != http.StatusCreated {
		e.T.Fatalf("create API key %v: %s", body, r)
	}
	var out struct{ ID, Key string }
	r.JSON(e.T, &out)
	return out.ID, out.Key
}

// Message is one message of the outbox, as the operator reads it.
type Message struct {
	ID, Kind, To, Subject, Text, State string
}

// Messages settles the work left by requests and returns the messages to
// addr, oldest first, of the kinds given (every kind when none).
func (e *Env) Messages(addr string, kinds ...string) []Message {
	e.T.Helper()
	e.Settle()
	db := e.App.DB()
	rows, err := db.SQL().QueryContext(context.Background(), db.Rebind(`SELECT id, kind, to_addr, subject, text_body, state
		FROM messages WHERE lower(to_addr) = lower(?) ORDER BY id`), addr)
	if err != nil {
		e.T.Fatalf("messages: %v", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		if err := rows.Scan(&m.ID, &m.Kind, &m.To, &m.Subject, &m.Text, &m.State); err != nil {
			e.T.Fatalf("messages: %v", err)
		}
		if len(kinds) == 0 || slices.Contains(kinds, m.Kind) {
			out = append(out, m)
		}
	}
	if err := rows.Err(); err != nil {
		e.T.Fatalf("messages: %v", err)
	}
	return out
}

var resetTokenRE = regexp.MustCompile(`/reset-password\?token=([A-Za-z0-9_\-%]+)`)

// ResetToken is the token of the newest password reset (or setup) link
// e-mailed to addr; it fails the test when there is none.
func (e *Env) ResetToken(addr string) string {
	e.T.Helper()
	ms := e.Messages(addr, "password_reset", "password_setup")
	if len(ms) == 0 {
		e.T.Fatalf("no password reset message to %s", addr)
	}
	m := resetTokenRE.FindStringSubmatch(ms[len(ms)-1].Text)
	if m == nil {
		e.T.Fatalf("no reset link in the message to %s:\n%s", addr, ms[len(ms)-1].Text)
	}
	token, err := url.QueryUnescape(m[1])
	if err != nil {
		e.T.Fatal(err)
	}
	return token
}
