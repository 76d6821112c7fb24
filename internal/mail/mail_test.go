package mail_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/mail/mailtest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

const publicURL = "https://app.igny8.test"

// mailEnv starts igny8 delivering to srv, with links on publicURL.
func mailEnv(t *testing.T, be storetest.Backend, srv *mailtest.Server) *apptest.Env {
	t.Helper()
	return apptest.New(t, be, func(c *config.Config) {
		c.SMTPURL, c.MailFrom, c.PublicURL = srv.URL(), "igny8 <no-reply@igny8.test>", publicURL
	})
}

// deliver runs the outbox worker once, as serve does every few seconds.
func deliver(t *testing.T, e *apptest.Env) int {
	t.Helper()
	n, err := e.App.DeliverMail(context.Background())
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	return n
}

// paidStarter signs up an owner and pays for Starter (two seats) by bank
// transfer, confirmed by a developer; it returns the owner and the
// developer's token.
func paidStarter(t *testing.T, e *apptest.Env, name string) (*apptest.User, string) {
	t.Helper()
	owner := e.SignUp(name)
	r := e.As(owner.Token, "POST", "/api/v1/billing/checkout", map[string]string{"plan": "starter", "payment_method": "bank_transfer"})
	if r.Status != http.StatusCreated && r.Status != http.StatusOK {
		t.Fatalf("checkout: %s", r)
	}
	var pay struct {
		Payment struct{ ID, Reference string }
	}
	r.JSON(t, &pay)
	dev := e.Developer()
	if r := e.As(dev, "POST", "/api/v1/admin/payments/"+pay.Payment.ID+"/confirm", nil); r.Status != http.StatusOK {
		t.Fatalf("confirm: %s", r)
	}
	return owner, dev
}

var periodRE = regexp.MustCompile(`\d{1,2} [A-Z][a-z]+ \d{4} to \d{1,2} [A-Z][a-z]+ \d{4}`)

var linkRE = regexp.MustCompile(`https://app\.igny8\.test/accept-invite\?token=[A-Za-z0-9_\-%]+`)

// TestInvitationByEmail: an invitation is e-mailed over SMTP with its link
// on the public URL (not the request's host); following the link shows the
// invitation and accepting it with the link's token creates the member.
func TestInvitationByEmail(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		srv := mailtest.Start(t)
		e := mailEnv(t, be, srv)
		owner, _ := paidStarter(t, e, "Acme Blog")
		r := e.As(owner.Token, "POST", "/api/v1/account/users", map[string]string{"email": "carol@example.com", "name": "Carol", "role": "editor"},
			"Host", "evil.example")
		if r.Status != http.StatusCreated {
			t.Fatalf("invite: %s", r)
		}
		var inv struct{ URL string }
		r.JSON(t, &inv)
		if !strings.HasPrefix(inv.URL, publicURL+"/accept-invite?token=") {
			t.Fatalf("the inviter's fallback link %q is not on the public URL", inv.URL)
		}
		if n := len(srv.To("carol@example.com")); n != 0 {
			t.Fatalf("%d messages before the worker ran", n)
		}
		deliver(t, e)
		got := srv.To("carol@example.com")
		if len(got) != 1 {
			t.Fatalf("carol got %d messages, want 1", len(got))
		}
		m := got[0]
		if !strings.Contains(m.Subject, "Acme Blog") || !strings.Contains(m.Text, "Carol") || m.HTML == "" {
			t.Fatalf("invitation: subject %q, text %q, html %q", m.Subject, m.Text, m.HTML)
		}
		if strings.Contains(m.Text, "evil.example") || strings.Contains(m.HTML, "evil.example") {
			t.Fatal("the message carries the request's Host header")
		}
		link := linkRE.FindString(m.Text)
		if link == "" || !strings.Contains(m.HTML, link) || link != inv.URL {
			t.Fatalf("link in text %q, html has it: %v, fallback %q", link, strings.Contains(m.HTML, link), inv.URL)
		}
		u, _ := url.Parse(link)
		page := e.Do("GET", u.RequestURI(), nil)
		if page.Status != http.StatusOK || !strings.Contains(string(page.Body), "Acme Blog") {
			t.Fatalf("following the link: %d", page.Status)
		}
		acc := e.Do("POST", "/api/v1/auth/accept-invite", map[string]string{"token": u.Query().Get("token"),
			"password": "a long and unusual passphrase", "name": "Carol"})
		if acc.Status != http.StatusCreated {
			t.Fatalf("accept: %s", acc)
		}
		if r := e.Login("carol@example.com", "a long and unusual passphrase"); r.Status != http.StatusOK {
			t.Fatalf("carol logs in: %s", r)
		}
	})
}

// TestInvitationResent: sending an invitation again e-mails a new link;
// the earlier one stops working. Another account cannot resend it.
func TestInvitationResent(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		srv := mailtest.Start(t)
		e := mailEnv(t, be, srv)
		owner, _ := paidStarter(t, e, "Acme")
		r := e.As(owner.Token, "POST", "/api/v1/account/users", map[string]string{"email": "dan@example.com"})
		var inv struct {
			Invitation struct{ ID string }
			URL        string
		}
		r.JSON(t, &inv)
		other := e.SignUp("Other")
		if r := e.As(other.Token, "POST", "/api/v1/account/invitations/"+inv.Invitation.ID+"/resend", nil); r.Status != http.StatusNotFound {
			t.Fatalf("another account resends: %s", r)
		}
		r = e.As(owner.Token, "POST", "/api/v1/account/invitations/"+inv.Invitation.ID+"/resend", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("resend: %s", r)
		}
		var again struct{ URL string }
		r.JSON(t, &again)
		deliver(t, e)
		got := srv.To("dan@example.com")
		if len(got) != 2 {
			t.Fatalf("dan got %d messages, want 2", len(got))
		}
		if l := linkRE.FindString(got[1].Text); l != again.URL || l == inv.URL {
			t.Fatalf("second message links %q; resend answered %q, first was %q", l, again.URL, inv.URL)
		}
		old, _ := url.Parse(inv.URL)
		if r := e.Do("POST", "/api/v1/auth/accept-invite", map[string]string{"token": old.Query().Get("token"),
			"password": "a long and unusual passphrase"}); r.Status == http.StatusCreated {
			t.Fatal("the first link still works after a resend")
		}
	})
}

// TestReceiptAfterTransferConfirmed: checkout e-mails the bank
// instructions; an admin's confirmation e-mails a receipt (plan, period,
// amount, reference, date) to the owner and the billing e-mail.
func TestReceiptAfterTransferConfirmed(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		srv := mailtest.Start(t)
		e := mailEnv(t, be, srv)
		owner := e.SignUp("Shop")
		if r := e.As(owner.Token, "PATCH", "/api/v1/account", map[string]string{"billing_email": "books@example.com"}); r.Status != http.StatusOK {
			t.Fatalf("billing email: %s", r)
		}
		r := e.As(owner.Token, "POST", "/api/v1/billing/checkout", map[string]string{"plan": "starter", "payment_method": "bank_transfer"})
		var pay struct {
			Payment struct{ ID, Reference string }
		}
		r.JSON(t, &pay)
		deliver(t, e)
		instr := notices(srv, owner.Email)
		if len(instr) != 1 || !strings.Contains(instr[0].Text, pay.Payment.Reference) || !strings.Contains(instr[0].Text, "IBAN") {
			t.Fatalf("bank instructions: %+v", instr)
		}
		dev := e.Developer()
		if r := e.As(dev, "POST", "/api/v1/admin/payments/"+pay.Payment.ID+"/confirm", nil); r.Status != http.StatusOK {
			t.Fatalf("confirm: %s", r)
		}
		deliver(t, e)
		for _, to := range []string{owner.Email, "books@example.com"} {
			var receipt *mailtest.Received
			for _, m := range notices(srv, to) {
				if strings.HasPrefix(m.Subject, "Receipt") {
					receipt = &m
				}
			}
			if receipt == nil {
				t.Fatalf("no receipt to %s", to)
			}
			for _, want := range []string{"Starter", "$89.00", pay.Payment.Reference, "Period", "Date"} {
				if !strings.Contains(receipt.Text, want) || !strings.Contains(receipt.HTML, want) {
					t.Fatalf("receipt to %s lacks %q:\n%s", to, want, receipt.Text)
				}
			}
			if !periodRE.MatchString(receipt.Text) || !periodRE.MatchString(receipt.HTML) {
				t.Fatalf("receipt to %s shows no period:\n%s", to, receipt.Text)
			}
		}
		// Confirming again changes nothing and sends nothing.
		before := len(srv.Messages())
		e.As(dev, "POST", "/api/v1/admin/payments/"+pay.Payment.ID+"/confirm", nil)
		deliver(t, e)
		if n := len(srv.Messages()); n != before {
			t.Fatalf("a second confirmation sent %d more messages", n-before)
		}
	})
}

// TestRejectionAndSuspensionNotices: a rejected transfer is e-mailed with
// its reason; suspension and reactivation are told to the owner.
func TestRejectionAndSuspensionNotices(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		srv := mailtest.Start(t)
		e := mailEnv(t, be, srv)
		owner := e.SignUp("Bakery")
		r := e.As(owner.Token, "POST", "/api/v1/billing/checkout", map[string]string{"plan": "growth", "payment_method": "bank_transfer"})
		var pay struct{ Payment struct{ ID string } }
		r.JSON(t, &pay)
		dev := e.Developer()
		if r := e.As(dev, "POST", "/api/v1/admin/payments/"+pay.Payment.ID+"/reject", map[string]string{"reason": "amount did not arrive"}); r.Status != http.StatusOK {
			t.Fatalf("reject: %s", r)
		}
		for _, path := range []string{"suspend", "reactivate"} {
			if r := e.As(dev, "POST", "/api/v1/admin/accounts/"+owner.AccountID+"/"+path, map[string]string{"reason": "checked by ops"}); r.Status != http.StatusOK {
				t.Fatalf("%s: %s", path, r)
			}
		}
		deliver(t, e)
		var subjects []string
		for _, m := range notices(srv, owner.Email) {
			subjects = append(subjects, m.Subject)
			if strings.Contains(m.Subject, "not accepted") && !strings.Contains(m.Text, "amount did not arrive") {
				t.Fatalf("rejection without its reason:\n%s", m.Text)
			}
		}
		want := []string{"How to pay", "not accepted", "was suspended", "active again"}
		if len(subjects) != len(want) {
			t.Fatalf("subjects %q, want %q", subjects, want)
		}
		for i, w := range want {
			if !strings.Contains(subjects[i], w) {
				t.Fatalf("subjects %q, want %q", subjects, want)
			}
		}
	})
}

// TestHostileNamesArriveEscaped: an account and invitee named with markup
// arrive over SMTP escaped in the HTML part and add no header. (Names with
// line breaks are refused at input; TestComposeEscapesEveryValue shows the
// templates keep them on one line all the same.)
func TestHostileNamesArriveEscaped(t *testing.T) {
	srv := mailtest.Start(t)
	e := mailEnv(t, storetest.Backends()[0], srv)
	owner, _ := paidStarter(t, e, "Plain")
	const evil = `<img src=x onerror=alert(1)> "Bcc: victim@example.com" & Co`
	if r := e.As(owner.Token, "PATCH", "/api/v1/account", map[string]string{"name": evil}); r.Status != http.StatusOK {
		t.Fatalf("rename: %s", r)
	}
	if r := e.As(owner.Token, "POST", "/api/v1/account/users", map[string]string{"email": "eve@example.com", "name": evil}); r.Status != http.StatusCreated {
		t.Fatalf("invite: %s", r)
	}
	deliver(t, e)
	got := srv.To("eve@example.com")
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	m := got[0]
	if len(m.To) != 1 || m.Header.Get("Bcc") != "" || strings.Contains(m.Subject, "\n") {
		t.Fatalf("a name added a recipient or header: to %q, subject %q", m.To, m.Subject)
	}
	if strings.Contains(m.HTML, "<img") || !strings.Contains(m.HTML, "&lt;img") {
		t.Fatalf("HTML part not escaped:\n%s", m.HTML)
	}
	if !strings.Contains(m.Text, evil) {
		t.Fatalf("text part does not carry the name as written:\n%s", m.Text)
	}
}

// notices are the messages to addr but the one that confirms the address
// after sign-up (apptest.SignUp opens its link).
func notices(srv *mailtest.Server, addr string) []mailtest.Received {
	var out []mailtest.Received
	for _, m := range srv.To(addr) {
		if !strings.HasPrefix(m.Subject, "Confirm your e-mail address") {
			out = append(out, m)
		}
	}
	return out
}
