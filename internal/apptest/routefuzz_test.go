package apptest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// FuzzRoutes sends bad input to every route of /api/v1/openapi.json (the
// document built from the route table, so a new route is fuzzed without
// touching this test), as a principal allowed to call it so that input
// checks are reached, on SQLite and, when IGNY8_TEST_POSTGRES_URL is set,
// on PostgreSQL: each input goes to both databases in turn.
//
// It fails when any answer is a 5xx, when a refused request (4xx) changed
// a stored row, and when a body sent under a media type other than JSON
// is accepted.
//
// Plain go test runs the seed corpus every time: per route a valid body
// built from the route's request schema, then that body with each field
// given wrong types, bad text (NUL, invalid UTF-8, bidi controls, huge
// strings), negative and huge numbers and ids of the wrong shape; whole
// bodies that are malformed, empty, huge or deeply nested, with unknown
// fields or under the wrong content type; path ids and query parameters of
// the wrong shape (routeSeeds). go test -fuzz FuzzRoutes explores from
// there; inputs it finds are kept under testdata/fuzz/FuzzRoutes.
func FuzzRoutes(f *testing.F) {
	targets := []*fuzzTarget{newFuzzTarget(f, storetest.Backends()[0])}
	if len(storetest.Backends()) > 1 {
		targets = append(targets, newFuzzTarget(f, storetest.Backends()[1]))
	} else {
		fmt.Fprintf(os.Stderr, "FuzzRoutes: PostgreSQL skipped: set %s=postgres://user@host:5432/db to run it there too\n",
			storetest.PostgresEnv)
	}
	for _, tg := range targets {
		tg.fromSeed = seedIDs(targets[0], tg)
	}
	seeds := routeSeeds(targets[0])
	for _, s := range seeds {
		f.Add(s.route, s.as, s.pathID, s.query, s.contentType, s.body)
	}
	ran := 0
	f.Cleanup(func() {
		// The whole corpus ran (not a -run selection of it, not -fuzz):
		// every route that takes input must have had some of it checked,
		// or the fuzz only probed the doors.
		if ran < len(seeds) || fuzzing() {
			return
		}
		for _, tg := range targets {
			for _, o := range tg.routes {
				if (o.body != nil || len(o.query) > 0) && !tg.reached[o.key()] {
					f.Errorf("%s: no input to %s reached its input checks (all were refused before, or crashed)", tg.name, o.key())
				}
			}
		}
	})
	f.Fuzz(func(t *testing.T, route, as, pathID, query, contentType string, body []byte) {
		ran++
		for _, tg := range targets {
			tg.check(t, route, as, pathID, query, contentType, body)
		}
	})
}

// seedIDs rewrites the ids of the seed corpus, which names the rows of
// the first target, into the same rows of tg.
func seedIDs(seed, tg *fuzzTarget) *strings.Replacer {
	var pairs []string
	for kind, id := range seed.ids {
		if len(id) == 36 { // a UUID: plan slugs are the same everywhere
			pairs = append(pairs, id, tg.ids[kind], strings.ToUpper(id), strings.ToUpper(tg.ids[kind]))
		}
	}
	return strings.NewReplacer(pairs...)
}

// fuzzing reports whether go test -fuzz is running (not only the corpus).
func fuzzing() bool {
	fl := flag.Lookup("test.fuzz")
	return fl != nil && fl.Value.String() != ""
}

// fuzzTarget is one running igny8 with a realistic tenant: an owner on
// the enterprise plan with sites, sectors, members, API keys and an
// invitation, a second account with a site and a pending payment, and a
// developer for the admin routes.
type fuzzTarget struct {
	name   string
	e      *apptest.Env
	owner  *apptest.User
	other  *apptest.User
	dev    string
	key    string            // an editor API key of the owner's account
	ids    map[string]string // by kind; "kind:victim" rows are for DELETE routes
	routes []routeOp
	// schemas are the OpenAPI document's components
	schemas   map[string]any
	rows      map[string][]string // the stored rows after the last request
	snapQuery string
	fromSeed  *strings.Replacer // the seed corpus's ids to this target's
	// version is a connection of its own to a SQLite database: its
	// data_version moves when the server commits anything, so the rows are
	// read again only then (reading them is slow under -race)
	version     *sql.Conn
	lastVersion int64
	// reached holds the routes some input of which got past the door:
	// answered an input error (400, 413, 415, 422) or was accepted
	reached map[string]bool
}

func newFuzzTarget(tb testing.TB, b storetest.Backend) *fuzzTarget {
	tb.Helper()
	e := apptest.New(tb, b)
	tg := &fuzzTarget{name: b.Name, e: e, owner: e.SignUp("Fuzz Owner"), other: e.SignUp("Fuzz Other"),
		dev: e.Developer(), ids: map[string]string{}, reached: map[string]bool{}}
	e.SetPlan(tg.owner.AccountID, "enterprise")
	var inds struct {
		Items []struct {
			ID      string
			Sectors []struct{ ID string }
		}
	}
	e.Do("GET", "/api/v1/industries", nil).JSON(tb, &inds)
	industry := inds.Items[0]
	tg.ids["industry"], tg.ids["industry_sector"] = industry.ID, industry.Sectors[2].ID
	mk := func(token, path string, body map[string]any) string {
		r := e.As(token, "POST", path, body)
		if r.Status != http.StatusCreated {
			tb.Fatalf("fuzz setup %s: %s", path, r)
		}
		return findKey(r.Body, "id")
	}
	own := tg.owner.Token
	tg.ids["site"] = mk(own, "/api/v1/sites", map[string]any{"name": "Fuzz site", "industry_id": industry.ID})
	tg.ids["site:victim"] = mk(own, "/api/v1/sites", map[string]any{"name": "Victim site", "industry_id": industry.ID})
	tg.ids["sector"] = mk(own, "/api/v1/sites/"+tg.ids["site"]+"/sectors", map[string]any{"industry_sector_id": industry.Sectors[0].ID})
	tg.ids["sector:victim"] = mk(own, "/api/v1/sites/"+tg.ids["site"]+"/sectors", map[string]any{"industry_sector_id": industry.Sectors[1].ID})
	tg.ids["user"] = e.RawMember(tg.owner.AccountID, "editor").ID
	tg.ids["user:victim"] = e.RawMember(tg.owner.AccountID, "viewer").ID
	mk(own, "/api/v1/sites/"+tg.ids["site"]+"/access", map[string]any{"user_id": tg.ids["user"]})
	mk(own, "/api/v1/sites/"+tg.ids["site:victim"]+"/access", map[string]any{"user_id": tg.ids["user:victim"]})
	tg.ids["api_key"], tg.key = e.NewAPIKey(own, map[string]any{"name": "Fuzz key", "role": "editor"})
	tg.ids["api_key:victim"], _ = e.NewAPIKey(own, map[string]any{"name": "Victim key", "role": "viewer", "site_id": tg.ids["site"]})
	tg.ids["invitation"] = mk(own, "/api/v1/account/users", map[string]any{"email": "invitee@example.com", "role": "viewer"})
	tg.ids["invitation:victim"] = mk(own, "/api/v1/account/users", map[string]any{"email": "victim@example.com", "role": "editor"})
	tg.ids["site:other"] = mk(tg.other.Token, "/api/v1/sites", map[string]any{"name": "Other site"})
	r := e.As(tg.other.Token, "POST", "/api/v1/billing/checkout", map[string]any{"plan": "growth", "payment_method": "bank_transfer"})
	if r.Status >= 300 {
		tb.Fatalf("fuzz setup checkout: %s", r)
	}
	var res struct{ Payment struct{ ID string } }
	r.JSON(tb, &res)
	tg.ids["payment"] = res.Payment.ID
	r = e.As(tg.other.Token, "POST", "/api/v1/credits/packs/checkout", map[string]any{"pack": "credits-1000", "payment_method": "bank_transfer"})
	if r.Status >= 300 {
		tb.Fatalf("fuzz setup pack purchase: %s", r)
	}
	var buy struct{ Purchase struct{ ID string } }
	r.JSON(tb, &buy)
	tg.ids["credit_purchase"] = buy.Purchase.ID
	// A refund Stripe reported (this environment has no Stripe to send one).
	tg.ids["payment_incident"] = "01900000-0000-7000-8000-00000000f00d"
	e.Exec(`INSERT INTO payment_incidents (id, account_id, kind, event_id, charge_id, amount, currency, status, created_at, updated_at)
		VALUES (?, ?, 'refund', 'evt_fuzz', 'ch_fuzz', 100, 'USD', 'open', ?, ?)`, tg.ids["payment_incident"], tg.other.AccountID,
		time.Now().UTC(), time.Now().UTC())
	tg.ids["account"], tg.ids["plan"], tg.ids["user:other"] = tg.other.AccountID, "growth", tg.other.ID
	tg.routes, tg.schemas = loadFuzzOps(tb, e)
	if e.App.DB().Dialect() == sqlstore.SQLite {
		conn, err := sql.Open("sqlite", "file:"+e.Cfg.DatabaseURL+"?_pragma=busy_timeout(10000)")
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { conn.Close() })
		if tg.version, err = conn.Conn(context.Background()); err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { tg.version.Close() })
	}
	tg.changed(tb)
	tg.rows = tg.snapshot(tb)
	// The snapshot must see a change, or every check below passes blindly.
	e.As(own, "PATCH", "/api/v1/sites/"+tg.ids["site"], map[string]any{"name": "Fuzz site renamed"})
	if !tg.changed(tb) {
		tb.Fatalf("%s: renaming a site did not move the database's data_version", b.Name)
	}
	if after := tg.snapshot(tb); diffRows(tg.rows, after) == "" {
		tb.Fatalf("%s: renaming a site changed no row the snapshot reads", b.Name)
	} else {
		tg.rows = after
	}
	return tg
}

// changed reports whether the database may have changed since it last
// asked: always on PostgreSQL, when data_version moved on SQLite.
func (tg *fuzzTarget) changed(tb testing.TB) bool {
	tb.Helper()
	if tg.version == nil {
		return true
	}
	var v int64
	if err := tg.version.QueryRowContext(context.Background(), `PRAGMA data_version`).Scan(&v); err != nil {
		tb.Fatalf("data_version: %v", err)
	}
	moved := v != tg.lastVersion
	tg.lastVersion = v
	return moved
}

// routeOp is one operation of the OpenAPI document, as FuzzRoutes sends it.
type routeOp struct {
	method, path string
	body         map[string]any // the request body's schema, nil for none
	query        []string       // documented query parameters
}

func (o routeOp) key() string { return o.method + " " + o.path }

func loadFuzzOps(tb testing.TB, e *apptest.Env) ([]routeOp, map[string]any) {
	tb.Helper()
	var doc struct {
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	e.Do("GET", "/api/v1/openapi.json", nil).JSON(tb, &doc)
	f := &fuzzer{schemas: doc.Components.Schemas}
	var ops []routeOp
	for path, methods := range doc.Paths {
		for method, op := range methods {
			o := routeOp{method: strings.ToUpper(method), path: path}
			if rb, ok := op["requestBody"].(map[string]any); ok {
				o.body = f.resolve(dig(rb, "content", "application/json", "schema"))
			}
			params, _ := op["parameters"].([]any)
			for _, p := range params {
				if pm, _ := p.(map[string]any); pm["in"] == "query" {
					o.query = append(o.query, pm["name"].(string))
				}
			}
			ops = append(ops, o)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].key() < ops[j].key() })
	if len(ops) < 20 {
		tb.Fatalf("only %d operations in openapi.json", len(ops))
	}
	return ops, doc.Components.Schemas
}

// op finds the operation a fuzz input names; a name the fuzzer mangled
// picks one by its bytes, so mutating the name explores other routes.
func (tg *fuzzTarget) op(route string) routeOp {
	for _, o := range tg.routes {
		if o.key() == route {
			return o
		}
	}
	sum := 0
	for _, c := range []byte(route) {
		sum += int(c)
	}
	return tg.routes[sum%len(tg.routes)]
}

// token is the principal a route is called as: a developer on admin
// routes, a fresh session of the owner on logout (which ends it), the
// account's editor API key when as is "key", the owner elsewhere.
func (tg *fuzzTarget) token(o routeOp, as string) string {
	switch {
	case strings.HasPrefix(o.path, "/api/v1/admin/"):
		return tg.dev
	case o.path == "/api/v1/auth/logout":
		// not Env.Login: the Env belongs to the F, and this runs in a T
		_, raw, _ := tg.send("POST", "/api/v1/auth/login", jsonType,
			mustJSON(map[string]string{"email": tg.owner.Email, "password": tg.owner.Password}), "")
		return findKey(raw, "access_token")
	case as == "key":
		return tg.key
	}
	return tg.owner.Token
}

// fill puts ids into a path pattern: pathID (escaped as one segment) in
// every parameter when it is set, else the fixture's id of each
// parameter's kind (the victim rows on DELETE and restore routes).
func (tg *fuzzTarget) fill(o routeOp, pathID string) string {
	segs := strings.Split(o.path, "/")
	victim := o.method == "DELETE" || strings.HasSuffix(o.path, "/restore")
	for i, s := range segs {
		m := pathParam.FindString(s)
		if m == "" {
			continue
		}
		if pathID != "" {
			segs[i] = url.PathEscape(pathID)
			continue
		}
		kind := fuzzKinds[segs[i-1]]
		if m == "{user_id}" {
			kind = "user"
		}
		id, ok := tg.ids[kind+":victim"]
		if !victim || !ok {
			id = tg.ids[kind]
		}
		segs[i] = id
	}
	return strings.Join(segs, "/")
}

// fuzzKinds maps the path segment before a parameter to the kind of id it
// takes. Unknown segments get a site id.
var fuzzKinds = map[string]string{
	"sites": "site", "sectors": "sector", "users": "user", "api-keys": "api_key", "invitations": "invitation",
	"accounts": "account", "payments": "payment", "plans": "plan", "access": "user",
	"credit-purchases": "credit_purchase", "payment-incidents": "payment_incident",
}

// check sends one fuzz input and applies the rules to its answer.
func (tg *fuzzTarget) check(t *testing.T, route, as, pathID, query, contentType string, body []byte) {
	t.Helper()
	if !sendableHeader(contentType) {
		// net/http refuses to send it, so no server ever receives it.
		t.Skip("a Content-Type no HTTP client can send")
	}
	o := tg.op(route)
	pathID, query = tg.fromSeed.Replace(pathID), tg.fromSeed.Replace(query)
	body = []byte(tg.fromSeed.Replace(string(body)))
	path := tg.fill(o, pathID)
	if q, _ := url.ParseQuery(query); len(q) > 0 {
		path += "?" + q.Encode()
	}
	token := tg.token(o, as)
	if token == "" {
		t.Fatalf("%s: no token for %s", tg.name, o.key())
	}
	if o.path == "/api/v1/auth/logout" && tg.changed(t) {
		tg.rows = tg.snapshot(t) // the login just made a session
	}
	status, answer, err := tg.send(o.method, path, contentType, body, token)
	req := describe(o.method, path, contentType, body)
	if token == tg.key {
		req = "as the editor API key: " + req
	}
	if err != nil {
		t.Fatalf("%s: %s: %v", tg.name, req, err)
	}
	got := fmt.Sprintf("%d %s", status, clip(answer, 400))
	if status >= 500 {
		t.Errorf("%s: %s\n  answered %s", tg.name, req, got)
	}
	if status < 300 && o.body != nil && len(body) > 0 && !isJSONType(contentType) {
		t.Errorf("%s: %s\n  accepted a body that is not sent as JSON: %s", tg.name, req, got)
	}
	switch {
	case status < 300, status == 400, status == 413, status == 415, status == 422:
		tg.reached[o.key()] = true
	}
	tg.afterRequest(t, status, func(diff string) {
		t.Errorf("%s: %s\n  was refused (%s) but changed stored rows:\n%s", tg.name, req, got, diff)
	})
}

// afterRequest reads the rows again when the database moved, and calls
// refusedChanged with the difference when a refused request (4xx) changed
// any.
func (tg *fuzzTarget) afterRequest(t *testing.T, status int, refusedChanged func(diff string)) {
	t.Helper()
	if !tg.changed(t) {
		return
	}
	after := tg.snapshot(t)
	if status >= 400 && status < 500 {
		if diff := diffRows(tg.rows, after); diff != "" {
			refusedChanged(diff)
		}
	}
	tg.rows = after
}

// sendableHeader reports whether v can travel as a header value: no
// control byte other than a tab (what net/http checks before it sends).
func sendableHeader(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// isJSONType reports whether a Content-Type names JSON exactly (parameters
// such as charset allowed); no Content-Type at all is read as JSON too.
func isJSONType(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return ct == "" || mt == "application/json"
}

func (tg *fuzzTarget) send(method, path, contentType string, body []byte, token string) (int, []byte, error) {
	var rd io.Reader
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, tg.e.URL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// describe renders a request for a report: method, path, content type and
// body, long bodies shortened with their length and digest.
func describe(method, path, contentType string, body []byte) string {
	return fmt.Sprintf("%s %s\n  Content-Type: %q\n  body: %s", method, clip([]byte(path), 300), contentType, clip(body, 300))
}

func clip(b []byte, n int) string {
	if len(b) <= n {
		return fmt.Sprintf("%+q", b)
	}
	return fmt.Sprintf("%+q... (%d bytes, sha256 %x)", b[:n], len(b), sha256.Sum256(b))
}

// snapshot reads every stored row of every table, each rendered as one
// line of text, leaving out the columns that change by design on requests
// that are refused (snapshotSkip). It is one query (snapshotQuery), so
// that reading the rows after each request stays cheap.
func (tg *fuzzTarget) snapshot(tb testing.TB) map[string][]string {
	tb.Helper()
	if tg.snapQuery == "" {
		tg.snapQuery = snapshotQuery(tb, tg)
	}
	rows, err := tg.e.App.DB().SQL().Query(tg.snapQuery)
	if err != nil {
		tb.Fatalf("snapshot: %v", err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var table string
		var text sql.NullString
		if err := rows.Scan(&table, &text); err != nil {
			tb.Fatalf("snapshot: %v", err)
		}
		if text.String != "" {
			lines := strings.Split(text.String, "\x1e")
			sort.Strings(lines)
			out[table] = lines
		}
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("snapshot: %v", err)
	}
	return out
}

// snapshotQuery builds the query that renders every table: per table its
// name and its rows, each row its columns' text, rows apart by U+001E.
func snapshotQuery(tb testing.TB, tg *fuzzTarget) string {
	tb.Helper()
	db := tg.e.App.DB()
	pg := db.Dialect() == sqlstore.Postgres
	tablesQ := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	colsQ := `SELECT name FROM pragma_table_info(?) ORDER BY cid`
	if pg {
		tablesQ = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
		colsQ = `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`
	}
	var parts []string
	for _, table := range queryStrings(tb, tg, tablesQ) {
		if snapshotSkipTables[table] {
			continue
		}
		var cols []string
		for _, c := range queryStrings(tb, tg, colsQ, table) {
			if snapshotSkip[table+"."+c] {
				continue
			}
			if pg {
				cols = append(cols, fmt.Sprintf(`'%s=' || coalesce(quote_literal(%q::text), 'NULL')`, c, c))
			} else {
				cols = append(cols, fmt.Sprintf(`'%s=' || quote(%q)`, c, c))
			}
		}
		row := strings.Join(cols, ` || ' ' || `)
		agg := fmt.Sprintf(`group_concat(%s, char(30))`, row)
		if pg {
			agg = fmt.Sprintf(`string_agg(%s, chr(30))`, row)
		}
		parts = append(parts, fmt.Sprintf(`SELECT '%s', %s FROM %q`, table, agg, table))
	}
	sort.Strings(parts)
	return strings.Join(parts, "\nUNION ALL\n")
}

// snapshotSkip lists the columns a refused request may change by design:
// an API key's last use (the key is used on refused requests too; its
// buffered writes land whenever the flush job runs), and what a failed
// login counts: its e-mail's failures (login protection) and a wrong code
// against a login's challenge. Nothing else a refused request does is
// stored: the session logout ends is made before the rows are read.
var snapshotSkip = map[string]bool{"api_keys.last_used_at": true, "login_challenges.attempts": true}

// snapshotSkipTables are the tables whose rows a refused request may add
// by design: the first failed login of an e-mail.
var snapshotSkipTables = map[string]bool{"login_failures": true}

func queryStrings(tb testing.TB, tg *fuzzTarget, q string, args ...any) []string {
	tb.Helper()
	rows, err := tg.e.App.DB().SQL().Query(q, args...)
	if err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			tb.Fatal(err)
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// diffRows lists the rows of after that are not in before (+) and the
// other way round (-), table by table.
func diffRows(before, after map[string][]string) string {
	var b strings.Builder
	tables := map[string]bool{}
	for k := range before {
		tables[k] = true
	}
	for k := range after {
		tables[k] = true
	}
	var names []string
	for k := range tables {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, table := range names {
		was := map[string]int{}
		for _, r := range before[table] {
			was[r]++
		}
		for _, r := range after[table] {
			if was[r] > 0 {
				was[r]--
				continue
			}
			fmt.Fprintf(&b, "    + %s: %s\n", table, clipText(r))
		}
		for _, r := range before[table] {
			if was[r] > 0 {
				was[r]--
				fmt.Fprintf(&b, "    - %s: %s\n", table, clipText(r))
			}
		}
	}
	return b.String()
}

func clipText(s string) string {
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	if !utf8.ValidString(s) {
		return fmt.Sprintf("%+q", s)
	}
	return s
}
