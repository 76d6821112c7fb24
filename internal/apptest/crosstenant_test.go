package apptest_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// fuzzSteps is how many random requests the cross-tenant fuzz sends.
const fuzzSteps = 2000

var apiKeyRe = regexp.MustCompile(`^igny8_`)

var uuidRe = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// TestCrossTenantFuzz sends random sequences of requests from several
// accounts and roles over every route of /api/v1/openapi.json (so a new
// route is covered without touching this test), with ids of the caller's
// own account, of other accounts and made up ones, and checks after each
// that the answer holds nothing of another account: none of its ids, none
// of its names or emails (every name this test sends carries its account's
// marker), that a request naming another account's id never succeeds, and
// that nothing answers 5xx. IGNY8_FUZZ_SEED replays a run.
func TestCrossTenantFuzz(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("IGNY8_FUZZ_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (IGNY8_FUZZ_SEED=%d replays this run)", seed, seed)
	e := apptest.New(t, storetest.Backends()[0])
	f := newFuzzer(t, e, rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)))
	f.loadOps()
	f.learnPublic()
	for _, name := range []string{"Ardent", "Brisk", "Cobalt"} {
		f.addTenant(name)
	}
	for i := 0; i < fuzzSteps && !t.Failed(); i++ {
		f.step()
	}
	f.report()
}

// fuzzOp is one operation of the OpenAPI document.
type fuzzOp struct {
	method, path string
	public       bool
	body         map[string]any // resolved JSON schema of the body, nil for none
	// slow operations check a password (argon2id, tens of milliseconds);
	// at most maxSlow of them are sent.
	slow bool
}

const maxSlow = 20

// principal is one way of calling as an account: a person's token or an API key.
type principal struct {
	role   string
	header [2]string
}

type tenant struct {
	name, marker string
	principals   []principal
}

type fuzzer struct {
	t       *testing.T
	e       *apptest.Env
	rnd     *rand.Rand
	ops     []fuzzOp
	schemas map[string]any
	tenants []*tenant
	public  map[string]bool // ids anyone may see (plans, industries, ...)
	owner   map[string]int  // private id -> index of the tenant it belongs to
	byOwner map[int][]string
	stats   map[string]int
	slow    int
}

func newFuzzer(t *testing.T, e *apptest.Env, rnd *rand.Rand) *fuzzer {
	return &fuzzer{t: t, e: e, rnd: rnd, public: map[string]bool{}, owner: map[string]int{},
		byOwner: map[int][]string{}, stats: map[string]int{}}
}

// skipped are operations that would end the game rather than probe it.
var skipped = map[string]bool{
	"DELETE /api/v1/account":     true, // deletes the account being probed
	"POST /api/v1/auth/logout":   true, // ends the session the fuzzer calls with
	"POST /api/v1/auth/register": true, // tenants are made by addTenant
	"POST /api/v1/auth/refresh":  true,
}

// loadOps reads every operation of the served OpenAPI document.
func (f *fuzzer) loadOps() {
	r := f.e.Do("GET", "/api/v1/openapi.json", nil)
	var doc struct {
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	r.JSON(f.t, &doc)
	f.schemas = doc.Components.Schemas
	for path, methods := range doc.Paths {
		for method, op := range methods {
			m := strings.ToUpper(method)
			if skipped[m+" "+path] || !strings.HasPrefix(path, "/api/") {
				continue
			}
			o := fuzzOp{method: m, path: path}
			sec, _ := op["security"].([]any)
			o.public = len(sec) == 0
			if rb, ok := op["requestBody"].(map[string]any); ok {
				o.body = f.resolve(dig(rb, "content", "application/json", "schema"))
				_, o.slow = dig(o.body, "properties", "password").(map[string]any)
			}
			f.ops = append(f.ops, o)
		}
	}
	sort.Slice(f.ops, func(i, j int) bool { return f.ops[i].method+f.ops[i].path < f.ops[j].method+f.ops[j].path })
	if len(f.ops) < 5 {
		f.t.Fatalf("only %d operations in openapi.json", len(f.ops))
	}
}

// learnPublic records the ids that public GET routes show to anyone.
func (f *fuzzer) learnPublic() {
	for _, o := range f.ops {
		if o.public && o.method == "GET" && !strings.Contains(o.path, "{") {
			for _, id := range uuidRe.FindAllString(string(f.e.Do("GET", o.path, nil).Body), -1) {
				f.public[id] = true
			}
		}
	}
}

// addTenant signs up an account and gives it what principals the API
// offers: the owner, and (when the routes exist and the plan allows)
// invited users of the other roles and a site-bound API key.
func (f *fuzzer) addTenant(name string) {
	idx := len(f.tenants)
	tn := &tenant{name: name, marker: fmt.Sprintf("zq%dx%s", idx, strings.ToLower(name))}
	f.tenants = append(f.tenants, tn)
	owner := f.e.SignUp(tn.marker)
	f.own(idx, owner.ID, owner.AccountID)
	tn.principals = append(tn.principals, principal{role: "owner", header: [2]string{"Authorization", "Bearer " + owner.Token}})
	extendTenant(f, idx, owner)
}

// own records ids as belonging to tenant idx.
func (f *fuzzer) own(idx int, ids ...string) {
	for _, id := range ids {
		if _, seen := f.owner[id]; id == "" || seen || f.public[id] {
			continue
		}
		f.owner[id] = idx
		f.byOwner[idx] = append(f.byOwner[idx], id)
	}
}

// step sends one random request and checks its answer.
func (f *fuzzer) step() {
	o := f.ops[f.rnd.IntN(len(f.ops))]
	for o.slow && f.slow >= maxSlow {
		o = f.ops[f.rnd.IntN(len(f.ops))]
	}
	if o.slow {
		f.slow++
	}
	caller := f.rnd.IntN(len(f.tenants))
	tn := f.tenants[caller]
	p := tn.principals[f.rnd.IntN(len(tn.principals))]
	anonymous := o.public && f.rnd.IntN(2) == 0
	sent := map[string]int{} // foreign ids the request names
	path := pathParam.ReplaceAllStringFunc(o.path, func(string) string { return f.pickID(caller, sent) })
	var body any
	if o.body != nil {
		body = f.value(o.body, "", caller, tn, sent, 0)
	}
	var r *apptest.Response
	if anonymous {
		r = f.e.Do(o.method, path, body)
	} else {
		r = f.e.Do(o.method, path, body, p.header[0], p.header[1])
	}
	f.stats[fmt.Sprintf("%d", r.Status/100*100)]++
	f.check(o, path, anonymous, caller, p, sent, r)
}

var pathParam = regexp.MustCompile(`\{[a-z_]+\}`)

// pickID names an id of the caller's own account, another account's, or
// one that does not exist; foreign picks are noted in sent.
func (f *fuzzer) pickID(caller int, sent map[string]int) string {
	n := f.rnd.IntN(10)
	other := (caller + 1 + f.rnd.IntN(len(f.tenants)-1)) % len(f.tenants)
	switch {
	case n < 4 && len(f.byOwner[caller]) > 0:
		ids := f.byOwner[caller]
		return ids[f.rnd.IntN(len(ids))]
	case n < 9 && len(f.byOwner[other]) > 0:
		ids := f.byOwner[other]
		id := ids[f.rnd.IntN(len(ids))]
		sent[id] = other
		return id
	}
	return fmt.Sprintf("01900000-0000-7000-8000-%012d", f.rnd.IntN(1_000_000))
}

// check applies the isolation rules to one answer.
func (f *fuzzer) check(o fuzzOp, path string, anonymous bool, caller int, p principal, sent map[string]int, r *apptest.Response) {
	who := fmt.Sprintf("%s as %s of %s", o.method+" "+path, p.role, f.tenants[caller].name)
	if anonymous {
		who = o.method + " " + path + " anonymously"
	}
	if r.Status >= 500 {
		f.t.Errorf("%s: %s", who, r)
	}
	if len(sent) > 0 && r.Status < 300 {
		f.t.Errorf("%s named another account's id and succeeded: %s", who, r)
	}
	body := string(r.Body)
	for id := range sent {
		body = strings.ReplaceAll(body, id, "") // echoes of the request (problem "instance")
	}
	for _, id := range uuidRe.FindAllString(body, -1) {
		if owner, ok := f.owner[id]; ok && (anonymous || owner != caller) {
			f.t.Errorf("%s: answer holds id %s of account %s: %s", who, id, f.tenants[owner].name, r)
		}
	}
	for i, tn := range f.tenants {
		if (anonymous || i != caller) && strings.Contains(strings.ToLower(body), tn.marker) {
			f.t.Errorf("%s: answer holds data of account %s: %s", who, tn.name, r)
		}
	}
	if !anonymous && r.Status < 300 {
		f.own(caller, uuidRe.FindAllString(body, -1)...)
	}
}

func (f *fuzzer) report() {
	var parts []string
	for k, v := range f.stats {
		parts = append(parts, fmt.Sprintf("%sx: %d", k[:1], v))
	}
	sort.Strings(parts)
	var roles []string
	for _, p := range f.tenants[0].principals {
		roles = append(roles, p.role)
	}
	f.t.Logf("%d requests over %d operations, %d tenants as %s, %d private ids; statuses %s",
		fuzzSteps, len(f.ops), len(f.tenants), strings.Join(roles, ", "), len(f.owner), strings.Join(parts, ", "))
	if f.stats["200"] == 0 {
		f.t.Error("no request succeeded: the fuzz probes nothing")
	}
}

// dig walks nested JSON objects.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// resolve follows a $ref into the document's schemas.
func (f *fuzzer) resolve(s any) map[string]any {
	m, _ := s.(map[string]any)
	if ref, ok := m["$ref"].(string); ok {
		m, _ = f.schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
	}
	return m
}

// value makes a random value for schema s of a field named name.
func (f *fuzzer) value(s map[string]any, name string, caller int, tn *tenant, sent map[string]int, depth int) any {
	s = f.resolve(s)
	switch s["type"] {
	case "object":
		out := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		for k, ps := range props {
			if f.rnd.IntN(5) > 0 && depth < 3 {
				out[k] = f.value(f.resolve(ps), k, caller, tn, sent, depth+1)
			}
		}
		return out
	case "array":
		var out []any
		for i := f.rnd.IntN(3) + 1; i > 0; i-- {
			out = append(out, f.value(f.resolve(s["items"]), name, caller, tn, sent, depth+1))
		}
		return out
	case "integer", "number":
		return f.rnd.IntN(60) - 5
	case "boolean":
		return f.rnd.IntN(2) == 0
	}
	return f.stringFor(name, caller, tn, sent)
}

// stringFor makes a plausible string for a field, carrying the caller's
// marker wherever it is free text.
func (f *fuzzer) stringFor(name string, caller int, tn *tenant, sent map[string]int) string {
	tag := fmt.Sprintf("%s-%d", tn.marker, f.rnd.IntN(1000))
	switch {
	case name == "id" || strings.HasSuffix(name, "_id"):
		return f.pickID(caller, sent)
	case name == "email":
		return tag + "@example.com"
	case strings.Contains(name, "password"):
		return "a long and unusual passphrase"
	case name == "role":
		return []string{"admin", "editor", "viewer", "owner", "developer"}[f.rnd.IntN(5)]
	case name == "operation":
		return []string{"auto_cluster", "generate_ideas", "generate_content", "generate_images", "optimize_content"}[f.rnd.IntN(5)]
	case name == "plan":
		return []string{"starter", "growth", "scale", "enterprise", "free"}[f.rnd.IntN(5)]
	case name == "payment_method":
		return []string{"bank_transfer", "stripe", "paypal"}[f.rnd.IntN(3)]
	case name == "domain" || strings.HasSuffix(name, "url"):
		return "https://" + tag + ".example.com"
	case strings.HasSuffix(name, "_at"):
		return time.Now().Add(time.Duration(f.rnd.IntN(100)-20) * 24 * time.Hour).UTC().Format(time.RFC3339)
	}
	return tag
}
