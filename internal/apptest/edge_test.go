package apptest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// problem is the part of a problem+json answer these tests read.
type problem struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// wantProblem checks an answer's status and code and that its errors name
// exactly fields (in any order), and returns the problem.
func wantProblem(t *testing.T, what string, r *apptest.Response, status int, code string, fields ...string) problem {
	t.Helper()
	var p problem
	_ = json.Unmarshal(r.Body, &p)
	if r.Status != status || p.Code != code {
		t.Fatalf("%s: got %s, want %d %s", what, r, status, code)
	}
	var got []string
	for _, f := range p.Errors {
		got = append(got, f.Field)
	}
	slices.Sort(got)
	want := slices.Clone(fields)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("%s: fields %v, want %v (%s)", what, got, want, r)
	}
	return p
}

// rowCounts counts the rows bad input must leave alone.
func rowCounts(e *apptest.Env) map[string]int {
	out := map[string]int{}
	for _, table := range []string{"accounts", "users", "sites", "sectors", "api_keys", "invitations", "plans", "credit_transactions"} {
		out[table] = e.Count(`SELECT COUNT(*) FROM ` + table)
	}
	return out
}

// TestInputThatIsNotTextIsRefused sends NUL and invalid UTF-8 in each kind
// of place a request carries text: JSON string fields (public sign-up and
// login too), nested fields, path ids, cursors and query parameters. On
// PostgreSQL these answered 500 (invalid byte sequence for encoding
// "UTF8"); on SQLite the NUL was stored. Each is refused by name and
// changes nothing, on both databases.
func TestInputThatIsNotTextIsRefused(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Textual")
		e.SetPlan(owner.AccountID, "growth")
		site := e.AddSite(owner.AccountID, "Textual Blog")
		dev := e.Developer()
		before := rowCounts(e)

		bodies := []struct {
			what, method, path, token, body, field string
		}{
			{"sign-up name with NUL", "POST", "/api/v1/auth/register", "", `{"name":"a\u0000b","email":"nul@example.com","password":"a long and unusual passphrase"}`, "name"},
			{"sign-up email with invalid UTF-8", "POST", "/api/v1/auth/register", "", "{\"name\":\"Ann\",\"email\":\"ann\xff@example.com\",\"password\":\"a long and unusual passphrase\"}", "email"},
			{"sign-up password with a lone surrogate", "POST", "/api/v1/auth/register", "", `{"name":"Ann","email":"ann@example.com","password":"a long \ud800 passphrase"}`, "password"},
			{"login email with NUL", "POST", "/api/v1/auth/login", "", `{"email":"` + strings.ReplaceAll(owner.Email, "@", `\u0000@`) + `","password":"x"}`, "email"},
			{"login password with invalid UTF-8", "POST", "/api/v1/auth/login", "", "{\"email\":\"" + owner.Email + "\",\"password\":\"\xc3\x28 passphrase\"}", "password"},
			{"site name with NUL", "POST", "/api/v1/sites", owner.Token, `{"name":"Blog\u0000"}`, "name"},
			{"site name with invalid UTF-8", "POST", "/api/v1/sites", owner.Token, "{\"name\":\"Blog \xfe\xff\"}", "name"},
			{"site industry id with NUL", "POST", "/api/v1/sites", owner.Token, `{"name":"Blog","industry_id":"\u0000"}`, "industry_id"},
			{"site rename with NUL", "PATCH", "/api/v1/sites/" + site, owner.Token, `{"name":"x\u0000"}`, "name"},
			{"API key site id with invalid UTF-8", "POST", "/api/v1/api-keys", owner.Token, "{\"name\":\"WP\",\"site_id\":\"\xff\"}", "site_id"},
			{"invitation email with NUL", "POST", "/api/v1/account/users", owner.Token, `{"email":"x\u0000@example.com"}`, "email"},
			{"account name with invalid UTF-8", "PATCH", "/api/v1/account", owner.Token, "{\"name\":\"\x80\"}", "name"},
			{"operation keyword with NUL", "POST", "/api/v1/ai/operations", owner.Token, `{"operation":"auto_cluster","site_id":"` + site + `","input":{"keywords":["ok","a\u0000"]}}`, "input.keywords[1]"},
			{"plan currency with NUL", "POST", "/api/v1/admin/plans", dev, `{"slug":"nul-plan","name":"Nul","price":100,"currency":"US\u0000","included_credits":1,"max_sites":1,"max_users":1,"max_sectors_per_site":1,"api_requests_per_minute":60}`, "currency"},
		}
		for _, c := range bodies {
			var r *apptest.Response
			if c.token == "" {
				r = e.Do(c.method, c.path, c.body)
			} else {
				r = e.As(c.token, c.method, c.path, c.body)
			}
			wantProblem(t, c.what, r, http.StatusBadRequest, "validation_failed", c.field)
		}

		// Two faults in one body are named together.
		r := e.As(owner.Token, "POST", "/api/v1/sites", "{\"name\":\"a\\u0000\",\"domain\":\"\xff.example.com\"}")
		wantProblem(t, "two faults", r, http.StatusBadRequest, "validation_failed", "name", "domain")

		for _, path := range []string{"/api/v1/sites/%00", "/api/v1/sites/%ff", "/api/v1/sites/not-an-id",
			"/api/v1/sites/" + strings.ToUpper(site), "/api/v1/sites/" + site + "%00/sectors"} {
			wantProblem(t, "GET "+path, e.As(owner.Token, "GET", path, nil), http.StatusNotFound, "not_found")
		}
		for _, c := range []struct{ method, path string }{
			{"PATCH", "/api/v1/sites/%ff"}, {"DELETE", "/api/v1/sites/%00"}, {"DELETE", "/api/v1/api-keys/%ff"},
			{"DELETE", "/api/v1/account/users/%00"}, {"DELETE", "/api/v1/sites/" + site + "/access/%ff"}, {"PATCH", "/api/v1/sectors/%c3%28"}, {"DELETE", "/api/v1/account/invitations/x"},
		} {
			wantProblem(t, c.method+" "+c.path, e.As(owner.Token, c.method, c.path, `{"name":"x"}`), http.StatusNotFound, "not_found")
		}
		for _, c := range []struct{ token, path string }{
			{dev, "/api/v1/admin/accounts/%00/suspend"}, {dev, "/api/v1/admin/payments/%ff/confirm"},
		} {
			wantProblem(t, c.path, e.As(c.token, "POST", c.path, `{"reason":"x"}`), http.StatusNotFound, "not_found")
		}
		wantProblem(t, "plan slug with NUL", e.As(dev, "PATCH", "/api/v1/admin/plans/free%00", `{"name":"x"}`), http.StatusNotFound, "not_found")

		for _, path := range []string{"/api/v1/sites", "/api/v1/api-keys", "/api/v1/account/users", "/api/v1/account/invitations",
			"/api/v1/sites/" + site + "/sectors", "/api/v1/credits/transactions", "/api/v1/billing/payments"} {
			for _, cursor := range []string{"%ff", "%00"} {
				wantProblem(t, path+" cursor "+cursor, e.As(owner.Token, "GET", path+"?cursor="+cursor, nil), http.StatusBadRequest, "validation_failed", "cursor")
			}
			for _, cursor := range []string{"garbage", "_w", url.QueryEscape("Zm9v"), "-1"} {
				wantProblem(t, path+" cursor "+cursor, e.As(owner.Token, "GET", path+"?cursor="+cursor, nil), http.StatusUnprocessableEntity, "validation_failed", "cursor")
			}
		}
		wantProblem(t, "admin accounts cursor", e.As(dev, "GET", "/api/v1/admin/accounts?cursor=garbage", nil), http.StatusUnprocessableEntity, "validation_failed", "cursor")
		for _, q := range []string{"q=%00", "q=%ff", "q=a%00b", "industry_id=%ff", "is_active=%00"} {
			wantProblem(t, "sites "+q, e.As(owner.Token, "GET", "/api/v1/sites?"+q, nil), http.StatusBadRequest, "validation_failed", strings.Split(q, "=")[0])
		}
		wantProblem(t, "admin search", e.As(dev, "GET", "/api/v1/admin/accounts?search=%00", nil), http.StatusBadRequest, "validation_failed", "search")
		r = e.As(owner.Token, "POST", "/api/v1/ai/operations", `{"operation":"auto_cluster","site_id":"`+site+`","input":{"keywords":["a"]}}`,
			"Idempotency-Key", "key-\xff")
		wantProblem(t, "Idempotency-Key with invalid UTF-8", r, http.StatusBadRequest, "validation_failed", "Idempotency-Key")
		wantProblem(t, "payments reference", e.As(dev, "GET", "/api/v1/admin/payments?reference=%ff", nil), http.StatusBadRequest, "validation_failed", "reference")

		if after := rowCounts(e); !mapsEqual(after, before) {
			t.Fatalf("refused requests changed rows: before %v, after %v", before, after)
		}

		// Text that is text still works: other scripts, emoji, and a
		// U+FFFD the client really sent (as the character or escaped).
		r = e.As(owner.Token, "POST", "/api/v1/sites", `{"name":"Café ☕ 東京 \ufffd �"}`)
		if r.Status != http.StatusCreated || r.Map(t)["name"] != "Café ☕ 東京 \ufffd \ufffd" {
			t.Fatalf("valid text: %s", r)
		}
	})
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestLongTextIsRefused: on SQLite a q or search over 50,000 bytes
// answered 500 (LIKE or GLOB pattern too complex). Every query parameter
// and text field has a limit, refused by name before the database.
func TestLongTextIsRefused(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Lengthy")
		dev := e.Developer()
		before := rowCounts(e)

		long := strings.Repeat("a", 60_000)
		wantProblem(t, "long q", e.As(owner.Token, "GET", "/api/v1/sites?q="+long, nil), http.StatusBadRequest, "validation_failed", "q")
		wantProblem(t, "long search", e.As(dev, "GET", "/api/v1/admin/accounts?search="+long, nil), http.StatusBadRequest, "validation_failed", "search")
		wantProblem(t, "long cursor", e.As(owner.Token, "GET", "/api/v1/api-keys?cursor="+long, nil), http.StatusBadRequest, "validation_failed", "cursor")
		if r := e.As(owner.Token, "GET", "/api/v1/sites?q="+strings.Repeat("é", 200), nil); r.Status != http.StatusOK {
			t.Fatalf("q of 200 characters: %s", r)
		}

		name101 := strings.Repeat("n", 101)
		for _, c := range []struct{ what, method, path, token, body, field string }{
			{"sign-up name", "POST", "/api/v1/auth/register", "", `{"name":"` + name101 + `","email":"long@example.com","password":"a long and unusual passphrase"}`, "name"},
			{"sign-up password", "POST", "/api/v1/auth/register", "", `{"name":"Ann","email":"long@example.com","password":"` + strings.Repeat("p", 257) + `"}`, "password"},
			{"login email", "POST", "/api/v1/auth/login", "", `{"email":"` + strings.Repeat("e", 250) + `@example.com","password":"x"}`, "email"},
			{"site name", "POST", "/api/v1/sites", owner.Token, `{"name":"` + name101 + `"}`, "name"},
			{"site domain", "POST", "/api/v1/sites", owner.Token, `{"name":"Blog","domain":"https://` + strings.Repeat("d", 300) + `.com"}`, "domain"},
			{"API key name", "POST", "/api/v1/api-keys", owner.Token, `{"name":"` + name101 + `"}`, "name"},
			{"operation content", "POST", "/api/v1/ai/operations", owner.Token, `{"operation":"optimize_content","site_id":"x","input":{"content":"` + strings.Repeat("c", 100_001) + `"}}`, "input.content"},
			{"reject reason", "POST", "/api/v1/admin/payments/" + owner.AccountID + "/reject", dev, `{"reason":"` + strings.Repeat("r", 501) + `"}`, "reason"},
		} {
			var r *apptest.Response
			if c.token == "" {
				r = e.Do(c.method, c.path, c.body)
			} else {
				r = e.As(c.token, c.method, c.path, c.body)
			}
			p := wantProblem(t, c.what, r, http.StatusUnprocessableEntity, "validation_failed", c.field)
			if !strings.HasPrefix(p.Errors[0].Message, "must be at most ") {
				t.Fatalf("%s: message %q", c.what, p.Errors[0].Message)
			}
		}
		// Several fields over their limits are named at once.
		r := e.As(owner.Token, "POST", "/api/v1/sites", `{"name":"`+name101+`","slug":"`+name101+`"}`)
		wantProblem(t, "two long fields", r, http.StatusUnprocessableEntity, "validation_failed", "name", "slug")

		if after := rowCounts(e); !mapsEqual(after, before) {
			t.Fatalf("refused requests changed rows: before %v, after %v", before, after)
		}
	})
}

// TestBodyMediaTypeIsExact: application/jsonx was taken for JSON (a
// prefix match). Only application/json, with parameters such as
// charset=utf-8, is JSON; anything else is 415 problem+json.
func TestBodyMediaTypeIsExact(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Typed")
		before := rowCounts(e)
		for _, ct := range []string{"application/jsonx", "application/json-patch+json", "text/plain", "application/json; charset=latin1",
			"multipart/form-data; boundary=x", "application/x-www-form-urlencoded"} {
			r := e.As(owner.Token, "POST", "/api/v1/sites", `{"name":"Blog"}`, "Content-Type", ct)
			if r.Status != http.StatusUnsupportedMediaType || r.Code() != "validation_failed" ||
				!strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("%q: %s %v", ct, r, r.Header)
			}
		}
		r := e.Do("POST", "/api/v1/auth/register", `{"name":"Jay","email":"jay@example.com","password":"a long and unusual passphrase"}`,
			"Content-Type", "application/jsonx")
		if r.Status != http.StatusUnsupportedMediaType {
			t.Fatalf("sign-up as application/jsonx: %s", r)
		}
		if after := rowCounts(e); !mapsEqual(after, before) {
			t.Fatalf("refused requests changed rows: before %v, after %v", before, after)
		}
		for _, ct := range []string{"application/json; charset=utf-8", "Application/JSON; Charset=UTF-8", "application/json"} {
			if r := e.As(owner.Token, "POST", "/api/v1/api-keys", `{"name":"Key"}`, "Content-Type", ct); r.Status != http.StatusCreated {
				t.Fatalf("%q: %s", ct, r)
			}
		}
	})
}

// TestBlankNamesAreRefused: a name of spaces or of invisible characters
// (zero-width space, byte-order mark, direction marks) shows nothing, so
// it is not a name, wherever a name is given; names are stored trimmed.
func TestBlankNamesAreRefused(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Named")
		site := e.AddSite(owner.AccountID, "Named Blog")
		e.SetPlan(owner.AccountID, "growth")
		member := e.Invite(owner, "editor")
		industry := firstIndustrySector(t, e)
		before := rowCounts(e)
		for _, blank := range []string{"   ", "\t\n", "\u200b", "\ufeff \u200e", "\u00a0\u3000", "\u2060"} {
			name, _ := json.Marshal(blank)
			for _, c := range []struct{ what, method, path, token, body string }{
				{"sign-up", "POST", "/api/v1/auth/register", "", `{"name":` + string(name) + `,"email":"blank@example.com","password":"a long and unusual passphrase"}`},
				{"site", "POST", "/api/v1/sites", owner.Token, `{"name":` + string(name) + `}`},
				{"site rename", "PATCH", "/api/v1/sites/" + site, owner.Token, `{"name":` + string(name) + `}`},
				{"sector", "POST", "/api/v1/sites/" + site + "/sectors", owner.Token, `{"industry_sector_id":"` + industry + `","name":` + string(name) + `}`},
				{"account", "PATCH", "/api/v1/account", owner.Token, `{"name":` + string(name) + `}`},
				{"user", "PATCH", "/api/v1/account/users/" + member.ID, owner.Token, `{"name":` + string(name) + `}`},
				{"API key", "POST", "/api/v1/api-keys", owner.Token, `{"name":` + string(name) + `}`},
			} {
				var r *apptest.Response
				if c.token == "" {
					r = e.Do(c.method, c.path, c.body)
				} else {
					r = e.As(c.token, c.method, c.path, c.body)
				}
				p := wantProblem(t, c.what+" "+string(name), r, http.StatusUnprocessableEntity, "validation_failed", "name")
				if p.Errors[0].Message != "must not be blank" {
					t.Fatalf("%s: message %q", c.what, p.Errors[0].Message)
				}
			}
		}
		wantProblem(t, "name with a line break", e.As(owner.Token, "POST", "/api/v1/sites", `{"name":"Two\nlines"}`),
			http.StatusUnprocessableEntity, "validation_failed", "name")
		if after := rowCounts(e); !mapsEqual(after, before) {
			t.Fatalf("refused requests changed rows: before %v, after %v", before, after)
		}
		if n := e.Count(`SELECT COUNT(*) FROM sites WHERE name = ?`, "Named Blog"); n != 1 {
			t.Fatalf("site renamed by a blank name")
		}
		r := e.As(owner.Token, "POST", "/api/v1/sites", `{"name":"\u200b  Trimmed Blog \ufeff "}`)
		if r.Status != http.StatusCreated || r.Map(t)["name"] != "Trimmed Blog" {
			t.Fatalf("trimmed name: %s", r)
		}
	})
}

// firstIndustrySector returns the id of a seeded industry sector.
func firstIndustrySector(t *testing.T, e *apptest.Env) string {
	t.Helper()
	var inds struct {
		Items []struct{ Sectors []struct{ ID string } }
	}
	e.Do("GET", "/api/v1/industries", nil).JSON(t, &inds)
	return inds.Items[0].Sectors[0].ID
}

// TestValidationNamesEveryField: sign-up reported only the password when
// name and email were wrong too. Every invalid field is listed at once,
// each message a sentence that reads after the field's name.
func TestValidationNamesEveryField(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		before := rowCounts(e)
		r := e.Do("POST", "/api/v1/auth/register", `{"name":"","email":"bad","password":"x"}`)
		p := wantProblem(t, "sign-up", r, http.StatusUnprocessableEntity, "validation_failed", "name", "email", "password")
		want := map[string]string{"name": "must not be blank", "email": "must be a valid email address", "password": "must be at least 10 characters"}
		for _, f := range p.Errors {
			if f.Message != want[f.Field] {
				t.Fatalf("%s: message %q, want %q", f.Field, f.Message, want[f.Field])
			}
		}
		if after := rowCounts(e); !mapsEqual(after, before) {
			t.Fatalf("refused sign-up changed rows: before %v, after %v", before, after)
		}

		// A field over its length and fields only the sign-up rules refuse
		// are named in the same answer.
		long := strings.Repeat("n", 101)
		r = e.Do("POST", "/api/v1/auth/register", `{"name":"`+long+`","email":"bad","password":"x"}`)
		p = wantProblem(t, "sign-up with a long name", r, http.StatusUnprocessableEntity, "validation_failed", "name", "email", "password")
		want["name"] = "must be at most 100 characters"
		for _, f := range p.Errors {
			if f.Message != want[f.Field] {
				t.Fatalf("%s: message %q, want %q", f.Field, f.Message, want[f.Field])
			}
		}
		if after := rowCounts(e); !mapsEqual(after, before) {
			t.Fatalf("refused sign-up changed rows: before %v, after %v", before, after)
		}

		owner := e.SignUp("Everyfield")
		r = e.As(owner.Token, "POST", "/api/v1/api-keys", `{"name":" ","role":"boss"}`)
		wantProblem(t, "API key", r, http.StatusUnprocessableEntity, "validation_failed", "name", "role")
		r = e.Do("POST", "/api/v1/auth/accept-invite", `{"token":"","password":"short","name":"Ann\tLee"}`)
		wantProblem(t, "accept invitation", r, http.StatusUnprocessableEntity, "validation_failed", "token", "password", "name")
		e.SetPlan(owner.AccountID, "growth")
		member := e.Invite(owner, "editor")
		r = e.As(owner.Token, "PATCH", "/api/v1/account/users/"+member.ID, `{"name":" ","role":"boss"}`)
		wantProblem(t, "user change", r, http.StatusUnprocessableEntity, "validation_failed", "name", "role")
	})
}

// TestPlanNamesReadAsSentences: a plan's name is not followed by "plan"
// when it ends in one (the Free Plan's answers said "the Free Plan plan"),
// and a plan of one site "allows 1 site", not "1 sites".
func TestPlanNamesReadAsSentences(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Freeloader")
		r := e.As(owner.Token, "POST", "/api/v1/billing/checkout", `{"plan":"free-trial","payment_method":"bank_transfer"}`)
		p := wantProblem(t, "free trial checkout", r, http.StatusUnprocessableEntity, "validation_failed", "plan")
		if p.Detail != "The Free Trial plan is given once, at sign-up; choose another plan." {
			t.Fatalf("detail %q", p.Detail)
		}
		if r := e.As(owner.Token, "POST", "/api/v1/sites", `{"name":"One"}`); r.Status != http.StatusCreated {
			t.Fatalf("first site: %s", r)
		}
		r = e.As(owner.Token, "POST", "/api/v1/sites", `{"name":"Two"}`)
		if d := r.Map(t)["detail"]; r.Status != http.StatusForbidden || d != "Your plan allows 1 site; upgrade the plan to add more." {
			t.Fatalf("second site: %s", r)
		}
	})
}
