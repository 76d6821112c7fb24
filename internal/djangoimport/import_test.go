package djangoimport_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/djangoimport"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

const (
	fixtureDump      = "testdata/dump.json"
	fixturePasswords = "testdata/passwords.json"
)

// tables are those that get a legacy_id from the import.
var tables = []string{"plans", "accounts", "users", "industries", "industry_sectors", "sites", "sectors",
	"site_user_access", "credit_transactions", "credit_usage_logs"}

func count(t *testing.T, e *apptest.Env, q string, args ...any) int {
	t.Helper()
	var n int
	db := e.App.DB()
	if err := db.SQL().QueryRow(db.Rebind(q), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// imported counts the rows that carry a legacy_id, in every table.
func imported(t *testing.T, e *apptest.Env) map[string]int {
	out := map[string]int{}
	for _, tb := range tables {
		out[tb] = count(t, e, `SELECT COUNT(*) FROM `+tb+` WHERE legacy_id IS NOT NULL`)
	}
	return out
}

func importCLI(t *testing.T, e *apptest.Env, dump string, args ...string) (int, string) {
	t.Helper()
	code, out, errOut := e.CLI(append([]string{"import", "django", "--file", dump}, args...)...)
	return code, out + errOut
}

func readReport(t *testing.T, path string) *djangoimport.Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep djangoimport.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	return &rep
}

func modelOf(rep *djangoimport.Report, name string) *djangoimport.ModelReport {
	for _, m := range rep.Models {
		if m.Model == name {
			return m
		}
	}
	return &djangoimport.ModelReport{}
}

func TestImportDjangoDump(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		e := apptest.New(t, b)
		checkImport(t, e, fixtureDump, fixturePasswords)
	})
}

// checkImport imports dump, checks what arrived, logs in as every user
// with the password Django was given, and imports again.
func checkImport(t *testing.T, e *apptest.Env, dump, passwordsFile string) {
	t.Helper()
	if code, out := importCLI(t, e, dump, "--dry-run"); code != 0 || !strings.Contains(out, "Dry run") {
		t.Fatalf("dry run: %d %s", code, out)
	}
	for tb, n := range imported(t, e) {
		if n != 0 {
			t.Fatalf("the dry run wrote %d rows of %s", n, tb)
		}
	}
	reportPath := filepath.Join(t.TempDir(), "report.json")
	code, out := importCLI(t, e, dump, "--report", reportPath)
	if code != 0 {
		t.Fatalf("import: %d %s", code, out)
	}
	rep := readReport(t, reportPath)
	want := map[string]int{"account": 8, "user": 8, "site": 5, "sector": 11, "siteuseraccess": 5, "credittransaction": 302}
	for model, n := range want {
		if got := modelOf(rep, model).Imported; got != n {
			t.Errorf("report: %d %s imported, want %d", got, model, n)
		}
	}
	if got := modelOf(rep, "plan"); got.Imported != 0 || got.Read != 5 {
		t.Errorf("plans: %+v; igny8's plans of the same slugs are kept", got)
	}
	if len(rep.SystemAdministrators) != 1 || !strings.HasPrefix(rep.SystemAdministrators[0], "dev@igny8.example") {
		t.Errorf("system administrators: %v", rep.SystemAdministrators)
	}
	if len(rep.CannotLogIn) != 1 || rep.CannotLogIn[0].Email != "raj@petcare.example" {
		t.Errorf("cannot log in: %+v", rep.CannotLogIn)
	}
	if len(rep.SitesNeedingAPIKey) != 4 {
		t.Errorf("sites needing a key: %+v", rep.SitesNeedingAPIKey)
	}
	balances := map[string]int64{}
	for _, r := range rep.OpeningBalances {
		balances[r.Account] += r.Amount
	}
	if balances["igny8-internal"] != 500 || balances["greenleaf"] != 150 || balances["raj-petcare"] != -200 || len(balances) != 3 {
		t.Errorf("reconciliations: %+v", rep.OpeningBalances)
	}
	checkRows(t, e)
	checkLedger(t, e)
	checkLogins(t, e, passwordsFile)
	checkLegacyIDs(t, e, passwordsFile)

	before := imported(t, e)
	events := count(t, e, `SELECT COUNT(*) FROM audit_events`)
	code, out = importCLI(t, e, dump, "--report", reportPath)
	if code != 0 || !strings.Contains(out, "Nothing to import") {
		t.Fatalf("second import: %d %s", code, out)
	}
	for tb, n := range imported(t, e) {
		if n != before[tb] {
			t.Errorf("the second import changed %s: %d rows, %d before", tb, n, before[tb])
		}
	}
	if n := count(t, e, `SELECT COUNT(*) FROM audit_events`); n != events {
		t.Errorf("the second import added %d audit events", n-events)
	}
	for _, m := range readReport(t, reportPath).Models {
		if m.Imported != 0 || m.Updated != 0 {
			t.Errorf("second import: %+v", m)
		}
	}
	checkLedger(t, e)
}

func checkRows(t *testing.T, e *apptest.Env) {
	t.Helper()
	checks := []struct {
		q    string
		want int
	}{
		{`SELECT COUNT(*) FROM accounts WHERE legacy_id IS NOT NULL AND status = 'active'`, 3},
		{`SELECT COUNT(*) FROM accounts WHERE legacy_id IS NOT NULL AND status = 'trial' AND trial_ends_at IS NOT NULL`, 5},
		{`SELECT COUNT(*) FROM accounts a JOIN plans p ON p.id = a.plan_id WHERE a.legacy_id IS NOT NULL AND p.slug = 'enterprise'`, 4},
		{`SELECT COUNT(*) FROM users WHERE legacy_id IS NOT NULL AND role = 'owner' AND account_id IS NOT NULL`, 7},
		{`SELECT COUNT(*) FROM users WHERE email = 'dev@igny8.example' AND role = 'developer' AND account_id IS NULL`, 1},
		{`SELECT COUNT(*) FROM users WHERE email = 'maria.lopez@example.com'`, 1},
		{`SELECT COUNT(*) FROM sites WHERE legacy_id IS NOT NULL AND deleted_at IS NULL AND industry_id IS NOT NULL`, 4},
		{`SELECT COUNT(*) FROM sites WHERE legacy_id = 5 AND deleted_at IS NOT NULL AND purge_after > ?`, 1},
		{`SELECT COUNT(*) FROM sectors WHERE legacy_id IS NOT NULL AND deleted_at IS NOT NULL AND purge_after IS NOT NULL`, 2},
		{`SELECT COUNT(*) FROM sectors s JOIN sites t ON t.id = s.site_id AND t.account_id = s.account_id WHERE s.legacy_id IS NOT NULL`, 11},
		{`SELECT COUNT(*) FROM sectors s JOIN sites t ON t.id = s.site_id WHERE t.legacy_id = 4 AND s.deleted_at IS NULL`, 4},
		{`SELECT COUNT(*) FROM industries WHERE slug = 'pet-care'`, 1},
		{`SELECT COUNT(*) FROM site_user_access g JOIN users u ON u.id = g.user_id WHERE g.legacy_id IS NOT NULL AND u.account_id = g.account_id`, 5},
		{`SELECT COUNT(*) FROM credit_transactions WHERE type = 'adjustment' AND description = 'imported opening balance'`, 2},
		{`SELECT COUNT(*) FROM credit_transactions WHERE type = 'deduction' AND legacy_id IS NOT NULL`, 245},
	}
	for _, c := range checks {
		var args []any
		if strings.Contains(c.q, "?") {
			args = append(args, e.App.DB().Now())
		}
		if got := count(t, e, c.q, args...); got != c.want {
			t.Errorf("%s = %d, want %d", c.q, got, c.want)
		}
	}
	for slug, credits := range map[string]int{"igny8-internal": 8000, "lopez-media": 5210, "greenleaf": 2400,
		"ana-bakery": 640, "omar-travel": 1000, "lena-fit": 0, "raj-petcare": 3000, "sam-solo": 100} {
		if got := count(t, e, `SELECT credits FROM accounts WHERE slug = ?`, slug); got != credits {
			t.Errorf("%s has %d credits, want %d", slug, got, credits)
		}
	}
}

func checkLedger(t *testing.T, e *apptest.Env) {
	t.Helper()
	if code, out, errOut := e.CLI("ledger", "verify"); code != 0 {
		t.Fatalf("ledger verify: %d %s %s", code, out, errOut)
	}
}

func checkLogins(t *testing.T, e *apptest.Env, passwordsFile string) {
	t.Helper()
	b, err := os.ReadFile(passwordsFile)
	if err != nil {
		t.Fatal(err)
	}
	var passwords map[string]string
	if err := json.Unmarshal(b, &passwords); err != nil {
		t.Fatal(err)
	}
	for email, pw := range passwords {
		if pw == "" { // an unusable password: nothing logs in
			for _, try := range []string{"", "!", "raj"} {
				if r := e.Login(email, try); r.Status != http.StatusUnauthorized {
					t.Errorf("login of %s with %q: %s", email, try, r)
				}
			}
			continue
		}
		if r := e.Login(email, pw+"x"); r.Status != http.StatusUnauthorized {
			t.Errorf("login of %s with a wrong password: %s", email, r)
		}
		r := e.Login(email, pw)
		if r.Status != http.StatusOK {
			t.Errorf("login of %s: %s", email, r)
			continue
		}
		if n := count(t, e, `SELECT COUNT(*) FROM users WHERE email = ? AND password_hash LIKE '$argon2id$%'`,
			strings.ToLower(email)); n != 1 {
			t.Errorf("the password of %s was not rehashed to argon2id", email)
		}
		if r := e.Login(email, pw); r.Status != http.StatusOK {
			t.Errorf("login of %s after the rehash: %s", email, r)
		}
	}
}

// TestImportConflicts: a dry run lists every conflict and a real run stops
// at them, writing nothing.
func TestImportConflicts(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		e := apptest.New(t, b)
		existing := e.SignUp("Existing Owner")
		var existingEmail, existingSlug string
		db := e.App.DB()
		if err := db.SQL().QueryRow(db.Rebind(`SELECT u.email, a.slug FROM users u JOIN accounts a ON a.id = u.account_id WHERE a.id = ?`),
			existing.AccountID).Scan(&existingEmail, &existingSlug); err != nil {
			t.Fatal(err)
		}
		var recs []map[string]any
		raw, err := os.ReadFile(fixtureDump)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &recs); err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			f := r["fields"].(map[string]any)
			switch {
			case r["model"] == "legacy.user" && f["email"] == "sam@solo.example":
				f["email"] = strings.ToUpper(existingEmail)
			case r["model"] == "legacy.account" && f["slug"] == "lena-fit":
				f["slug"] = existingSlug
			case r["model"] == "legacy.site" && f["slug"] == "ana-bakery":
				f["slug"] = "ana-bakery-2"
			}
		}
		recs = append(recs,
			map[string]any{"model": "legacy.user", "pk": 90, "fields": map[string]any{"email": "CHEN@greenleaf.example",
				"password": "!", "role": "owner", "account": 3}},
			map[string]any{"model": "legacy.user", "pk": 91, "fields": map[string]any{"email": "lost@example.com",
				"password": "!", "role": "editor", "account": 404}},
			map[string]any{"model": "legacy.credittransaction", "pk": 900, "fields": map[string]any{"account": 404,
				"transaction_type": "purchase", "amount": 10, "balance_after": 10, "created_at": "2025-07-01T00:00:00Z"}},
			map[string]any{"model": "legacy.site", "pk": 90, "fields": map[string]any{"account": 2, "name": "Twin",
				"slug": "lopez-blog", "created_at": "2025-07-01T00:00:00Z"}},
		)
		edited, _ := json.Marshal(recs)
		dump := filepath.Join(t.TempDir(), "conflicts.json")
		if err := os.WriteFile(dump, edited, 0o600); err != nil {
			t.Fatal(err)
		}
		reportPath := filepath.Join(t.TempDir(), "report.json")
		for _, args := range [][]string{{"--dry-run", "--report", reportPath}, {"--report", reportPath}} {
			code, out := importCLI(t, e, dump, args...)
			if code == 0 {
				t.Fatalf("import %v with conflicts: exit 0\n%s", args, out)
			}
			rep := readReport(t, reportPath)
			all := strings.Join(rep.Conflicts, "\n")
			for _, want := range []string{
				"the e-mail " + existingEmail + " is already used in igny8",
				"equal up to case (chen@greenleaf.example)",
				"slug \"" + existingSlug + "\" is taken by an igny8 account",
				"user 91 (lost@example.com): their account 404 is missing from the dump",
				"credit transaction 900: its account 404 is missing from the dump",
				"sites 1 and 90 of one account have the slug \"lopez-blog\"",
			} {
				if !strings.Contains(all, want) {
					t.Errorf("import %v: no conflict %q in\n%s\n%s", args, want, all, out)
				}
			}
			if rep.Applied {
				t.Errorf("import %v: applied", args)
			}
			for tb, n := range imported(t, e) {
				if n != 0 {
					t.Fatalf("import %v wrote %d rows of %s", args, n, tb)
				}
			}
		}
	})
}

// TestImportAllOrNothing: a failure at any step leaves nothing behind.
func TestImportAllOrNothing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		e := apptest.New(t, b)
		for _, step := range []string{"user", "sector", "credittransaction"} {
			f, err := os.Open(fixtureDump)
			if err != nil {
				t.Fatal(err)
			}
			_, err = djangoimport.Run(igny8.SystemContext(context.Background()), e.App.DB(), f,
				djangoimport.FailAfter(djangoimport.Options{}, step))
			f.Close()
			if err == nil || !strings.Contains(err.Error(), "injected failure") {
				t.Fatalf("failure after %s: %v", step, err)
			}
			for tb, n := range imported(t, e) {
				if n != 0 {
					t.Fatalf("a failure after %s left %d rows of %s", step, n, tb)
				}
			}
		}
		checkLedger(t, e)
	})
}

// TestImportFreshDjangoDump regenerates the dump with Django itself and
// imports it: CI sets IGNY8_TEST_DJANGO=1 (with python3-django,
// python3-argon2 and python3-bcrypt installed, see .ci/run).
func TestImportFreshDjangoDump(t *testing.T) {
	if os.Getenv("IGNY8_TEST_DJANGO") == "" {
		t.Skip("IGNY8_TEST_DJANGO is not set: the committed dump is tested instead")
	}
	dir := t.TempDir()
	dump, passwords := filepath.Join(dir, "dump.json"), filepath.Join(dir, "passwords.json")
	generate(t, dump, passwords)
	text, textPasswords := filepath.Join(dir, "dump_text.json"), filepath.Join(dir, "passwords_text.json")
	generate(t, "--text-rules", text, textPasswords)
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		checkImport(t, apptest.New(t, b), dump, passwords)
		checkTextImport(t, apptest.New(t, b), text, textPasswords)
	})
}

// generate runs testdata/djangoproj/generate.py with args.
func generate(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("/usr/bin/python3", append([]string{"testdata/djangoproj/generate.py"}, args...)...)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generate.py: %v\n%s", err, out)
	}
}

func loginToken(t *testing.T, e *apptest.Env, email, password string) string {
	t.Helper()
	r := e.Login(email, password)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	r.JSON(t, &tok)
	if tok.AccessToken == "" {
		t.Fatalf("login of %s: %s", email, r)
	}
	return tok.AccessToken
}

// checkLegacyIDs: sites are found by their Django id within the account,
// and the admin console shows the Django ids of accounts.
func checkLegacyIDs(t *testing.T, e *apptest.Env, passwordsFile string) {
	t.Helper()
	b, _ := os.ReadFile(passwordsFile)
	var passwords map[string]string
	_ = json.Unmarshal(b, &passwords)
	token := loginToken(t, e, "maria.lopez@example.com", passwords["Maria.Lopez@Example.com"])
	var page struct {
		Items []struct {
			Name     string `json:"name"`
			LegacyID *int64 `json:"legacy_id"`
		} `json:"items"`
	}
	r := e.As(token, "GET", "/api/v1/sites?legacy_id=1", nil)
	r.JSON(t, &page)
	if r.Status != http.StatusOK || len(page.Items) != 1 || page.Items[0].LegacyID == nil || *page.Items[0].LegacyID != 1 ||
		page.Items[0].Name != "Lopez Media Blog" {
		t.Errorf("sites?legacy_id=1: %s", r)
	}
	page.Items = nil
	if r := e.As(token, "GET", "/api/v1/sites?legacy_id=2", nil); r.Status != http.StatusOK || (func() bool { r.JSON(t, &page); return len(page.Items) != 0 })() {
		t.Errorf("another account's site by legacy_id: %s", r)
	}
	if r := e.As(token, "GET", "/api/v1/sites?legacy_id=first", nil); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("sites?legacy_id=first: %s", r)
	}

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: e.Transport()}
	get := func(path string) string {
		resp, err := c.Get(e.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	// The imported administrator must turn on a second factor (through
	// the API, in their first login), then logs in on the pages with it.
	dev := loginToken(t, e, "dev@igny8.example", passwords["dev@igny8.example"])
	f := e.EnrolFactor(dev)
	if resp, _ := e.LogInOnPages(t, c, "dev@igny8.example", passwords["dev@igny8.example"], f); resp.Request.URL.Path != "/admin" {
		t.Fatalf("the imported administrator's login landed on %s", resp.Request.URL)
	}
	if page := get("/admin?q=lopez"); !strings.Contains(page, `data-testid="legacy-id">Django id 2<`) {
		t.Errorf("the admin console does not show the Django id of lopez-media:\n%s", page)
	}
	// The import's audit events read well in the admin API (its answers
	// are checked against the OpenAPI document).
	if r := e.As(dev, "GET", "/api/v1/admin/audit?action=account.imported", nil); r.Status != http.StatusOK ||
		len(r.Map(t)["items"].([]any)) == 0 {
		t.Errorf("admin audit of the import: %s", r)
	}
}
