package scaletest

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/sqlstore"
)

// loadStats counts a fault load's answers.
type loadStats struct {
	mu       sync.Mutex
	byStatus map[int]int
	bad      []string // 5xx answers that are not 503 problems, and other surprises
}

func (s *loadStats) add(r reply, allowed func(reply) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byStatus == nil {
		s.byStatus = map[int]int{}
	}
	s.byStatus[r.Status]++
	if !allowed(r) && len(s.bad) < 10 {
		s.bad = append(s.bad, r.String())
	}
}

// noInternals accepts any answer but a 5xx other than a 503
// service_unavailable problem, and a transport error (status 0).
func noInternals(r reply) bool {
	if r.Status == 0 || r.Status < 500 {
		return true
	}
	return r.Status == http.StatusServiceUnavailable && r.code() == "service_unavailable" &&
		strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json")
}

// aiLoad runs AI operations for accts through the instances until ctx
// ends, moving to the next instance when one does not answer.
func aiLoad(ctx context.Context, ins []*instance, accts []*account, stats *loadStats, allowed func(reply) bool) {
	var wg sync.WaitGroup
	for w, a := range accts {
		wg.Add(1)
		go func(w int, a *account) {
			defer wg.Done()
			for i := w; ctx.Err() == nil; i++ {
				r := call(ctx, ins[i%len(ins)].URL, "POST", "/api/v1/ai/operations", a.Token, map[string]any{
					"operation": "auto_cluster", "site_id": a.SiteID,
					"input": map[string]any{"keywords": []string{"fault", "tolerance"}}})
				if ctx.Err() == nil {
					stats.add(r, allowed)
				}
				if r.Status == 0 || r.Status == http.StatusServiceUnavailable {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}(w, a)
	}
	wg.Wait()
}

// setUpAccounts signs up n accounts with a site each, through ins.
func setUpAccounts(t *testing.T, ins []*instance, n int) []*account {
	t.Helper()
	accts := make([]*account, n)
	for i := range accts {
		a, err := signUp(t, ins[i%len(ins)].URL)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raceSites(ins[:1], a, 1); err != nil {
			t.Fatal(err)
		}
		a.SiteID, _ = firstSite(t, ins[0].URL, a)
		accts[i] = a
	}
	return accts
}

// TestKillInstanceMidLoad kills one of three instances with SIGKILL while
// AI operations and payment confirmations run through all three. No
// ledger change may be half made (ledger verify is clean) and every
// confirmation that was answered 200 must have its payment confirmed and
// its credits granted.
func TestKillInstanceMidLoad(t *testing.T) {
	pg, redis := needServices(t)
	ins := startCluster(t, 3, pg, redis, "--throttle", "off")
	if !hasRoute(t, ins[0].URL, "POST /api/v1/ai/operations") || !hasRoute(t, ins[0].URL, "POST /api/v1/sites") {
		t.Skip("AI operations or sites not served yet")
	}
	accts := setUpAccounts(t, ins, 6)
	billing := hasRoute(t, ins[0].URL, "POST /api/v1/admin/payments/{id}/confirm")
	var payments []string
	var dev string
	if billing {
		dev = developer(t, pg, ins[0].URL)
		payments = checkouts(t, ins[0], accts)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	var stats loadStats
	var confirmed []string
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); aiLoad(ctx, ins, accts, &stats, noInternals) }()
	go func() { defer wg.Done(); confirmed = confirmAll(ctx, ins, dev, payments) }()
	time.Sleep(1500 * time.Millisecond)
	ins[1].kill()
	wg.Wait()
	t.Logf("answers by status: %v; %d of %d payments confirmed", stats.byStatus, len(confirmed), len(payments))
	if len(stats.bad) > 0 {
		t.Errorf("internal errors during the kill: %v", stats.bad)
	}
	if code, out := runCLI(t, pg, "ledger", "verify"); code != 0 {
		t.Errorf("ledger verify after kill -9: exit %d: %s", code, out)
	}
	checkConfirmed(t, pg, confirmed)
}

// checkouts confirms every account's address through the link of its
// sign-up message (checkout needs it), starts a bank-transfer checkout for
// each and returns the pending payments' ids.
func checkouts(t *testing.T, in *instance, accts []*account) []string {
	t.Helper()
	var ids []string
	for _, a := range accts {
		confirmAddress(t, in, a)
		r := call(context.Background(), in.URL, "POST", "/api/v1/billing/checkout", a.Token,
			map[string]string{"plan": "starter", "payment_method": "bank_transfer"})
		var out struct {
			Payment struct{ ID string }
		}
		if r.Status/100 != 2 {
			t.Fatalf("checkout: %s", r)
		}
		r.decode(t, &out)
		ids = append(ids, out.Payment.ID)
	}
	return ids
}

// confirmAll confirms the payments one by one through the instances and
// returns those whose confirmation was answered 200.
func confirmAll(ctx context.Context, ins []*instance, dev string, payments []string) []string {
	var ok []string
	for i, id := range payments {
		time.Sleep(400 * time.Millisecond)
		r := call(ctx, ins[i%len(ins)].URL, "POST", "/api/v1/admin/payments/"+id+"/confirm", dev, map[string]string{})
		if r.Status == http.StatusOK {
			ok = append(ok, id)
		}
	}
	return ok
}

// checkConfirmed checks in the database that each payment is confirmed and
// granted its credits exactly once.
func checkConfirmed(t *testing.T, dbURL string, payments []string) {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), dbURL, sqlstore.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, id := range payments {
		var status string
		var grants int
		err := db.SQL().QueryRow(db.Rebind(`SELECT p.status, (SELECT COUNT(*) FROM credit_transactions c
			WHERE c.type = 'subscription' AND c.reference_id = p.id) FROM payments p WHERE p.id = ?`), id).Scan(&status, &grants)
		if err != nil || status != "confirmed" || grants != 1 {
			t.Errorf("payment %s answered confirmed: status %q, %d subscription grants, err %v", id, status, grants, err)
		}
	}
}

// readLoad sends GET /account for each account through the instances
// until ctx ends.
func readLoad(ctx context.Context, ins []*instance, accts []*account, stats *loadStats, allowed func(reply) bool) {
	var wg sync.WaitGroup
	for w, a := range accts {
		wg.Add(1)
		go func(w int, a *account) {
			defer wg.Done()
			for i := w; ctx.Err() == nil; i++ {
				r := call(ctx, ins[i%len(ins)].URL, "GET", "/api/v1/account", a.Token, nil)
				if ctx.Err() == nil {
					stats.add(r, allowed)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}(w, a)
	}
	wg.Wait()
}

// TestRedisOutage kills the Redis that two throttling instances share (a
// private redis-server, never the shared one) in the middle of load: they
// keep serving on their in-process limiters, with no 5xx and no dropped
// connection, and say so in /readyz.
func TestRedisOutage(t *testing.T) {
	pg, _ := needServices(t)
	redisURL, killRedis := privateRedis(t)
	ins := startCluster(t, 2, pg, redisURL, "--throttle", "on")
	if got := readyDetail(t, ins[0], "throttle"); got != "redis" {
		t.Fatalf("/readyz throttle detail = %q before the outage, want redis", got)
	}
	setup := startInstance(t, pg, "--throttle", "off") // sign-ups are not what is measured
	var accts []*account
	for i := 0; i < 4; i++ {
		a, err := signUp(t, setup.URL)
		if err != nil {
			t.Fatal(err)
		}
		accts = append(accts, a)
	}
	strict := func(r reply) bool { return r.Status == 200 || r.Status == 429 }
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var stats loadStats
	done := make(chan struct{})
	go func() { readLoad(ctx, ins, accts, &stats, strict); close(done) }()
	time.Sleep(time.Second)
	killRedis()
	<-done
	t.Logf("answers by status: %v", stats.byStatus)
	if len(stats.bad) > 0 {
		t.Errorf("answers other than 200 and 429 while Redis went away: %v", stats.bad)
	}
	for i, in := range ins {
		if got := readyDetail(t, in, "throttle"); got != "fallback" {
			t.Errorf("instance %d: /readyz throttle detail = %q with Redis gone, want fallback", i, got)
		}
	}
}

// TestPostgresRestart stops the database under load and starts it again:
// while it is down requests fail with 503 service_unavailable problems and
// nothing else of the 5xx kind, and the server recovers by itself. It
// uses a private PostgreSQL cluster in a temp folder, so that the shared
// server of the other tests is never touched.
func TestPostgresRestart(t *testing.T) {
	needServices(t)
	pg := newPrivatePostgres(t)
	in := startInstance(t, pg.url(), "--throttle", "off")
	var accts []*account
	for i := 0; i < 3; i++ {
		a, err := signUp(t, in.URL)
		if err != nil {
			t.Fatal(err)
		}
		accts = append(accts, a)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var stats loadStats
	done := make(chan struct{})
	go func() { readLoad(ctx, []*instance{in}, accts, &stats, noInternals); close(done) }()
	time.Sleep(500 * time.Millisecond)
	pg.stop(t)
	time.Sleep(1500 * time.Millisecond)
	pg.start(t)
	recovered := time.Now()
	for {
		r := call(context.Background(), in.URL, "GET", "/api/v1/account", accts[0].Token, nil)
		if r.Status == http.StatusOK {
			break
		}
		if time.Since(recovered) > 15*time.Second {
			t.Errorf("no recovery 15 s after PostgreSQL came back: %s", r)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("serving again %s after PostgreSQL came back", time.Since(recovered).Round(time.Millisecond))
	cancel()
	<-done
	t.Logf("answers by status: %v", stats.byStatus)
	if len(stats.bad) > 0 {
		t.Errorf("5xx other than 503 problems while PostgreSQL was down: %v\nserver log:\n%s", stats.bad, in.Logs())
	}
	if stats.byStatus[http.StatusServiceUnavailable] == 0 {
		t.Errorf("no 503 while PostgreSQL was down: %v", stats.byStatus)
	}
}
