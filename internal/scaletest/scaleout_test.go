package scaletest

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// startCluster runs n instances on one database and one Redis.
func startCluster(t *testing.T, n int, dbURL, redisURL string, args ...string) []*instance {
	t.Helper()
	ins := make([]*instance, n)
	for i := range ins {
		ins[i] = startInstance(t, dbURL, append([]string{"--redis-url", redisURL}, args...)...)
	}
	return ins
}

// TestScaleOut runs a mixed workload over many accounts through three
// instances on one PostgreSQL and one Redis: sign-ups, logins, sites raced
// up to the plan limit, AI operations until the credits run out. Then the
// ledger verifies clean, no plan limit was passed, every instance accepts
// every instance's tokens, and whatever is changed through one instance is
// in force on every other on its very next request: a renamed site, a
// revoked API key, a changed role, a logout, a suspension.
func TestScaleOut(t *testing.T) {
	pg, redis := needServices(t)
	ins := startCluster(t, 3, pg, redis, "--throttle", "off")
	sites := hasRoute(t, ins[0].URL, "POST /api/v1/sites")
	ai := hasRoute(t, ins[0].URL, "POST /api/v1/ai/operations")
	if !sites || !ai {
		t.Logf("routes not served yet, parts skipped: sites %v, ai operations %v", sites, ai)
	}
	const accounts = 8
	accts := make([]*account, accounts)
	var wg sync.WaitGroup
	for i := range accts {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			a, err := tenantWorkload(t, ins, i, sites, ai)
			if err != nil {
				t.Error(err)
			}
			accts[i] = a
		}(i)
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if hasCommand(t, "ledger") {
		if code, out := runCLI(t, pg, "ledger", "verify"); code != 0 {
			t.Errorf("ledger verify after the workload: exit %d: %s", code, out)
		}
	} else {
		t.Log("igny8 ledger verify not there yet: skipped")
	}
	if sites {
		checkSiteListsAgree(t, ins, accts[1])
	}
	dev := developer(t, pg, ins[0].URL)
	checkKeyRevocation(t, ins, accts[2])
	checkRoleChange(t, ins, dev, accts[3])
	checkSuspension(t, ins, dev, accts[0])
}

// atOnce sends one request to every instance and fails the test for each
// that does not answer want (a status, or an error code when code is set):
// one request each, no retry, so a change must be in force everywhere on
// the very next request.
func atOnce(t *testing.T, ins []*instance, what, method, path, token string, want int, code string) {
	t.Helper()
	for i, in := range ins {
		r := call(context.Background(), in.URL, method, path, token, nil)
		if r.Status != want || (code != "" && r.code() != code) {
			t.Errorf("%s: instance %d answered %s, want %d %s on the next request", what, i, r, want, code)
		}
	}
}

// checkKeyRevocation revokes an API key through one instance after every
// instance has served it: the next request with it fails everywhere.
func checkKeyRevocation(t *testing.T, ins []*instance, a *account) {
	t.Helper()
	r := call(context.Background(), ins[0].URL, "POST", "/api/v1/api-keys", a.Token, map[string]string{"name": "plugin"})
	var key struct{ ID, Key string }
	if r.Status != http.StatusCreated {
		t.Fatalf("create API key: %s", r)
	}
	r.decode(t, &key)
	atOnce(t, ins, "API key before revocation", "GET", "/api/v1/sites", key.Key, http.StatusOK, "")
	if r := call(context.Background(), ins[1].URL, "DELETE", "/api/v1/api-keys/"+key.ID, a.Token, nil); r.Status != http.StatusNoContent {
		t.Fatalf("revoke API key: %s", r)
	}
	atOnce(t, ins, "revoked API key", "GET", "/api/v1/sites", key.Key, http.StatusUnauthorized, "unauthenticated")
}

// checkRoleChange moves a onto a plan with room for a second user, invites
// an admin, and demotes them to viewer through one instance: the next
// request that needs admin is refused everywhere. Then the member logs
// out through another instance, and their token is refused everywhere.
func checkRoleChange(t *testing.T, ins []*instance, dev string, a *account) {
	t.Helper()
	payment := checkouts(t, ins[0], []*account{a})[0]
	if r := call(context.Background(), ins[1].URL, "POST", "/api/v1/admin/payments/"+payment+"/confirm", dev, map[string]string{}); r.Status != http.StatusOK {
		t.Fatalf("confirm payment: %s", r)
	}
	r := call(context.Background(), ins[0].URL, "POST", "/api/v1/account/users", a.Token,
		map[string]string{"email": fmt.Sprintf("member-%d@example.com", seq.Add(1)), "role": "admin"})
	if r.Status != http.StatusCreated {
		t.Fatalf("invite: %s", r)
	}
	var inv struct{ Token string }
	r.decode(t, &inv)
	r = call(context.Background(), ins[2].URL, "POST", "/api/v1/auth/accept-invite", "", map[string]string{"token": inv.Token, "password": password})
	if r.Status != http.StatusCreated {
		t.Fatalf("accept invitation: %s", r)
	}
	var member struct {
		AccessToken string `json:"access_token"`
		User        struct{ ID string }
	}
	r.decode(t, &member)
	atOnce(t, ins, "admin before the role change", "GET", "/api/v1/api-keys", member.AccessToken, http.StatusOK, "")
	if r := call(context.Background(), ins[0].URL, "PATCH", "/api/v1/account/users/"+member.User.ID, a.Token,
		map[string]string{"role": "viewer"}); r.Status != http.StatusOK {
		t.Fatalf("change role: %s", r)
	}
	atOnce(t, ins, "admin demoted to viewer", "GET", "/api/v1/api-keys", member.AccessToken, http.StatusForbidden, "")
	atOnce(t, ins, "viewer before logout", "GET", "/api/v1/auth/me", member.AccessToken, http.StatusOK, "")
	if r := call(context.Background(), ins[1].URL, "POST", "/api/v1/auth/logout", member.AccessToken, map[string]string{}); r.Status/100 != 2 {
		t.Fatalf("logout: %s", r)
	}
	atOnce(t, ins, "token after logout", "GET", "/api/v1/auth/me", member.AccessToken, http.StatusUnauthorized, "unauthenticated")
}

// checkSiteListsAgree renames a's first site through one instance after
// every instance has listed a's sites: every instance lists the new name
// on its very next request.
func checkSiteListsAgree(t *testing.T, ins []*instance, a *account) {
	t.Helper()
	names := func(in *instance) []string {
		var page struct{ Items []struct{ ID, Name string } }
		call(context.Background(), in.URL, "GET", "/api/v1/sites", a.Token, nil).decode(t, &page)
		var out []string
		for _, s := range page.Items {
			if s.ID == a.SiteID {
				out = append(out, s.Name)
			}
		}
		return out
	}
	for _, in := range ins {
		if got := names(in); len(got) != 1 {
			t.Fatalf("site %s listed as %q on %s", a.SiteID, got, in.URL)
		}
	}
	if r := call(context.Background(), ins[0].URL, "PATCH", "/api/v1/sites/"+a.SiteID, a.Token,
		map[string]string{"name": "Renamed through one"}); r.Status != http.StatusOK {
		t.Fatalf("rename: %s", r)
	}
	for i, in := range ins {
		if got := names(in); len(got) != 1 || got[0] != "Renamed through one" {
			t.Errorf("instance %d lists %q on the next request after the rename", i, got)
		}
	}
}

// tenantWorkload is one account's share of the workload, through all the
// instances.
func tenantWorkload(t *testing.T, ins []*instance, i int, sites, ai bool) (*account, error) {
	a, err := signUp(t, ins[i%len(ins)].URL)
	if err != nil {
		return nil, err
	}
	for _, in := range ins { // a token from one instance works on every other
		if r := call(context.Background(), in.URL, "GET", "/api/v1/auth/me", a.Token, nil); r.Status != http.StatusOK {
			t.Errorf("token of %s on %s: %s", ins[i%len(ins)].URL, in.URL, r)
		}
	}
	tok, err := login(t, ins[(i+1)%len(ins)].URL, a.Email, password)
	if err != nil {
		return nil, err
	}
	if r := call(context.Background(), ins[(i+2)%len(ins)].URL, "GET", "/api/v1/account", tok, nil); r.Status != http.StatusOK {
		t.Errorf("login token on another instance: %s", r)
	}
	if !sites {
		return a, nil
	}
	created, err := raceSites(ins, a, a.MaxSites+5)
	if err != nil {
		return nil, err
	}
	var n int
	a.SiteID, n = firstSite(t, ins[i%len(ins)].URL, a)
	if created != a.MaxSites || n != a.MaxSites {
		t.Errorf("account %d: %d sites created and %d listed, plan allows %d", i, created, n, a.MaxSites)
	}
	if !ai || a.SiteID == "" {
		return a, nil
	}
	used, err := spendCredits(ins, a, 3)
	if err != nil {
		return nil, err
	}
	if got := balance(t, ins[0].URL, a); got != a.Credits-used || got < 0 {
		t.Errorf("account %d: balance %d after using %d of %d credits", i, got, used, a.Credits)
	}
	return a, nil
}

// checkSuspension suspends a through the first instance after every
// instance has served a: every instance refuses a's token on its very next
// request.
func checkSuspension(t *testing.T, ins []*instance, dev string, a *account) {
	t.Helper()
	atOnce(t, ins, "before suspension", "GET", "/api/v1/sites", a.Token, http.StatusOK, "")
	r := call(context.Background(), ins[0].URL, "POST", "/api/v1/admin/accounts/"+a.ID+"/suspend", dev,
		map[string]string{"reason": "scale test"})
	if r.Status != http.StatusOK {
		t.Fatalf("suspend: %s", r)
	}
	atOnce(t, ins, "suspended account", "GET", "/api/v1/sites", a.Token, http.StatusForbidden, "account_suspended")
}

// hasCommand reports whether the igny8 binary has a subcommand.
func hasCommand(t *testing.T, name string) bool {
	t.Helper()
	out, err := exec.Command(binary(t), name, "--help").CombinedOutput()
	return err == nil && !strings.Contains(string(out), "unknown command")
}

// TestSharedThrottle checks that three instances on one Redis enforce one
// budget per account: a burst sent round-robin through all three gets what
// one budget allows, not three budgets' worth.
func TestSharedThrottle(t *testing.T) {
	pg, redis := needServices(t)
	ins := startCluster(t, 3, pg, redis, "--throttle", "on")
	a, err := signUp(t, ins[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	first := call(context.Background(), ins[0].URL, "GET", "/api/v1/account", a.Token, nil)
	limit, _ := strconv.Atoi(first.Header.Get("RateLimit-Limit"))
	remaining, err := strconv.Atoi(first.Header.Get("RateLimit-Remaining"))
	if first.Status != http.StatusOK || err != nil || limit == 0 {
		t.Fatalf("first request: %s (RateLimit-Limit %q, RateLimit-Remaining %q)", first,
			first.Header.Get("RateLimit-Limit"), first.Header.Get("RateLimit-Remaining"))
	}
	burst := remaining + 1
	allowed, refused := 1, map[int]int{}
	for i := 1; i < 3*burst+30; i++ {
		r := call(context.Background(), ins[i%3].URL, "GET", "/api/v1/account", a.Token, nil)
		switch {
		case r.Status == http.StatusOK:
			allowed++
		case r.Status == http.StatusTooManyRequests && r.code() == "rate_limited" && r.Header.Get("Retry-After") != "":
			refused[i%3]++
		default:
			t.Fatalf("request %d: %s", i, r)
		}
	}
	refill := int(time.Since(start).Seconds()*float64(limit)/60) + 1
	t.Logf("burst %d, %d/min: %d allowed, refused per instance %v", burst, limit, allowed, refused)
	if allowed > burst+refill {
		t.Errorf("%d requests allowed through three instances; one shared budget allows %d", allowed, burst+refill)
	}
	if len(refused) != 3 {
		t.Errorf("every instance should refuse once the shared budget is spent: %v", refused)
	}
}
