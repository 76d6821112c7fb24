package apptest

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// linkRE finds the links of igny8's messages: a page path with a token.
var linkRE = regexp.MustCompile(`https?://[^\s"<>]+?(/[a-z-]+)\?token=([A-Za-z0-9%_.~-]+)`)

// LastMail returns the text of the newest message to addr of one of kinds
// (any kind when none is given) in the outbox, kept or queued alike;
// "" when there is none.
func (e *Env) LastMail(addr string, kinds ...string) string {
	e.T.Helper()
	q, args := `SELECT text_body FROM messages WHERE lower(to_addr) = ?`, []any{strings.ToLower(addr)}
	if len(kinds) > 0 {
		q += ` AND kind IN (?` + strings.Repeat(", ?", len(kinds)-1) + `)`
		for _, k := range kinds {
			args = append(args, k)
		}
	}
	db := e.App.DB()
	var text string
	err := db.SQL().QueryRowContext(context.Background(), db.Rebind(q+` ORDER BY id DESC LIMIT 1`), args...).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return ""
	}
	if err != nil {
		e.T.Fatalf("read the outbox: %v", err)
	}
	return text
}

// MailToken returns the token of the link to page (such as
// "/verify-email") in text, failing the test when there is none.
func (e *Env) MailToken(text, page string) string {
	e.T.Helper()
	for _, m := range linkRE.FindAllStringSubmatch(text, -1) {
		if m[1] == page {
			tok, err := url.QueryUnescape(m[2])
			if err != nil {
				e.T.Fatalf("link token %q: %v", m[2], err)
			}
			return tok
		}
	}
	e.T.Fatalf("no %s link in the message:\n%s", page, text)
	return ""
}

// VerificationToken returns the token of the newest link sent to addr to
// confirm it (after sign-up, or for a change of address).
func (e *Env) VerificationToken(addr string) string {
	e.T.Helper()
	text := e.LastMail(addr, "email_verification", "email_change")
	if text == "" {
		e.T.Fatalf("no verification message to %s", addr)
	}
	return e.MailToken(text, "/verify-email")
}

// VerifyEmail confirms addr through the link of its newest verification
// message, as its reader would (POST /api/v1/auth/email/verify).
func (e *Env) VerifyEmail(addr string) {
	e.T.Helper()
	r := e.Do("POST", "/api/v1/auth/email/verify", map[string]string{"token": e.VerificationToken(addr)})
	if r.Status != http.StatusOK {
		e.T.Fatalf("verify %s: %s", addr, r)
	}
}
