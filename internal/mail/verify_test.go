package mail_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/mail/mailtest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

var verifyLinkRE = regexp.MustCompile(`https://app\.igny8\.test/verify-email\?token=([A-Za-z0-9_\-%]+)`)

// linkToken reads the verification link of the only message to addr with
// subject prefix subject, as its reader would, from both parts.
func linkToken(t *testing.T, srv *mailtest.Server, addr, subject string) string {
	t.Helper()
	var got []mailtest.Received
	for _, m := range srv.To(addr) {
		if strings.HasPrefix(m.Subject, subject) {
			got = append(got, m)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d messages %q to %s, want 1", len(got), subject, addr)
	}
	text, html := verifyLinkRE.FindStringSubmatch(got[0].Text), verifyLinkRE.FindStringSubmatch(got[0].HTML)
	if text == nil || html == nil || text[1] != html[1] {
		t.Fatalf("no verification link in both parts:\n%s\n%s", got[0].Text, got[0].HTML)
	}
	tok, err := url.QueryUnescape(text[1])
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestVerificationAndChangeOfAddressBySMTP: the sign-up's link arrives over
// SMTP on the public URL and verifies the address; a change of address
// sends its link to the new address only, takes effect when it is opened,
// and then the old address gets the security notice.
func TestVerificationAndChangeOfAddressBySMTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		srv := mailtest.Start(t)
		e := mailEnv(t, be, srv)
		owner := e.SignUpUnverified("Post Office")
		deliver(t, e)
		token := linkToken(t, srv, owner.Email, "Confirm your e-mail address")
		if r := e.Do("POST", "/api/v1/auth/email/verify", map[string]string{"token": token}); r.Status != http.StatusOK {
			t.Fatalf("verify: %s", r)
		}
		var me struct {
			User struct {
				EmailVerified bool `json:"email_verified"`
			}
		}
		e.As(owner.Token, "GET", "/api/v1/auth/me", nil).JSON(t, &me)
		if !me.User.EmailVerified {
			t.Fatal("the link from the message did not verify the address")
		}

		newAddr := "new-" + owner.Email
		if r := e.As(owner.Token, "POST", "/api/v1/auth/me/email", map[string]string{"email": newAddr, "current_password": owner.Password}); r.Status != http.StatusAccepted {
			t.Fatalf("change: %s", r)
		}
		deliver(t, e)
		if n := len(srv.To(owner.Email)); n != 1 {
			t.Fatalf("%d messages to the old address before the change took effect", n)
		}
		token = linkToken(t, srv, newAddr, "Confirm your new e-mail address")
		if r := e.Do("POST", "/api/v1/auth/email/verify", map[string]string{"token": token}); r.Status != http.StatusOK {
			t.Fatalf("confirm the change: %s", r)
		}
		deliver(t, e)
		var notice []mailtest.Received
		for _, m := range srv.To(owner.Email) {
			if m.Subject == "Your igny8 e-mail address was changed" {
				notice = append(notice, m)
			}
		}
		if len(notice) != 1 || !strings.Contains(notice[0].Text, newAddr) || !strings.Contains(notice[0].HTML, newAddr) {
			t.Fatalf("security notice to the old address: %+v", notice)
		}
		if r := e.Login(newAddr, owner.Password); r.Status != http.StatusOK {
			t.Fatalf("login with the new address: %s", r)
		}
	})
}
