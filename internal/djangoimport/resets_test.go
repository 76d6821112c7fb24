package djangoimport_test

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

var setupLinkRE = regexp.MustCompile(`https://app\.igny8\.test/reset-password\?token=([A-Za-z0-9_\-]+)`)

// TestImportSendsPasswordSetupLinks: without --send-password-resets the
// import lists the users who cannot log in and sends nothing; with it,
// each gets a message with a link valid for --reset-valid-for, written in
// the import's transaction (none on a dry run), that sets their password;
// importing again sends no second link while the first works.
func TestImportSendsPasswordSetupLinks(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		const who = "raj@petcare.example"
		code, out := importCLI(t, e, fixtureDump)
		if code != 0 || !strings.Contains(out, who) || !strings.Contains(out, "--send-password-resets") {
			t.Fatalf("import: %d %s", code, out)
		}
		if n := count(t, e, `SELECT COUNT(*) FROM messages`); n != 0 {
			t.Fatalf("the import without the flag made %d messages", n)
		}

		code, out = importCLI(t, e, fixtureDump, "--dry-run", "--send-password-resets", "--public-url", "https://app.igny8.test")
		if code != 0 || !strings.Contains(out, who+" (Django pk") || !strings.Contains(out, "would be sent a link") {
			t.Fatalf("dry run: %d %s", code, out)
		}
		if n := count(t, e, `SELECT COUNT(*) FROM password_resets`) + count(t, e, `SELECT COUNT(*) FROM messages`); n != 0 {
			t.Fatalf("the dry run wrote %d links and messages", n)
		}

		reportPath := filepath.Join(t.TempDir(), "report.json")
		code, out = importCLI(t, e, fixtureDump, "--send-password-resets", "--reset-valid-for", "72h",
			"--public-url", "https://app.igny8.test", "--report", reportPath)
		if code != 0 {
			t.Fatalf("import with links: %d %s", code, out)
		}
		rep := readReport(t, reportPath)
		if len(rep.PasswordResets) != 1 || rep.PasswordResets[0].Email != who || len(rep.PasswordResets[0].MessageIDs) != 1 {
			t.Fatalf("password resets: %+v", rep.PasswordResets)
		}
		if left := time.Until(rep.PasswordResets[0].ExpiresAt); left < 71*time.Hour || left > 73*time.Hour {
			t.Fatalf("the link works for %s, want 72h", left)
		}
		id := rep.PasswordResets[0].MessageIDs[0]
		if !strings.Contains(out, "message "+id) {
			t.Fatalf("the printed report lacks the message:\n%s", out)
		}
		if _, err := e.App.DeliverMail(t.Context()); err != nil { // no --smtp-url: the serve keeps it
			t.Fatal(err)
		}
		code, shown, errOut := e.CLI("mail", "show", id)
		if code != 0 || !strings.Contains(shown, "State: kept") || !strings.Contains(shown, "Choose your password") {
			t.Fatalf("mail show: %d %s %s", code, shown, errOut)
		}
		link := setupLinkRE.FindStringSubmatch(shown)
		if link == nil {
			t.Fatalf("no link in the message:\n%s", shown)
		}

		// Again: the link still works, so nobody gets a second one.
		code, out = importCLI(t, e, fixtureDump, "--send-password-resets", "--public-url", "https://app.igny8.test", "--report", reportPath)
		if code != 0 || !strings.Contains(out, "a link sent before works until") {
			t.Fatalf("second import: %d %s", code, out)
		}
		if rep := readReport(t, reportPath); len(rep.PasswordResets) != 1 || !rep.PasswordResets[0].AlreadySent {
			t.Fatalf("second import's resets: %+v", rep.PasswordResets)
		}
		if n := count(t, e, `SELECT COUNT(*) FROM messages WHERE kind = 'password_setup'`); n != 1 {
			t.Fatalf("%d setup messages after two imports", n)
		}

		if r := e.Do("POST", "/api/v1/auth/password/reset", map[string]string{"token": link[1], "password": "raj's first igny8 passphrase"}); r.Status != http.StatusNoContent {
			t.Fatalf("reset with the setup link: %s", r)
		}
		if r := e.Login(who, "raj's first igny8 passphrase"); r.Status != http.StatusOK {
			t.Fatalf("login: %s", r)
		}
		// Now they have a password: a third run sends nothing.
		code, out = importCLI(t, e, fixtureDump, "--send-password-resets", "--public-url", "https://app.igny8.test")
		if code != 0 || !strings.Contains(out, "nobody needs one") {
			t.Fatalf("third import: %d %s", code, out)
		}
		if code, out := importCLI(t, e, fixtureDump, "--reset-valid-for", "2h"); code == 0 || !strings.Contains(out, "needs --send-password-resets") {
			t.Fatalf("--reset-valid-for alone: %d %s", code, out)
		}
		// Out of range is refused naming the flag, 0 included (it is no
		// "default": taken as it was, it sent no link at all).
		for _, bad := range []string{"2000h", "0", "-1h", "30m"} {
			if code, out := importCLI(t, e, fixtureDump, "--send-password-resets", "--reset-valid-for", bad); code == 0 ||
				!strings.Contains(out, "--reset-valid-for must be between 1h and 720h") {
				t.Fatalf("a link of %s: %d %s", bad, code, out)
			}
		}
	})
}
