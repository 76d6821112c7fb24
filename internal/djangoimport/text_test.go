package djangoimport_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/djangoimport"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// The dump of rows whose text igny8's API would refuse, made by Django's
// ORM (testdata/djangoproj/generate.py --text-rules).
const (
	textDump      = "testdata/dump_text.json"
	textPasswords = "testdata/passwords_text.json"
)

// TestImportCleansText: names with a NUL, tabs or line breaks, names of
// nothing but invisible characters and names over 100 characters, a NUL in
// a description and in a plan feature arrive cleaned to the API's rules on
// both databases, each change is in the report, and the users log in.
func TestImportCleansText(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		checkTextImport(t, apptest.New(t, b), textDump, textPasswords)
	})
}

func checkTextImport(t *testing.T, e *apptest.Env, dump, passwords string) {
	t.Helper()
	reportPath := filepath.Join(t.TempDir(), "report.json")
	code, out := importCLI(t, e, dump, "--report", reportPath)
	if code != 0 {
		t.Fatalf("import: %d %s", code, out)
	}
	if !strings.Contains(out, "Text changed to keep to igny8's rules:\n") || !strings.Contains(out, "\n    site 1, name: blank") {
		t.Errorf("the summary does not list the changes: %s", out)
	}
	rep := readReport(t, reportPath)
	if len(rep.Conflicts) != 0 {
		t.Fatalf("conflicts: %v", rep.Conflicts)
	}
	long := strings.Repeat("S", 100)
	wantRows := map[string]string{
		`SELECT name FROM plans WHERE slug = 'text-plan'`:                 "Text Plan",
		`SELECT features FROM plans WHERE slug = 'text-plan'`:             `["aicontent","keywords"]`,
		`SELECT name FROM accounts WHERE slug = 'tab-co'`:                 "Tab and Line Co",
		`SELECT name FROM users WHERE email = 'nina@text.example'`:        "Ni na Ross",
		`SELECT name FROM users WHERE email = 'quiet@text.example'`:       "quiet",
		`SELECT name FROM industries WHERE slug = 'text-industry'`:        "text-industry",
		`SELECT name FROM industry_sectors WHERE slug = 'text-sector'`:    "Sector " + strings.Repeat("x", 93),
		`SELECT name FROM sites WHERE slug = 'text-site'`:                 "text-site",
		`SELECT name FROM sectors WHERE slug = 'bad-sector'`:              "Bad Sector",
		`SELECT name FROM sectors WHERE slug = 'long-sector'`:             long,
		`SELECT description FROM credit_transactions WHERE legacy_id = 1`: "Welcome credits",
	}
	for q, want := range wantRows {
		if got := text(t, e, q); got != want {
			t.Errorf("%s = %q, want %q", q, got, want)
		}
	}
	wantCleaned := []djangoimport.Cleaned{
		{Model: "plan", LegacyID: 1, Field: "name", Change: "control characters (NUL, tabs, line breaks) replaced by spaces"},
		{Model: "plan", LegacyID: 1, Field: "features[0]", Change: "NUL characters removed"},
		{Model: "industry", LegacyID: 1, Field: "name", Change: `blank (nothing but spaces or invisible characters): "text-industry" stands in`},
		{Model: "industrysector", LegacyID: 1, Field: "name", Change: "cut to 100 characters"},
		{Model: "account", LegacyID: 1, Field: "name", Change: "control characters (NUL, tabs, line breaks) replaced by spaces"},
		{Model: "user", LegacyID: 1, Field: "first_name + last_name", Change: "control characters (NUL, tabs, line breaks) replaced by spaces"},
		{Model: "user", LegacyID: 2, Field: "first_name + last_name", Change: `blank (nothing but spaces or invisible characters): "quiet" stands in`},
		{Model: "site", LegacyID: 1, Field: "name", Change: `blank (nothing but spaces or invisible characters): "text-site" stands in`},
		{Model: "sector", LegacyID: 1, Field: "name", Change: "control characters (NUL, tabs, line breaks) replaced by spaces"},
		{Model: "sector", LegacyID: 2, Field: "name", Change: "cut to 100 characters"},
		{Model: "credittransaction", LegacyID: 1, Field: "description", Change: "NUL characters removed"},
	}
	if len(rep.Cleaned) != len(wantCleaned) {
		t.Errorf("%d changes reported, want %d: %+v", len(rep.Cleaned), len(wantCleaned), rep.Cleaned)
	}
	for _, want := range wantCleaned {
		found := false
		for _, c := range rep.Cleaned {
			found = found || c == want
		}
		if !found {
			t.Errorf("the report does not list %+v: %+v", want, rep.Cleaned)
		}
	}
	checkLogins(t, e, passwords)
	token := loginToken(t, e, "nina@text.example", "nina-text-pass")
	var sites igny8.Page[igny8.Site]
	e.As(token, "GET", "/api/v1/sites", nil).JSON(t, &sites)
	if len(sites.Items) != 1 || sites.Items[0].Name != "text-site" {
		t.Errorf("the owner's sites: %+v", sites.Items)
	}
	checkLedger(t, e)
	if code, out := importCLI(t, e, dump); code != 0 || !strings.Contains(out, "Nothing to import") {
		t.Errorf("second import: %d %s", code, out)
	}
}

// TestImportCleansInvalidText: invalid UTF-8 and a lone surrogate, which
// encoding/json quietly turns into U+FFFD, are found in the raw dump as
// the API finds them in a body, and reported.
func TestImportCleansInvalidText(t *testing.T) {
	dump := patchDump(t, map[string]string{
		`"name": "Tab\tand\nLine Co"`: "\"name\": \"Caf\xff Co\"",
		`"last_name": "Ross\t"`:       `"last_name": "Ross\ud800"`,
	})
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		e := apptest.New(t, b)
		reportPath := filepath.Join(t.TempDir(), "report.json")
		if code, out := importCLI(t, e, dump, "--report", reportPath); code != 0 {
			t.Fatalf("import: %d %s", code, out)
		}
		if got := text(t, e, `SELECT name FROM accounts WHERE slug = 'tab-co'`); got != "Caf\uFFFD Co" {
			t.Errorf("account name %q", got)
		}
		if got := text(t, e, `SELECT name FROM users WHERE email = 'nina@text.example'`); got != "Ni na Ross\uFFFD" {
			t.Errorf("user name %q", got)
		}
		rep := readReport(t, reportPath)
		for _, want := range []djangoimport.Cleaned{
			{Model: "account", LegacyID: 1, Field: "name", Change: "invalid UTF-8 or a lone surrogate replaced by U+FFFD"},
			{Model: "user", LegacyID: 1, Field: "first_name + last_name", Change: "invalid UTF-8 or a lone surrogate replaced by U+FFFD"},
		} {
			found := false
			for _, c := range rep.Cleaned {
				found = found || c == want
			}
			if !found {
				t.Errorf("the report does not list %+v: %+v", want, rep.Cleaned)
			}
		}
	})
}

// TestImportRefusesText: what identifies a row (a slug, an e-mail) is not
// changed to fit: a control character, a NUL, invalid UTF-8 or a value
// over its limit there is a conflict, and nothing is written.
func TestImportRefusesText(t *testing.T) {
	dump := patchDump(t, map[string]string{
		`"slug": "text-site"`:           `"slug": "text\tsite"`,
		`"email": "quiet@text.example"`: `"email": "quiet\u0000@text.example"`,
		`"slug": "bad-sector"`:          "\"slug\": \"bad-\xffsector\"",
		`"slug": "text-plan"`:           `"slug": "` + strings.Repeat("p", 51) + `"`,
	})
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		e := apptest.New(t, b)
		reportPath := filepath.Join(t.TempDir(), "report.json")
		code, out := importCLI(t, e, dump, "--report", reportPath)
		if code == 0 || !strings.Contains(out, "conflicts") {
			t.Fatalf("import: %d %s", code, out)
		}
		all := strings.Join(readReport(t, reportPath).Conflicts, "\n")
		for _, want := range []string{
			"site 1: slug must not contain control characters such as tabs or line breaks",
			"user 2: email must not contain a NUL character",
			"sector 1: slug must be UTF-8 text (it has invalid bytes)",
			"plan 1: slug must be at most 50 characters",
		} {
			if !strings.Contains(all, want) {
				t.Errorf("no conflict %q in:\n%s", want, all)
			}
		}
		for tb, n := range imported(t, e) {
			if n != 0 {
				t.Errorf("%d rows of %s were written", n, tb)
			}
		}
	})
}

// patchDump writes the text dump with each old text replaced by new.
func patchDump(t *testing.T, repl map[string]string) string {
	t.Helper()
	b, err := os.ReadFile(textDump)
	if err != nil {
		t.Fatal(err)
	}
	for old, new := range repl {
		if !bytes.Contains(b, []byte(old)) {
			t.Fatalf("the dump has no %s", old)
		}
		b = bytes.ReplaceAll(b, []byte(old), []byte(new))
	}
	path := filepath.Join(t.TempDir(), "dump.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func text(t *testing.T, e *apptest.Env, q string) string {
	t.Helper()
	var s string
	db := e.App.DB()
	if err := db.SQL().QueryRow(db.Rebind(q)).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}
