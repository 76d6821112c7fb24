package sqlstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// failingComposer refuses to render the "password changed" notice, so the
// transaction that would send it fails.
type failingComposer struct{}

func (failingComposer) Compose(c igny8.MailContent) (igny8.Mail, error) {
	if c.MailKind() == "password_changed" {
		return igny8.Mail{}, errors.New("no template")
	}
	return igny8.Mail{Kind: c.MailKind(), Subject: "s", Text: "t", HTML: "h"}, nil
}

// TestPasswordResetLinks, on a fixed clock: a link works until its hour
// is over and not at its end; it is spent once; a newer link replaces it;
// an unknown e-mail writes nothing; a reset whose notice cannot be written
// changes nothing; a reset ends every login and web session of the user.
func TestPasswordResetLinks(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		svc := sqlstore.New(db, sqlstore.ServiceOptions{})
		s := svc.PasswordResets
		ctx := context.Background()
		user, _, err := svc.Identity.Register(ctx, igny8.SignUp{Name: "Reset", Email: "reset@example.com"}, "old-hash", 14, newEmailToken())
		if err != nil {
			t.Fatal(err)
		}
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := db.SQL().QueryRow(db.Rebind(q), args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		tokenErr := func(err error, want string) bool {
			var e *igny8.Error
			return errors.As(err, &e) && e.Code == igny8.EValidation && len(e.Fields) == 1 &&
				e.Fields[0].Field == "token" && strings.Contains(e.Fields[0].Message, want)
		}

		if sent, err := s.RequestPasswordReset(ctx, "nobody@example.com", "t0", "h0", time.Hour); sent || err != nil {
			t.Fatalf("unknown e-mail: %v %v", sent, err)
		}
		if n := count(`SELECT COUNT(*) FROM password_resets`); n != 0 {
			t.Fatalf("%d links for an unknown e-mail", n)
		}
		if sent, err := s.RequestPasswordReset(ctx, " RESET@example.com", "t1", "h1", time.Hour); !sent || err != nil {
			t.Fatalf("request: %v %v", sent, err)
		}
		now = now.Add(time.Hour - time.Microsecond)
		if err := s.CheckPasswordReset(ctx, "h1"); err != nil {
			t.Fatalf("just before the hour: %v", err)
		}
		now = now.Add(time.Microsecond)
		if err := s.CheckPasswordReset(ctx, "h1"); !tokenErr(err, "expired") {
			t.Fatalf("at the hour: %v", err)
		}
		if _, err := s.ResetPassword(ctx, "h1", "new-hash"); !tokenErr(err, "expired") {
			t.Fatalf("reset at the hour: %v", err)
		}

		s.RequestPasswordReset(ctx, user.Email, "t2", "h2", time.Hour)
		s.RequestPasswordReset(ctx, user.Email, "t3", "h3", time.Hour)
		if err := s.CheckPasswordReset(ctx, "h2"); !tokenErr(err, "replaced") {
			t.Fatalf("the older link: %v", err)
		}
		if _, err := svc.Sessions.StartSession(ctx, user.ID, "refresh-1", now.Add(time.Hour), igny8.Client{}, false); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.WebSessions.CreateWebSession(ctx, user.ID, "web-1", "csrf", time.Hour, igny8.Client{}, false); err != nil {
			t.Fatal(err)
		}

		db.SetMail(failingComposer{}, false, nil)
		if _, err := s.ResetPassword(ctx, "h3", "new-hash"); err == nil {
			t.Fatal("a reset whose notice failed went through")
		}
		if n := count(`SELECT COUNT(*) FROM users WHERE id = ? AND password_hash = 'old-hash'`, user.ID); n != 1 {
			t.Fatal("the failed reset changed the password")
		}
		if err := s.CheckPasswordReset(ctx, "h3"); err != nil {
			t.Fatalf("the failed reset spent the link: %v", err)
		}

		db.SetMail(okComposer{}, false, nil)
		id, err := s.ResetPassword(ctx, "h3", "new-hash")
		if err != nil || id != user.ID {
			t.Fatalf("reset: %q %v", id, err)
		}
		if n := count(`SELECT COUNT(*) FROM users WHERE id = ? AND password_hash = 'new-hash'`, user.ID); n != 1 {
			t.Fatal("the password was not changed")
		}
		if n := count(`SELECT COUNT(*) FROM refresh_tokens WHERE user_id = ? AND revoked_at IS NULL`, user.ID) +
			count(`SELECT COUNT(*) FROM web_sessions WHERE user_id = ? AND revoked_at IS NULL`, user.ID); n != 0 {
			t.Fatalf("%d logins left after the reset", n)
		}
		if n := count(`SELECT COUNT(*) FROM messages WHERE kind = 'password_changed' AND to_addr = ?`, user.Email); n != 1 {
			t.Fatalf("%d notices", n)
		}
		if _, err := s.ResetPassword(ctx, "h3", "newer-hash"); !tokenErr(err, "already used") {
			t.Fatalf("the link again: %v", err)
		}
		if err := s.CheckPasswordReset(ctx, "no-such-hash"); !tokenErr(err, "not a valid") {
			t.Fatalf("unknown link: %v", err)
		}
	})
}

type okComposer struct{}

func (okComposer) Compose(c igny8.MailContent) (igny8.Mail, error) {
	return igny8.Mail{Kind: c.MailKind(), Subject: "s", Text: "t", HTML: "h"}, nil
}
