package mail_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/mail/mailtest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

var idRE = regexp.MustCompile(`(?m)^([0-9a-f-]{36})\s+\S+\s+kept\s+(\S+)\s+(.*)$`)

// TestKeptMailListedByTheCLI: with no --smtp-url every message is still
// made and kept; igny8 mail list shows to, subject and state, and mail
// show prints the text with its link, on http://localhost and the port of
// --addr when no --public-url is set.
func TestKeptMailListedByTheCLI(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be, func(c *config.Config) { c.Addr = ":9191" })
		owner := e.SignUp("Kept Co")
		r := e.As(owner.Token, "POST", "/api/v1/billing/checkout", map[string]string{"plan": "starter", "payment_method": "bank_transfer"})
		if r.Status != http.StatusCreated && r.Status != http.StatusOK {
			t.Fatalf("checkout: %s", r)
		}
		var pay struct{ Payment struct{ Reference string } }
		r.JSON(t, &pay)
		code, out, errOut := e.CLI("mail", "list")
		if code != 0 {
			t.Fatal(errOut)
		}
		m := idRE.FindStringSubmatch(out)
		if m == nil || m[2] != owner.Email || !strings.Contains(m[3], "How to pay for Starter") {
			t.Fatalf("mail list:\n%s", out)
		}
		code, out, errOut = e.CLI("mail", "show", m[1])
		if code != 0 {
			t.Fatal(errOut)
		}
		for _, want := range []string{"To: " + owner.Email, "State: kept", "IBAN", "http://localhost:9191/billing"} {
			if !strings.Contains(out, want) {
				t.Fatalf("mail show lacks %q:\n%s", want, out)
			}
		}
		// A confirmation by the CLI queues its receipt for the running serve,
		// with links on the --public-url it was given.
		if code, _, errOut := e.CLI("billing", "confirm", pay.Payment.Reference, "--public-url", "https://ops.igny8.test"); code != 0 {
			t.Fatal(errOut)
		}
		_, out, _ = e.CLI("mail", "list", "--state", "queued")
		q := regexp.MustCompile(`(?m)^([0-9a-f-]{36})\s+\S+\s+queued\s+` + regexp.QuoteMeta(owner.Email) + `\s+Receipt for Starter`).FindStringSubmatch(out)
		if q == nil {
			t.Fatalf("no queued receipt:\n%s", out)
		}
		if _, out, _ = e.CLI("mail", "show", q[1]); !strings.Contains(out, "https://ops.igny8.test/billing") {
			t.Fatalf("receipt links:\n%s", out)
		}
		// This serve has no mail server: it keeps what the CLI queued.
		if n, err := e.App.DeliverMail(context.Background()); err != nil || n != 1 {
			t.Fatalf("kept %d (%v), want the receipt", n, err)
		}
		if _, out, _ = e.CLI("mail", "show", q[1]); !strings.Contains(out, "State: kept") {
			t.Fatalf("the receipt is not kept:\n%s", out)
		}
		if code, _, errOut := e.CLI("mail", "show", "no-such-id"); code == 0 || !strings.Contains(errOut, "not found") && !strings.Contains(errOut, "Message") {
			t.Fatalf("unknown id: %d %s", code, errOut)
		}
		if code, _, errOut := e.CLI("mail", "list", "--state", "lost"); code == 0 || !strings.Contains(errOut, "queued") {
			t.Fatalf("unknown state: %d %s", code, errOut)
		}
	})
}

// TestReadyWithoutTheMailServer: /readyz does not depend on the mail
// server: with it unreachable igny8 is ready, and the message waits queued.
func TestReadyWithoutTheMailServer(t *testing.T) {
	srv := mailtest.Start(t)
	srv.Refuse(func(int) error { return mailtest.Temporary() })
	e := apptest.New(t, storetest.Backends()[0], func(c *config.Config) {
		c.SMTPURL, c.MailFrom, c.PublicURL = "smtp://127.0.0.1:1?tls=none", "no-reply@igny8.test", publicURL
	})
	owner := e.SignUp("Ready")
	e.As(owner.Token, "POST", "/api/v1/billing/checkout", map[string]string{"plan": "starter", "payment_method": "bank_transfer"})
	if _, err := e.App.DeliverMail(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := e.Do("GET", "/readyz", nil); r.Status != http.StatusOK {
		t.Fatalf("readyz with the mail server down: %s", r)
	}
	m := e.Do("GET", "/metrics", nil)
	// Two messages: the sign-up's verification link and the bank instructions.
	for _, want := range []string{`igny8_mail_messages_total{event="queued"} 2`, `igny8_mail_messages_total{event="retried"} 2`} {
		if !strings.Contains(string(m.Body), want) {
			t.Fatalf("metrics lack %s", want)
		}
	}
}

// TestServeRefusesBadMailSettings: serve stops at start with a clear error
// for mail settings that cannot work.
func TestServeRefusesBadMailSettings(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0])
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--smtp-url", "smtp://u:secret@relay:25?tls=none", "--mail-from", "a@b.test", "--public-url", "https://x.test"}, "no user or password"},
		{[]string{"--smtp-url", "smtp://relay:587", "--public-url", "https://x.test"}, "--mail-from is required"},
		{[]string{"--smtp-url", "smtp://relay:587", "--mail-from", "a@b.test"}, "--public-url is required"},
		{[]string{"--public-url", "app.example.com"}, "https://"},
		{[]string{"--mail-from", "not an address"}, "--mail-from must be"},
	} {
		code, _, errOut := e.CLI(append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...)...)
		if code == 0 || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "secret") {
			t.Errorf("serve %q: exit %d, %q; want an error saying %q", tc.args, code, errOut, tc.want)
		}
	}
}

// TestNewcomerResetsWithKeptMail: on SQLite with no mail server, a
// forgotten password is still recovered: the reset message is kept, igny8
// mail list shows it and mail show prints the link that sets the password.
func TestNewcomerResetsWithKeptMail(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0], func(c *config.Config) { c.Addr = ":9292" })
	owner := e.SignUp("Newcomer")
	if r := e.Do("POST", "/api/v1/auth/password/forgot", map[string]string{"email": owner.Email}); r.Status != http.StatusAccepted {
		t.Fatalf("forgot: %s", r)
	}
	e.Settle()
	code, out, errOut := e.CLI("mail", "list", "--to", owner.Email, "--state", "kept")
	if code != 0 {
		t.Fatal(errOut)
	}
	m := idRE.FindStringSubmatch(out)
	if m == nil || !strings.Contains(m[3], "Reset your igny8 password") {
		t.Fatalf("mail list:\n%s", out)
	}
	code, out, errOut = e.CLI("mail", "show", m[1])
	if code != 0 {
		t.Fatal(errOut)
	}
	link := regexp.MustCompile(`http://localhost:9292/reset-password\?token=([A-Za-z0-9_\-]+)`).FindStringSubmatch(out)
	if link == nil {
		t.Fatalf("mail show prints no reset link:\n%s", out)
	}
	if r := e.Do("POST", "/api/v1/auth/password/reset", map[string]string{"token": link[1], "password": "the newcomer's new passphrase"}); r.Status != http.StatusNoContent {
		t.Fatalf("reset with the printed link: %s", r)
	}
	if r := e.Login(owner.Email, "the newcomer's new passphrase"); r.Status != http.StatusOK {
		t.Fatalf("login: %s", r)
	}
}
