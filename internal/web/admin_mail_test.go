package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

var messageLinkRE = regexp.MustCompile(`<a href="(/admin/mail/[0-9a-f-]{36})">([^<]*)</a>`)

// TestKeptMailOnTheAdminConsole: with no mail server, an invitation made
// on the account page (and sent again with its button) is kept; the admin
// console, linked from the admin navigation, lists each message with its
// recipient, subject and state, and shows its text with the link, which
// carries the token the inviter was shown.
func TestKeptMailOnTheAdminConsole(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		owner := e.SignUp("Kept Team")
		r := e.As(owner.Token, "POST", "/api/v1/billing/checkout", map[string]string{"plan": "starter", "payment_method": "bank_transfer"})
		var pay struct{ Payment struct{ ID string } }
		r.JSON(t, &pay)
		if r := e.As(e.Developer(), "POST", "/api/v1/admin/payments/"+pay.Payment.ID+"/confirm", nil); r.Status != http.StatusOK {
			t.Fatalf("confirm: %s", r)
		}
		b := newBrowser(t, e)
		b.get("/login")
		b.post("/login", url.Values{"email": {owner.Email}, "password": {testPassword}})
		b.get("/account")
		page := b.post("/account/users", url.Values{"email": {"frank@example.com"}, "name": {"Frank"}, "role": {"viewer"}})
		mustContain(t, page, "We e-mailed this link", "Send again")
		first := regexp.MustCompile(`data-testid="invite-url">([^<]+)<`).FindStringSubmatch(page.Body)
		id := regexp.MustCompile(`action="/account/invitations/([0-9a-f-]{36})/resend"`).FindStringSubmatch(page.Body)
		if first == nil || id == nil {
			t.Fatalf("no link or resend button:\n%s", page.Body)
		}
		again := b.post("/account/invitations/"+id[1]+"/resend", nil)
		second := regexp.MustCompile(`data-testid="invite-url">([^<]+)<`).FindStringSubmatch(again.Body)
		if again.Status != http.StatusOK || second == nil || second[1] == first[1] {
			t.Fatalf("send again: %d, link %v (first %s)", again.Status, second, first[1])
		}

		admin := developer(t, e)
		console := admin.get("/admin")
		mustContain(t, console, `<a href="/admin/mail">Mail</a>`)
		list := admin.get("/admin/mail?to=frank@example.com")
		links := messageLinkRE.FindAllStringSubmatch(list.Body, -1)
		if list.Status != http.StatusOK || len(links) != 2 {
			t.Fatalf("admin mail lists %d messages to frank:\n%s", len(links), list.Body)
		}
		mustContain(t, list, "frank@example.com", "kept", "You are invited to join Kept Team on igny8")
		// Newest first: the resent invitation carries the second link.
		msg := admin.get(links[0][1])
		mustContain(t, msg, `data-testid="message-state">kept<`, "Frank")
		// Without --public-url the message links to http://localhost:8080;
		// the inviter's fallback is on the host they used: the token agrees.
		shown, _ := url.Parse(html.UnescapeString(second[1]))
		if want := "http://localhost:8080/accept-invite?token=" + shown.Query().Get("token"); !strings.Contains(html.UnescapeString(msg.Body), want) {
			t.Fatalf("the message does not show the link %s:\n%s", want, msg.Body)
		}
		if r := admin.get("/admin/mail?state=lost"); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("unknown state: %d", r.Status)
		}
		if r := b.get("/admin/mail"); r.Status == http.StatusOK && strings.Contains(r.Body, "frank@example.com") {
			t.Fatal("an account owner reads the outbox")
		}
	})
}
