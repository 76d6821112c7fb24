package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

const newPassword = "a brand new and long passphrase"

func forgot(e *apptest.Env, email string, hdr ...string) *apptest.Response {
	return e.Do("POST", "/api/v1/auth/password/forgot", map[string]string{"email": email}, hdr...)
}

func reset(e *apptest.Env, token, password string, hdr ...string) *apptest.Response {
	return e.Do("POST", "/api/v1/auth/password/reset", map[string]string{"token": token, "password": password}, hdr...)
}

// refusesToken reports whether r is the validation error naming token
// with a message that contains want.
func refusesToken(r *apptest.Response, want string) bool {
	return r.Status == http.StatusUnprocessableEntity && r.Code() == "validation_failed" &&
		strings.Contains(string(r.Body), `"field":"token"`) && strings.Contains(string(r.Body), want)
}

// TestPasswordResetThroughTheAPI: forgot sends a one-time link on the
// public URL; the reset sets a password under the sign-up rule, ends every
// login of the user (access tokens on the next request), e-mails the
// notice and is audited; the link works once.
func TestPasswordResetThroughTheAPI(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b, func(c *config.Config) { c.PublicURL = "https://app.igny8.test" })
		u := e.SignUp("Forgetful")
		second := e.Login(u.Email, u.Password)
		var other tokenPair
		second.JSON(t, &other)

		r := forgot(e, strings.ToUpper(u.Email), "Host", "evil.example")
		if r.Status != http.StatusAccepted || !strings.Contains(string(r.Body), "If an igny8 login uses this e-mail") {
			t.Fatalf("forgot: %s", r)
		}
		msgs := e.Messages(u.Email, "password_reset")
		if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "https://app.igny8.test/reset-password?token=") ||
			strings.Contains(msgs[0].Text, "evil.example") {
			t.Fatalf("reset messages: %+v", msgs)
		}
		token := e.ResetToken(u.Email)
		if n := e.Count(`SELECT COUNT(*) FROM password_resets WHERE token_hash = ?`, token); n != 0 {
			t.Fatal("the token is stored as it is")
		}
		// Still logged in until the reset is done.
		if r := e.As(u.Token, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusOK {
			t.Fatalf("me before the reset: %s", r)
		}
		if r := reset(e, token, "1234567890"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), `"field":"password"`) {
			t.Fatalf("common password: %s", r)
		}
		if r := reset(e, token, newPassword); r.Status != http.StatusNoContent {
			t.Fatalf("reset: %s", r)
		}
		for _, tok := range []string{u.Token, other.AccessToken} {
			if r := e.As(tok, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusUnauthorized {
				t.Fatalf("an access token from before the reset: %s", r)
			}
		}
		for _, tok := range []string{u.RefreshToken, other.RefreshToken} {
			if r, _ := refresh(t, e, tok); r.Status != http.StatusUnauthorized {
				t.Fatalf("a refresh token from before the reset: %s", r)
			}
		}
		if r := e.Login(u.Email, u.Password); r.Status != http.StatusUnauthorized {
			t.Fatalf("the old password: %s", r)
		}
		if r := e.Login(u.Email, newPassword); r.Status != http.StatusOK {
			t.Fatalf("the new password: %s", r)
		}
		if r := reset(e, token, "yet another long passphrase"); !refusesToken(r, "already used") {
			t.Fatalf("the link again: %s", r)
		}
		notice := e.Messages(u.Email, "password_changed")
		if len(notice) != 1 || !strings.Contains(notice[0].Subject, "password was changed") {
			t.Fatalf("notices: %+v", notice)
		}
		if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE action = 'user.password_reset' AND target_id = ? AND actor = ?`, u.ID, u.ID); n != 1 {
			t.Fatalf("%d audit events", n)
		}
	})
}

// TestForgotPasswordUnknownEmail: an e-mail without a login gets the same
// answer as one with, and nothing is written.
func TestForgotPasswordUnknownEmail(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		u := e.SignUp("Known")
		known, unknown := forgot(e, u.Email), forgot(e, "nobody-here@example.com")
		if known.Status != unknown.Status || string(known.Body) != string(unknown.Body) || unknown.Status != http.StatusAccepted {
			t.Fatalf("known %s, unknown %s", known, unknown)
		}
		if ms := e.Messages("nobody-here@example.com"); len(ms) != 0 {
			t.Fatalf("messages to an unknown address: %+v", ms)
		}
		if n := e.Count(`SELECT COUNT(*) FROM password_resets`); n != 1 {
			t.Fatalf("%d reset links, want the known user's only", n)
		}
		for _, bad := range []string{"", "not an e-mail"} {
			if r := forgot(e, bad); r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Body), `"field":"email"`) {
				t.Fatalf("forgot %q: %s", bad, r)
			}
		}
		if r := reset(e, "no-such-token", newPassword); !refusesToken(r, "not a valid reset link") {
			t.Fatalf("unknown token: %s", r)
		}
		if r := reset(e, "", ""); !refusesToken(r, "is required") || !strings.Contains(string(r.Body), `"field":"password"`) {
			t.Fatalf("empty form: %s", r)
		}
	})
}

// TestResetLinkExpiresAndIsReplaced: a link works for an hour of the
// database's clock; a newer request replaces the earlier link.
func TestResetLinkExpiresAndIsReplaced(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		late, onTime := e.SignUp("Late"), e.SignUp("On Time")
		forgot(e, late.Email)
		forgot(e, onTime.Email)
		lateToken, onTimeToken := e.ResetToken(late.Email), e.ResetToken(onTime.Email)
		e.ShiftClock(59 * time.Minute)
		if r := reset(e, onTimeToken, newPassword); r.Status != http.StatusNoContent {
			t.Fatalf("after 59 minutes: %s", r)
		}
		e.ShiftClock(61 * time.Minute)
		if r := reset(e, lateToken, newPassword); !refusesToken(r, "expired") {
			t.Fatalf("after 61 minutes: %s", r)
		}
		e.ShiftClock(0)

		u := e.SignUp("Twice")
		forgot(e, u.Email)
		first := e.ResetToken(u.Email)
		forgot(e, u.Email)
		second := e.ResetToken(u.Email)
		if first == second {
			t.Fatal("the second request sent the same link")
		}
		if r := reset(e, first, newPassword); !refusesToken(r, "replaced by a newer link") {
			t.Fatalf("the older link: %s", r)
		}
		if r := reset(e, second, newPassword); r.Status != http.StatusNoContent {
			t.Fatalf("the newer link: %s", r)
		}
	})
}

// TestResetPasswordAndTheGate: the member of a suspended account and a
// user imported with an unusable password can reset; the account gate
// still decides at login. A removed user's link is dead.
func TestResetPasswordAndTheGate(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Gated")
		e.SetPlan(owner.AccountID, "growth")
		member := e.Invite(owner, "editor")
		gone := e.Invite(owner, "viewer")
		e.Exec(`UPDATE accounts SET status = 'suspended', status_reason = 'payment_overdue' WHERE id = ?`, owner.AccountID)
		forgot(e, member.Email)
		if r := reset(e, e.ResetToken(member.Email), newPassword); r.Status != http.StatusNoContent {
			t.Fatalf("reset of a suspended account's member: %s", r)
		}
		if r := e.Login(member.Email, newPassword); r.Status != http.StatusForbidden || r.Code() != "account_suspended" {
			t.Fatalf("login: %s", r)
		}

		imported := e.SignUp("Imported")
		e.Exec(`UPDATE users SET password_hash = '!unusable0123456789', legacy_id = 42 WHERE id = ?`, imported.ID)
		if r := e.Login(imported.Email, imported.Password); r.Status != http.StatusUnauthorized {
			t.Fatalf("an unusable password verified: %s", r)
		}
		forgot(e, imported.Email)
		if r := reset(e, e.ResetToken(imported.Email), newPassword); r.Status != http.StatusNoContent {
			t.Fatalf("reset of an imported user: %s", r)
		}
		if r := e.Login(imported.Email, newPassword); r.Status != http.StatusOK {
			t.Fatalf("imported user's login: %s", r)
		}

		e.Exec(`UPDATE accounts SET status = 'active' WHERE id = ?`, owner.AccountID)
		forgot(e, gone.Email)
		token := e.ResetToken(gone.Email)
		if r := e.As(owner.Token, "DELETE", "/api/v1/account/users/"+gone.ID, nil); r.Status != http.StatusNoContent {
			t.Fatalf("remove: %s", r)
		}
		if r := reset(e, token, newPassword); !refusesToken(r, "not a valid reset link") {
			t.Fatalf("a removed user's link: %s", r)
		}
		forgot(e, gone.Email)
		if ms := e.Messages(gone.Email, "password_reset"); len(ms) != 1 {
			t.Fatalf("a removed user was sent %d links", len(ms))
		}
	})
}

// TestForgotPasswordThrottled: the reset request spends the e-mail's
// recovery budget (3 at once) whatever address it comes from, and the
// address's auth budget (10 a minute) whatever e-mail it names.
func TestForgotPasswordThrottled(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b, func(c *config.Config) { c.Throttle = "on"; c.TrustProxy = true })
		u := e.SignUp("Flooded")
		for i := range 3 {
			r := forgot(e, u.Email, "X-Forwarded-For", "198.51.100."+string(rune('1'+i)))
			if r.Status != http.StatusAccepted {
				t.Fatalf("request %d: %s", i+1, r)
			}
			// The headers describe the recovery budget (the one with fewer
			// left): 3 at once, so never more remaining than the limit.
			limit, remaining := r.Header.Get("RateLimit-Limit"), r.Header.Get("RateLimit-Remaining")
			if want := strconv.Itoa(2 - i); limit != "3" || remaining != want {
				t.Fatalf("request %d: RateLimit-Limit %s, RateLimit-Remaining %s; want 3 and %s", i+1, limit, remaining, want)
			}
		}
		r := forgot(e, u.Email, "X-Forwarded-For", "198.51.100.9")
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
			t.Fatalf("fourth request for one e-mail: %s", r)
		}
		if r := forgot(e, "nobody-"+u.Email, "X-Forwarded-For", "198.51.100.9"); r.Status != http.StatusAccepted {
			t.Fatalf("another e-mail: %s", r)
		}
		if ms := e.Messages(u.Email, "password_reset"); len(ms) != 3 {
			t.Fatalf("%d messages, want 3", len(ms))
		}
		for i := range 10 {
			r := forgot(e, "someone-"+string(rune('a'+i))+"@example.com", "X-Forwarded-For", "203.0.113.7")
			if r.Status != http.StatusAccepted {
				t.Fatalf("address request %d: %s", i+1, r)
			}
		}
		if r := forgot(e, "one-more@example.com", "X-Forwarded-For", "203.0.113.7"); r.Status != http.StatusTooManyRequests {
			t.Fatalf("eleventh request from one address: %s", r)
		}
		if r := reset(e, "x", newPassword, "X-Forwarded-For", "203.0.113.7"); r.Status != http.StatusTooManyRequests {
			t.Fatalf("a reset from the spent address: %s", r)
		}
	})
}

// BenchmarkForgotPassword measures the answer to a reset request for an
// e-mail with a login and for one without: the two must cost the same,
// since the link and its message are made after the answer.
func BenchmarkForgotPassword(b *testing.B) {
	e := apptest.New(b, storetest.Backends()[0])
	u := e.SignUp("Bench Forgetful")
	for _, c := range []struct{ name, email string }{{"known", u.Email}, {"unknown", "nobody-" + u.Email}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if r := forgot(e, c.email); r.Status != http.StatusAccepted {
					b.Fatalf("forgot: %s", r)
				}
				// The background work is not part of the answer: done
				// outside the timer, so that it does not pile up either.
				b.StopTimer()
				e.Settle()
				b.StartTimer()
			}
		})
	}
}

// TestPasswordChangeRetiresResetLinks: a reset link asked for before the
// person changed their password on their profile no longer works (whoever
// reads that mailbox later cannot undo the change), and says why; a link
// asked for afterwards works.
func TestPasswordChangeRetiresResetLinks(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		u := e.SignUp("Remembered")
		forgot(e, u.Email)
		e.Settle()
		old := e.ResetToken(u.Email)
		changed := "a changed and long passphrase"
		if r := e.As(u.Token, "POST", "/api/v1/auth/me/password",
			map[string]any{"current_password": u.Password, "password": changed}); r.Status != http.StatusOK {
			t.Fatalf("change: %s", r)
		}
		if r := reset(e, old, newPassword); !refusesToken(r, "password was changed") {
			t.Fatalf("the link from before the change: %s", r)
		}
		if r := e.Login(u.Email, changed); r.Status != http.StatusOK {
			t.Fatalf("login with the changed password: %s", r)
		}
		forgot(e, u.Email)
		e.Settle()
		if r := reset(e, e.ResetToken(u.Email), newPassword); r.Status != http.StatusNoContent {
			t.Fatalf("a link asked for after the change: %s", r)
		}
	})
}

// TestBodyOfTheWrongShape: a body that is JSON but not an object, or a
// field given an object or a list, is told in the API's words, never with
// the name of a Go type.
func TestBodyOfTheWrongShape(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, storetest.Backends()[0])
	for _, body := range []any{[]any{}, "text", 12, map[string]any{"email": map[string]any{"a": 1}}, map[string]any{"email": []any{1}}} {
		r := e.Do("POST", "/api/v1/auth/password/forgot", body)
		detail, _ := r.Map(t)["detail"].(string)
		if r.Status != http.StatusBadRequest || r.Code() != "validation_failed" ||
			strings.Contains(detail, "api.") || strings.Contains(detail, "Request") || strings.Contains(detail, "map[") {
			t.Fatalf("%v: %s", body, r)
		}
	}
}
