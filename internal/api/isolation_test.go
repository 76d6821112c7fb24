package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// The isolation walk: every route of the OpenAPI document (the same table
// that builds the router) that takes a path parameter, or a site, sector or
// user id in its body, is called by outsiders holding the ids of a fully
// populated account A. Each answer
// must be the very answer a made-up id gets (so nothing can be inferred),
// must be 404 not_found or a role refusal (403 forbidden), and A's rows
// must not change. Routes added later by anyone are walked too; a new kind
// of id only needs a line in idKinds and a row in populate.

// adminOnly lists the route prefixes that are not tenant-scoped: they are
// for developers, who act across accounts by design. Tenants are refused
// there by role (403 forbidden) before any lookup, which the walk checks
// instead of not_found.
var adminOnly = []string{"/api/v1/admin/"}

// idKinds maps the path segment before a parameter to the kind of id it
// takes. Unknown segments use a site id.
var idKinds = map[string]string{
	"sites": "site", "sectors": "sector", "users": "user", "access": "user", "api-keys": "api_key",
	"payments": "payment", "subscriptions": "subscription", "invitations": "invitation",
	"accounts": "account", "plans": "plan", "transactions": "credit_transaction", "usage": "usage",
}

// bodyValues are request body values that pass validation, so that a
// route's lookup (not its input check) decides the answer.
func bodyValues(a *populated) map[string]any {
	return map[string]any{
		"name": "Isolation check", "slug": "isolation-check", "domain": "https://isolation.example.com",
		"industry_id": a.ids["industry"], "industry_sector_id": a.ids["industry_sector"], "user_id": a.ids["user"],
		"site_id": a.ids["site"], "sector_id": a.ids["sector"], "email": "isolation@example.com",
		"password": "a long and unusual passphrase", "role": "viewer", "amount": 1, "description": "isolation",
		"reason": "isolation", "plan": "growth", "payment_method": "bank_transfer", "is_active": true,
		"operation": "auto_cluster", "input": map[string]any{"keywords": []string{"isolation"}},
	}
}

// populated is account A with one row of every kind it can own.
type populated struct {
	owner  *apptest.User
	editor *apptest.User
	viewer *apptest.User
	// ids by kind; "site" and "sector" are the site (and its sector) that
	// the editor and viewer were not granted; "site:deleted" and
	// "sector:deleted" are restorable rows.
	ids map[string]string
}

func populate(t *testing.T, e *apptest.Env) *populated {
	t.Helper()
	a := &populated{owner: e.SignUp("Alpha"), ids: map[string]string{}}
	setSitePlan(t, e, a.owner.AccountID, "enterprise")
	industry, secs, _ := firstIndustry(t, e)
	a.ids["industry"], a.ids["industry_sector"], a.ids["account"] = industry, secs[0], a.owner.AccountID
	mk := func(path string, body map[string]any) string {
		r := e.As(a.owner.Token, "POST", path, body)
		if r.Status != http.StatusCreated {
			t.Fatalf("populate %s: %s", path, r)
		}
		id, _ := r.Map(t)["id"].(string)
		return id
	}
	site := func(name string) string {
		return mk("/api/v1/sites", map[string]any{"name": name, "industry_id": industry})
	}
	granted, hidden, deleted := site("Granted"), site("Hidden"), site("Deleted")
	a.ids["site:granted"], a.ids["site"], a.ids["site:deleted"] = granted, hidden, deleted
	a.ids["sector"] = mk("/api/v1/sites/"+hidden+"/sectors", map[string]any{"industry_sector_id": secs[0]})
	a.ids["sector:deleted"] = mk("/api/v1/sites/"+hidden+"/sectors", map[string]any{"industry_sector_id": secs[1]})
	mk("/api/v1/sites/"+granted+"/sectors", map[string]any{"industry_sector_id": secs[0]})
	for _, p := range []string{"/api/v1/sites/" + deleted, "/api/v1/sectors/" + a.ids["sector:deleted"]} {
		if r := e.As(a.owner.Token, "DELETE", p, nil); r.Status != http.StatusNoContent {
			t.Fatalf("populate delete %s: %s", p, r)
		}
	}
	a.editor = e.RawMember(a.owner.AccountID, igny8.RoleEditor)
	a.viewer = e.RawMember(a.owner.AccountID, igny8.RoleViewer)
	a.ids["user"] = a.editor.ID
	for _, u := range []*apptest.User{a.editor, a.viewer} {
		mk("/api/v1/sites/"+granted+"/access", map[string]any{"user_id": u.ID})
	}
	populateRaw(t, e, a)
	return a
}

// populateRaw writes the rows other areas own (keys, billing,
// invitations) directly, so that their routes have real ids to walk.
func populateRaw(t *testing.T, e *apptest.Env, a *populated) {
	t.Helper()
	now := time.Now().UTC()
	acct := a.owner.AccountID
	ids := map[string]string{"api_key": sqlstore.NewID(), "subscription": sqlstore.NewID(), "payment": sqlstore.NewID(),
		"invitation": sqlstore.NewID()}
	sqlExec(t, e, `INSERT INTO api_keys (id, account_id, role, name, prefix, secret_hash, created_at) VALUES (?, ?, 'editor', 'k', ?, 'x', ?)`,
		ids["api_key"], acct, "iso"+ids["api_key"][:8], now)
	sqlExec(t, e, `INSERT INTO subscriptions (id, account_id, plan_id, status, payment_method, created_at, updated_at)
		VALUES (?, ?, (SELECT id FROM plans WHERE slug = 'growth'), 'pending_payment', 'bank_transfer', ?, ?)`, ids["subscription"], acct, now, now)
	sqlExec(t, e, `INSERT INTO payments (id, account_id, subscription_id, plan_id, amount, currency, method, status, reference, created_at, updated_at)
		VALUES (?, ?, ?, (SELECT id FROM plans WHERE slug = 'growth'), 13900, 'USD', 'bank_transfer', 'pending', ?, ?, ?)`,
		ids["payment"], acct, ids["subscription"], "ISO-"+ids["payment"], now, now)
	sqlExec(t, e, `INSERT INTO invitations (id, account_id, email, role, token_hash, invited_by, expires_at, created_at)
		VALUES (?, ?, 'invitee@example.com', 'viewer', ?, ?, ?, ?)`, ids["invitation"], acct, "h"+ids["invitation"], a.owner.ID, now.Add(time.Hour), now)
	for k, v := range ids {
		a.ids[k] = v
	}
	a.ids["plan"] = "growth"
}

// walkRoute is one route of the OpenAPI document that takes an id: in its
// path, or in its body (refs names the body's id fields).
type walkRoute struct {
	method, path string
	body         map[string]any
	refs         []string
}

// bodyRefs maps the request body fields that hold ids to their kinds.
var bodyRefs = map[string]string{"site_id": "site", "sector_id": "sector", "user_id": "user"}

var pathParams = regexp.MustCompile(`\{([a-z_]+)\}`)

// idRoutes reads the OpenAPI document and returns every operation whose
// path has a parameter or whose body refers to a site, sector or user,
// with a valid-looking body built from its schema.
func idRoutes(t *testing.T, e *apptest.Env, values map[string]any) []walkRoute {
	t.Helper()
	var doc struct {
		Paths      map[string]map[string]map[string]any
		Components struct{ Schemas map[string]map[string]any }
	}
	r := e.Do("GET", "/api/v1/openapi.json", nil)
	r.JSON(t, &doc)
	var out []walkRoute
	for path, ops := range doc.Paths {
		for method, op := range ops {
			rt := walkRoute{method: strings.ToUpper(method), path: path, body: requestBody(op, doc.Components.Schemas, values)}
			for field := range rt.body {
				if _, ok := bodyRefs[field]; ok {
					rt.refs = append(rt.refs, field)
				}
			}
			if pathParams.MatchString(path) || len(rt.refs) > 0 {
				out = append(out, rt)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path+out[i].method < out[j].path+out[j].method })
	return out
}

// requestBody builds a body for op from its schema's properties: known
// field names get valid values, others a value of their type.
func requestBody(op map[string]any, schemas map[string]map[string]any, values map[string]any) map[string]any {
	rb, ok := op["requestBody"].(map[string]any)
	if !ok {
		return nil
	}
	schema := dig(rb, "content", "application/json", "schema")
	if ref, ok := schema["$ref"].(string); ok {
		schema = schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
	}
	body := map[string]any{}
	props, _ := schema["properties"].(map[string]any)
	for name, p := range props {
		if v, ok := values[name]; ok {
			body[name] = v
			continue
		}
		prop, _ := p.(map[string]any)
		if prop["format"] == "date-time" {
			body[name] = time.Now().UTC().Add(48 * time.Hour).Format(time.RFC3339)
			continue
		}
		switch typ, _ := prop["type"].(string); typ {
		case "integer", "number":
			body[name] = 1
		case "boolean":
			body[name] = true
		case "array":
			body[name] = []any{}
		case "object", "":
			body[name] = map[string]any{}
		default:
			body[name] = "isolation"
		}
	}
	return body
}

func dig(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m, _ = m[k].(map[string]any)
	}
	return m
}

// fill puts ids into a path pattern: each parameter takes the id of its
// kind (the deleted variant on restore routes). ok is false when a
// parameter's kind is not in ids.
func fill(path string, ids map[string]string) (string, bool) {
	ok := true
	segs := strings.Split(path, "/")
	restore := strings.HasSuffix(path, "/restore")
	for i, s := range segs {
		m := pathParams.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		kind := "site"
		if m[1] == "user_id" {
			kind = "user"
		} else if k, known := idKinds[segs[i-1]]; known {
			kind = k
		}
		id, found := ids[kind+":deleted"]
		if !restore || !found {
			id, found = ids[kind]
		}
		if !found {
			ok = false
		}
		segs[i] = id
	}
	return strings.Join(segs, "/"), ok
}

// madeUp is an id set where every id exists nowhere.
func madeUp(ids map[string]string) map[string]string {
	out := map[string]string{}
	for k := range ids {
		out[k] = sqlstore.NewID()
	}
	return out
}

// outsider walks the routes as one principal with the given ids and checks
// that each answer equals the made-up id answer and reveals nothing.
func outsider(t *testing.T, e *apptest.Env, name, token string, routes []walkRoute, ids map[string]string) int {
	t.Helper()
	fake := madeUp(ids)
	walked := 0
	for _, rt := range routes {
		real, ok := fill(rt.path, ids)
		realBody, bodyOK := withRefs(rt, ids)
		if !ok || (!pathParams.MatchString(rt.path) && !bodyOK) {
			continue
		}
		ghost, _ := fill(rt.path, fake)
		ghostBody, _ := withRefs(rt, fake)
		got := e.As(token, rt.method, real, realBody)
		ref := e.As(token, rt.method, ghost, ghostBody)
		walked++
		label := fmt.Sprintf("%s: %s %s", name, rt.method, rt.path)
		if got.Status != ref.Status || got.Code() != ref.Code() {
			t.Errorf("%s: A's id answers %s but a made-up id %s", label, got, ref)
			continue
		}
		if !refused(rt, got) {
			t.Errorf("%s: got %s, want not_found or a refusal", label, got)
		}
	}
	return walked
}

// refused reports whether an outsider's answer reveals nothing: not_found
// or a role refusal on a path id; for an id in the body (nothing in the
// path to be missing) a validation error naming that field is as good.
func refused(rt walkRoute, r *apptest.Response) bool {
	switch r.Code() {
	case igny8.EForbidden:
		return true
	case igny8.ENotFound:
		return !isAdminOnly(rt.path)
	case igny8.EValidation:
		return !pathParams.MatchString(rt.path) && namesRef(r, rt.refs)
	}
	return false
}

// namesRef reports whether a validation problem is about one of refs.
func namesRef(r *apptest.Response, refs []string) bool {
	var p struct{ Errors []struct{ Field string } }
	_ = json.Unmarshal(r.Body, &p)
	for _, f := range p.Errors {
		for _, ref := range refs {
			if f.Field == ref {
				return true
			}
		}
	}
	return false
}

// withRefs returns rt's body with its id fields taken from ids; ok is
// false when a field's kind is not in ids (the route is not about them).
func withRefs(rt walkRoute, ids map[string]string) (any, bool) {
	if rt.body == nil {
		return nil, len(rt.refs) > 0
	}
	body := map[string]any{}
	for k, v := range rt.body {
		body[k] = v
	}
	ok := len(rt.refs) > 0
	for _, field := range rt.refs {
		if id, found := ids[bodyRefs[field]]; found {
			body[field] = id
		} else {
			ok = false
		}
	}
	return body, ok
}

func isAdminOnly(path string) bool {
	for _, p := range adminOnly {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// accountRows renders every row account A owns, to compare before and
// after the walk (an API key's last use is left out: the walk uses one).
func accountRows(t *testing.T, e *apptest.Env, accountID string) string {
	t.Helper()
	db := e.App.DB()
	var b strings.Builder
	for _, q := range []string{`SELECT * FROM accounts WHERE id = ?`, `SELECT * FROM users WHERE account_id = ?`,
		`SELECT * FROM sites WHERE account_id = ?`, `SELECT * FROM sectors WHERE account_id = ?`,
		`SELECT * FROM site_user_access WHERE account_id = ?`, `SELECT id, site_id, role, name, prefix, secret_hash, expires_at, revoked_at FROM api_keys WHERE account_id = ?`,
		`SELECT * FROM invitations WHERE account_id = ?`, `SELECT * FROM credit_transactions WHERE account_id = ?`,
		`SELECT * FROM credit_usage_logs WHERE account_id = ?`, `SELECT * FROM subscriptions WHERE account_id = ?`,
		`SELECT * FROM payments WHERE account_id = ?`, `SELECT * FROM audit_events WHERE account_id = ?`} {
		rows, err := db.SQL().Query(db.Rebind(q+` ORDER BY 1`), accountID)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if raw, ok := v.([]byte); ok {
					vals[i] = string(raw)
				}
			}
			fmt.Fprintf(&b, "%s %v\n", q, vals)
		}
		rows.Close()
	}
	return b.String()
}

// siteBoundKey makes an editor API key bound to A's granted site, when the
// API has API keys, and checks that it reaches that site. It returns ""
// when there is no API key route.
func siteBoundKey(t *testing.T, e *apptest.Env, a *populated) string {
	t.Helper()
	r := e.As(a.owner.Token, "POST", "/api/v1/api-keys", map[string]any{"name": "Plugin", "role": "editor",
		"site_id": a.ids["site:granted"]})
	if r.Status == http.StatusNotFound {
		t.Log("no POST /api/v1/api-keys: the site-bound key walk is skipped")
		return ""
	}
	var out struct{ Key string }
	r.JSON(t, &out)
	if r.Status != http.StatusCreated || !strings.HasPrefix(out.Key, "igny8_") {
		t.Fatalf("create a site-bound API key: %s", r)
	}
	if r := e.As(out.Key, "GET", "/api/v1/sites/"+a.ids["site:granted"], nil); r.Status != http.StatusOK {
		t.Fatalf("site-bound key on its own site: %s", r)
	}
	return out.Key
}

func TestIsolationWalksEveryRouteWithAnID(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		a := populate(t, e)
		routes := idRoutes(t, e, bodyValues(a))
		if len(routes) < 10 {
			t.Fatalf("only %d routes with path parameters in the OpenAPI document", len(routes))
		}
		key := siteBoundKey(t, e, a)
		intruder := e.SignUp("Bravo")
		setSitePlan(t, e, intruder.AccountID, "enterprise")
		before := accountRows(t, e, a.owner.AccountID)

		if n := outsider(t, e, "another account's owner", intruder.Token, routes, a.ids); n != len(routes) {
			t.Errorf("walked %d of %d routes", n, len(routes))
		}
		// Editors and viewers of A, on the site they were not granted: only
		// the routes whose ids are all of that site's kinds apply.
		siteIDs := map[string]string{}
		for _, k := range []string{"site", "sector", "site:deleted", "sector:deleted", "industry", "industry_sector"} {
			siteIDs[k] = a.ids[k]
		}
		for _, u := range []*apptest.User{a.editor, a.viewer} {
			if n := outsider(t, e, "ungranted "+u.Email, u.Token, routes, siteIDs); n < 8 {
				t.Errorf("%s walked only %d site routes", u.Email, n)
			}
		}
		if key != "" {
			if n := outsider(t, e, "API key bound to another site", key, routes, siteIDs); n < 8 {
				t.Errorf("the site-bound key walked only %d site routes", n)
			}
		}
		if after := accountRows(t, e, a.owner.AccountID); after != before {
			t.Fatalf("outsiders changed account A's rows:\nbefore:\n%s\nafter:\n%s", before, after)
		}
		// The granted site is really reachable for the editor: the walk's
		// not_found answers come from the grant, not from a broken setup.
		if r := e.As(a.editor.Token, "GET", "/api/v1/sites/"+a.ids["site:granted"], nil); r.Status != http.StatusOK {
			t.Fatalf("editor on granted site: %s", r)
		}
	})
}
