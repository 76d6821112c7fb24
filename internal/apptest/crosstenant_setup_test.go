package apptest_test

import (
	"encoding/json"
	"net/http"
	"regexp"

	"github.com/igny8/igny8/internal/apptest"
)

// extendTenant gives tenant idx more principals when the API has the
// routes for them: its plan is raised (test setup, straight in the
// database) so that it may have several sites and users, then it gets a
// site, a site-bound API key, and an invited admin, editor and viewer.
func extendTenant(f *fuzzer, idx int, owner *apptest.User) {
	db := f.e.App.DB()
	if _, err := db.SQL().Exec(db.Rebind(`UPDATE accounts SET plan_id = (SELECT id FROM plans WHERE slug = ?) WHERE id = ?`),
		"scale", owner.AccountID); err != nil {
		f.t.Fatalf("raise plan: %v", err)
	}
	tn := f.tenants[idx]
	as := func(method, path string, body any) *apptest.Response {
		r := f.e.As(owner.Token, method, path, body)
		if r.Status < 300 {
			f.own(idx, uuidRe.FindAllString(string(r.Body), -1)...)
		}
		return r
	}
	site := as("POST", "/api/v1/sites", map[string]any{"name": tn.marker + " site", "domain": "https://" + tn.marker + ".example.com"})
	var s struct{ ID string }
	if site.Status == http.StatusCreated {
		site.JSON(f.t, &s)
		key := as("POST", "/api/v1/api-keys", map[string]any{"name": tn.marker + " key", "site_id": s.ID})
		if secret := findString(key.Body, regexp.MustCompile(`^igny8_`)); secret != "" {
			tn.principals = append(tn.principals, principal{role: "site key", header: [2]string{"X-API-Key", secret}})
		}
	}
	for _, role := range []string{"admin", "editor", "viewer"} {
		email := tn.marker + "-" + role + "@example.com"
		inv := as("POST", "/api/v1/account/users", map[string]any{"email": email, "name": tn.marker + " " + role, "role": role})
		token := findKey(inv.Body, "token")
		if token == "" {
			continue
		}
		if r := f.e.Do("POST", "/api/v1/auth/accept-invite", map[string]any{"token": token, "password": owner.Password}); r.Status >= 300 {
			f.t.Logf("accept invite: %s", r)
			continue
		}
		login := f.e.Login(email, owner.Password)
		if at := findKey(login.Body, "access_token"); at != "" {
			f.own(idx, uuidRe.FindAllString(string(login.Body), -1)...)
			tn.principals = append(tn.principals, principal{role: role, header: [2]string{"Authorization", "Bearer " + at}})
			if role == "editor" && s.ID != "" {
				var u struct{ User struct{ ID string } }
				login.JSON(f.t, &u)
				as("POST", "/api/v1/sites/"+s.ID+"/access", map[string]any{"user_id": u.User.ID})
			}
		}
	}
}

// findKey returns the first string value under key anywhere in a JSON body.
func findKey(raw []byte, key string) string {
	var v any
	_ = json.Unmarshal(raw, &v)
	var walk func(v any) string
	walk = func(v any) string {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x[key].(string); ok && s != "" {
				return s
			}
			for _, c := range x {
				if s := walk(c); s != "" {
					return s
				}
			}
		case []any:
			for _, c := range x {
				if s := walk(c); s != "" {
					return s
				}
			}
		}
		return ""
	}
	return walk(v)
}

// findString returns the longest string value in a JSON body matching re
// (an API key's secret, not its shorter display prefix).
func findString(raw []byte, re *regexp.Regexp) string {
	var v any
	_ = json.Unmarshal(raw, &v)
	best := ""
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if re.MatchString(x) && len(x) > len(best) {
				best = x
			}
		case map[string]any:
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return best
}
