// Command mixed is the load driver of bench/run.sh: it makes a population
// of accounts through a running igny8's API (-phase seed) and then drives a
// mixed workload over them (-phase run), printing per route class the
// requests per second, p50 and p99 latency and the server's CPU time per
// request, beside the bare and floor yardsticks of bench/bare.
//
// The seed phase, run against a server with a cheap argon2id cost so that
// a thousand sign-ups take seconds, makes per account: the owner (sign-up,
// the address confirmed through the link of the kept message),
// a plan with room for a team through a bank-transfer checkout that an
// administrator confirms, a second checkout left pending (for the
// administrator to confirm under load), 3 sites, 2 sectors on the first,
// a site-bound API key for it (the WordPress plugin) and an invited member
// (admin role) who accepts. It writes seed.json, the body of account 0's
// GET /api/v1/sites (sites.json, which sizes the bare yardstick) and
// floor.env (the ids the floor server reads with).
//
// The run phase, against the server restarted at the default argon2id cost,
// first signs up a few people whose passwords have the real cost (the login
// class), then runs the mixed workload (weights in classes), then each
// class alone, bare and floor, each for a shorter time, to attribute server
// CPU per request.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// account is one seeded tenant.
type account struct {
	ID      string   `json:"id"`
	Owner   string   `json:"owner"`  // owner's access token
	Member  string   `json:"member"` // member's access token
	Key     string   `json:"key"`    // site-bound API key of Sites[0]
	Sites   []string `json:"sites"`
	Sectors []string `json:"sectors"`
	Payment string   `json:"payment"` // a pending bank transfer
}

type seedFile struct {
	Admin    string     `json:"admin"`
	Accounts []*account `json:"accounts"`
}

var (
	base    = flag.String("url", "", "igny8's base URL")
	phase   = flag.String("phase", "run", "seed or run")
	out     = flag.String("out", "", "folder of seed.json, sites.json, floor.env")
	bin     = flag.String("igny8", "", "igny8 binary (admin create, seed phase)")
	dbURL   = flag.String("database-url", "", "igny8's database (seed phase)")
	nAcct   = flag.Int("accounts", 1000, "accounts to seed")
	conns   = flag.Int("connections", 32, "concurrent connections of the load")
	dur     = flag.Duration("duration", 15*time.Second, "length of the mixed run")
	alone   = flag.Duration("alone", 3*time.Second, "length of each run of one class alone")
	pid     = flag.Int("pid", 0, "igny8's pid, for CPU and peak RSS")
	bareURL = flag.String("bare", "", "bare yardstick's URL")
	bareP   = flag.Int("bare-pid", 0, "bare yardstick's pid")
	floorU  = flag.String("floor", "", "floor yardstick's URL")
	floorP  = flag.Int("floor-pid", 0, "floor yardstick's pid")
	label   = flag.String("label", "", "backend name for the output")
)

var client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
	MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DisableCompression: true, IdleConnTimeout: time.Minute}}

func main() {
	flag.Parse()
	var err error
	switch *phase {
	case "seed":
		err = seed()
	case "run":
		err = run()
	default:
		err = fmt.Errorf("unknown phase %q", *phase)
	}
	if err != nil {
		log.Fatalf("mixed: %v", err)
	}
}

// call sends one JSON request to url+path and answers the status and body.
func call(url, method, path, token string, body any, hdr ...string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, raw, err
}

// must is call that wants a 2xx and decodes the answer into v.
func must(method, path, token string, body, v any) error {
	st, raw, err := call(*base, method, path, token, body)
	if err != nil {
		return err
	}
	if st/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, st, raw)
	}
	if v != nil {
		return json.Unmarshal(raw, v)
	}
	return nil
}

func seed() error {
	suffix := strconv.FormatInt(time.Now().UnixNano()%1_000_000_000, 36)
	adminEmail, pw := "mixed-dev-"+suffix+"@example.com", "mixed bench passphrase"
	if o, err := execCmd(*bin, "admin", "create", "--database-url", *dbURL, "--email", adminEmail, "--password", pw); err != nil {
		return fmt.Errorf("admin create: %v: %s", err, o)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := must("POST", "/api/v1/auth/login", "", map[string]string{"email": adminEmail, "password": pw}, &tok); err != nil {
		return err
	}
	admin := tok.AccessToken
	plan := "mixed-" + suffix
	if err := must("POST", "/api/v1/admin/plans", admin, map[string]any{"slug": plan, "name": "Mixed benchmark", "price": 100,
		"currency": "USD", "included_credits": 1_000_000, "max_sites": 5, "max_users": 5, "max_sectors_per_site": 5,
		"api_requests_per_minute": 100_000}, nil); err != nil {
		return err
	}
	var inds struct {
		Items []struct {
			Sectors []struct{ ID string }
		}
	}
	if err := must("GET", "/api/v1/industries", "", nil, &inds); err != nil {
		return err
	}
	var sectorIDs []string
	for _, in := range inds.Items {
		for _, s := range in.Sectors {
			sectorIDs = append(sectorIDs, s.ID)
		}
	}
	if len(sectorIDs) < 2 {
		return fmt.Errorf("industries list %d sectors, need 2", len(sectorIDs))
	}
	accts := make([]*account, *nAcct)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	start := time.Now()
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(accts) {
					return
				}
				a, err := seedAccount(i, suffix, plan, admin, sectorIDs)
				if err != nil {
					select {
					case errs <- fmt.Errorf("account %d: %w", i, err):
					default:
					}
					return
				}
				accts[i] = a
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	log.Printf("seeded %d accounts in %s", len(accts), time.Since(start).Round(time.Millisecond))
	raw, _ := json.Marshal(seedFile{Admin: admin, Accounts: accts})
	if err := os.WriteFile(filepath.Join(*out, "seed.json"), raw, 0o600); err != nil {
		return err
	}
	st, body, err := call(*base, "GET", "/api/v1/sites", accts[0].Owner, nil)
	if err != nil || st != 200 {
		return fmt.Errorf("sites of account 0: %d %v", st, err)
	}
	if err := os.WriteFile(filepath.Join(*out, "sites.json"), body, 0o600); err != nil {
		return err
	}
	claims, err := jwtClaims(accts[0].Owner)
	if err != nil {
		return err
	}
	env := fmt.Sprintf("FLOOR_ACCOUNT='%s'\nFLOOR_USER='%s'\nFLOOR_FAMILY='%s'\n", accts[0].ID, claims.Sub, claims.Sid)
	return os.WriteFile(filepath.Join(*out, "floor.env"), []byte(env), 0o600)
}

func seedAccount(i int, suffix, plan, admin string, sectorIDs []string) (*account, error) {
	email := fmt.Sprintf("mixed-%s-%d@example.com", suffix, i)
	var reg struct {
		AccessToken string `json:"access_token"`
		Account     struct{ ID string }
	}
	if err := must("POST", "/api/v1/auth/register", "", map[string]string{"name": fmt.Sprintf("Tenant %d", i),
		"email": email, "password": "tenant passphrase"}, &reg); err != nil {
		return nil, err
	}
	a := &account{ID: reg.Account.ID, Owner: reg.AccessToken}
	if err := confirmAddress(email); err != nil {
		return nil, err
	}
	var co struct {
		Payment struct{ ID string }
	}
	checkout := map[string]string{"plan": plan, "payment_method": "bank_transfer"}
	if err := must("POST", "/api/v1/billing/checkout", a.Owner, checkout, &co); err != nil {
		return nil, err
	}
	if err := must("POST", "/api/v1/admin/payments/"+co.Payment.ID+"/confirm", admin, map[string]string{}, nil); err != nil {
		return nil, err
	}
	if err := must("POST", "/api/v1/billing/checkout", a.Owner, checkout, &co); err != nil {
		return nil, err
	}
	a.Payment = co.Payment.ID
	for s := 0; s < 3; s++ {
		var site struct{ ID string }
		if err := must("POST", "/api/v1/sites", a.Owner, map[string]string{"name": fmt.Sprintf("Site %d of %d", s, i),
			"domain": fmt.Sprintf("https://s%d-t%d.example.com", s, i)}, &site); err != nil {
			return nil, err
		}
		a.Sites = append(a.Sites, site.ID)
	}
	for s := 0; s < 2; s++ {
		var sec struct{ ID string }
		if err := must("POST", "/api/v1/sites/"+a.Sites[0]+"/sectors", a.Owner,
			map[string]string{"industry_sector_id": sectorIDs[(i+s)%len(sectorIDs)]}, &sec); err != nil {
			return nil, err
		}
		a.Sectors = append(a.Sectors, sec.ID)
	}
	var key struct{ Key string }
	if err := must("POST", "/api/v1/api-keys", a.Owner, map[string]string{"name": "wordpress", "site_id": a.Sites[0]}, &key); err != nil {
		return nil, err
	}
	a.Key = key.Key
	var inv struct{ Token string }
	if err := must("POST", "/api/v1/account/users", a.Owner, map[string]string{"email": fmt.Sprintf("member-%s-%d@example.com", suffix, i),
		"role": "admin"}, &inv); err != nil {
		return nil, err
	}
	var acc struct {
		AccessToken string `json:"access_token"`
	}
	if err := must("POST", "/api/v1/auth/accept-invite", "", map[string]string{"token": inv.Token, "password": "member passphrase"}, &acc); err != nil {
		return nil, err
	}
	a.Member = acc.AccessToken
	return a, nil
}

type claims struct{ Sub, Sid string }

// jwtClaims reads (without verifying) the subject and session of a token.
func jwtClaims(tok string) (claims, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return claims{}, fmt.Errorf("not a JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return claims{}, err
	}
	var c claims
	return c, json.Unmarshal(raw, &c)
}

// A class is one kind of request of the workload, with its weight in the
// mix (per thousand requests).
type class struct {
	name   string
	weight int
	req    func(r *rand.Rand, w *world) (method, path, token string, body any, hdr []string)
}

// world is the seeded population and what the run shares.
type world struct {
	accts    []*account
	admin    string
	logins   []string // emails of users whose passwords have the real cost
	payments chan string
	idem     []atomic.Value // per account: an Idempotency-Key used before
}

const loginPassword = "a login passphrase"

// loginWeight is the logins' share per thousand (BENCH_LOGIN_WEIGHT overrides,
// to see what argon2id costs the rest of the mix).
var loginWeight = func() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_LOGIN_WEIGHT")); err == nil {
		return n
	}
	return 2
}()

var classes = []class{
	{"plugin: GET /sites/{id} (site key)", 200, func(r *rand.Rand, w *world) (string, string, string, any, []string) {
		a := w.pick(r)
		return "GET", "/api/v1/sites/" + a.Sites[0], a.Key, nil, nil
	}},
	{"plugin: POST /ai/operations (site key, Idempotency-Key)", 80, func(r *rand.Rand, w *world) (string, string, string, any, []string) {
		i := r.IntN(len(w.accts))
		a := w.accts[i]
		key := fmt.Sprintf("op-%d-%d", i, r.Int64())
		if prev, ok := w.idem[i].Load().(string); ok && r.IntN(5) == 0 {
			key = prev // a retry of an answered operation: answered from the first result
		}
		return "POST", "/api/v1/ai/operations", a.Key, map[string]any{"operation": "auto_cluster", "site_id": a.Sites[0],
				"input": map[string]any{"keywords": []string{"seo audit", "seo tools", "content plan", "keyword research"}}},
			[]string{"Idempotency-Key", key, "X-Bench-Account", strconv.Itoa(i)}
	}},
	{"dashboard: GET /sites (JWT)", 200, func(r *rand.Rand, w *world) (string, string, string, any, []string) {
		return "GET", "/api/v1/sites", w.person(r), nil, nil
	}},
	{"dashboard: GET /sites/{id}/sectors", 100, func(r *rand.Rand, w *world) (string, string, string, any, []string) {
		a := w.pick(r)
		return "GET", "/api/v1/sites/" + a.Sites[0] + "/sectors", a.Owner, nil, nil
	}},
	{"dashboard: GET /credits/balance", 150, func(r *rand.Rand, w *world) (string, string, string, any, []string) {
		return "GET", "/api/v1/credits/balance", w.person(r), nil, nil
	}},
	{"dashboard: GET /credits/transactions", 100, func(r *rand.Rand, w *world) (string, string, string, any, []string) {
		return "GET", "/api/v1/credits/transactions", w.person(r), nil, nil
	}},
	{"dashboard: GET /credits/usage", 80, func(r *rand.Rand, w *world) (string, string, string, any, []string) {
		return "GET", "/api/v1/credits/usage", w.person(r), nil, nil
	}},
	{"owner: PATCH /account", 40, func(r *rand.Rand, w *world) (string, string, string, any, []string) {
		return "PATCH", "/api/v1/account", w.pick(r).Owner, map[string]string{"name": fmt.Sprintf("Tenant %d", r.IntN(1e6))}, nil
	}},
	{"owner: PATCH /sectors/{id}", 40, func(r *rand.Rand, w *world) (string, string, string, any, []string) {
		a := w.pick(r)
		return "PATCH", "/api/v1/sectors/" + a.Sectors[r.IntN(len(a.Sectors))], a.Owner, map[string]string{"name": fmt.Sprintf("Sector %d", r.IntN(1e6))}, nil
	}},
	{"admin: POST /admin/payments/{id}/confirm", 8, func(r *rand.Rand, w *world) (string, string, string, any, []string) {
		select {
		case id := <-w.payments:
			return "POST", "/api/v1/admin/payments/" + id + "/confirm", w.admin, map[string]string{}, nil
		default: // every pending payment confirmed: the list instead
			return "GET", "/api/v1/admin/payments", w.admin, nil, nil
		}
	}},
	{"login: POST /auth/login (argon2id)", loginWeight, func(r *rand.Rand, w *world) (string, string, string, any, []string) {
		return "POST", "/api/v1/auth/login", "", map[string]string{"email": w.logins[r.IntN(len(w.logins))], "password": loginPassword}, nil
	}},
}

func (w *world) pick(r *rand.Rand) *account { return w.accts[r.IntN(len(w.accts))] }

// person is the token of an owner or a member, half and half.
func (w *world) person(r *rand.Rand) string {
	a := w.pick(r)
	if r.IntN(2) == 0 {
		return a.Owner
	}
	return a.Member
}

// stats are one class's results in one run.
type stats struct {
	mu     sync.Mutex
	lat    []time.Duration
	failed int
	first  string
}

func (s *stats) add(d time.Duration, status int, body []byte, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil || status/100 != 2 {
		s.failed++
		if s.first == "" {
			s.first = fmt.Sprintf("%d %v %.200s", status, err, body)
		}
		return
	}
	s.lat = append(s.lat, d)
}

func (s *stats) pct(p float64) time.Duration {
	if len(s.lat) == 0 {
		return 0
	}
	slices.Sort(s.lat)
	return s.lat[min(len(s.lat)-1, int(float64(len(s.lat))*p))]
}

// cpu answers a process's user+system CPU time (from /proc).
func cpu(pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * (time.Second / 100) // USER_HZ is 100 on Linux
}

func hwm(pid int) string {
	raw, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			kb, _ := strconv.Atoi(strings.Fields(l)[1])
			return fmt.Sprintf("%.1f MB", float64(kb)/1024)
		}
	}
	return "?"
}

// load runs conns workers against url for d, each picking a class from
// cls by weight; it answers per-class stats, the wall time and the server's
// CPU time over the run.
func load(url string, w *world, cls []class, d time.Duration, serverPID int) ([]*stats, time.Duration, time.Duration) {
	total := 0
	for _, c := range cls {
		total += c.weight
	}
	st := make([]*stats, len(cls))
	for i := range st {
		st[i] = &stats{}
	}
	cpu0, t0 := cpu(serverPID), time.Now()
	deadline := t0.Add(d)
	var wg sync.WaitGroup
	for c := 0; c < *conns; c++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, 7))
			for time.Now().Before(deadline) {
				n, k := r.IntN(total), 0
				for n >= cls[k].weight {
					n -= cls[k].weight
					k++
				}
				method, path, token, body, hdr := cls[k].req(r, w)
				s := time.Now()
				status, raw, err := call(url, method, path, token, body, hdr...)
				st[k].add(time.Since(s), status, raw, err)
				if len(hdr) == 4 && status == http.StatusCreated { // an AI operation answered: its key may be retried
					i, _ := strconv.Atoi(hdr[3])
					w.idem[i].Store(hdr[1])
				}
			}
		}(uint64(c) + 1)
	}
	wg.Wait()
	return st, time.Since(t0), cpu(serverPID) - cpu0
}

func run() error {
	raw, err := os.ReadFile(filepath.Join(*out, "seed.json"))
	if err != nil {
		return err
	}
	var sf seedFile
	if err := json.Unmarshal(raw, &sf); err != nil {
		return err
	}
	w := &world{accts: sf.Accounts, admin: sf.Admin, payments: make(chan string, len(sf.Accounts)),
		idem: make([]atomic.Value, len(sf.Accounts))}
	for _, a := range sf.Accounts {
		w.payments <- a.Payment
	}
	suffix := strconv.FormatInt(time.Now().UnixNano()%1_000_000_000, 36)
	for i := 0; i < 8; i++ {
		email := fmt.Sprintf("login-%s-%d@example.com", suffix, i)
		if err := must("POST", "/api/v1/auth/register", "", map[string]string{"name": "Login " + strconv.Itoa(i),
			"email": email, "password": loginPassword}, nil); err != nil {
			return err
		}
		w.logins = append(w.logins, email)
	}
	// Warm up: every connection opened, every statement prepared.
	load(*base, w, classes[:7], time.Second, *pid)

	mixed, wall, used := load(*base, w, classes, *dur, *pid)
	n, failed := 0, 0
	var all []time.Duration
	for _, s := range mixed {
		n += len(s.lat)
		failed += s.failed
		all = append(all, s.lat...)
	}
	allStats := &stats{lat: all}
	fmt.Printf("\n%s: mixed workload over %d accounts, %d connections, %s (then each class alone for %s)\n",
		*label, len(w.accts), *conns, *dur, *alone)
	fmt.Printf("%-58s %6s %9s %8s %8s %11s %9s %8s\n", "route class", "share", "rps", "p50 ms", "p99 ms", "alone rps", "CPU µs/r", "failed")
	total := 0
	for _, c := range classes {
		total += c.weight
	}
	for i, c := range classes {
		s := mixed[i]
		if c.weight == 0 {
			continue
		}
		one, owall, oused := load(*base, w, classes[i:i+1], *alone, *pid)
		ok := len(one[0].lat)
		cpuPer := "-"
		if ok > 0 {
			cpuPer = fmt.Sprintf("%.0f", float64(oused.Microseconds())/float64(ok+one[0].failed))
		}
		fmt.Printf("%-58s %5.1f%% %9.0f %8.2f %8.2f %11.0f %9s %8d\n", c.name, 100*float64(c.weight)/float64(total),
			float64(len(s.lat))/wall.Seconds(), ms(s.pct(0.5)), ms(s.pct(0.99)), float64(ok)/owall.Seconds(), cpuPer, s.failed+one[0].failed)
		if s.first != "" || one[0].first != "" {
			fmt.Fprintf(os.Stderr, "mixed: %s: first failure: %s%s\n", c.name, s.first, one[0].first)
		}
	}
	fmt.Printf("%-58s %6s %9.0f %8.2f %8.2f %11s %9.0f %8d\n", "all (mixed)", "100%", float64(n)/wall.Seconds(),
		ms(allStats.pct(0.5)), ms(allStats.pct(0.99)), "", float64(used.Microseconds())/float64(n+failed), failed)

	siteList := classes[2]
	ys := []struct {
		name string
		url  string
		pid  int
	}{{"(bare) net/http, the same body as GET /sites", *bareURL, *bareP}, {"(floor) bare + principal query + sites query", *floorU, *floorP}}
	yard := map[string]float64{}
	for _, y := range ys {
		if y.url == "" {
			continue
		}
		one, owall, oused := load(y.url, w, []class{siteList}, *alone, y.pid)
		ok := len(one[0].lat)
		rps := float64(ok) / owall.Seconds()
		yard[y.name[:7]] = rps
		fmt.Printf("%-58s %6s %9s %8.2f %8.2f %11.0f %9.0f %8d\n", y.name, "", "", ms(one[0].pct(0.5)), ms(one[0].pct(0.99)),
			rps, float64(oused.Microseconds())/float64(max(1, ok+one[0].failed)), one[0].failed)
	}
	// The site list alone once more, right after the yardsticks, for the ratio.
	one, owall, oused := load(*base, w, []class{siteList}, *alone, *pid)
	listRPS := float64(len(one[0].lat)) / owall.Seconds()
	listCPU := float64(oused.Microseconds()) / float64(max(1, len(one[0].lat)+one[0].failed))
	fmt.Printf("%-58s %6s %9s %8.2f %8.2f %11.0f %9.0f %8d\n", "GET /sites (JWT) alone again, beside the yardsticks", "", "",
		ms(one[0].pct(0.5)), ms(one[0].pct(0.99)), listRPS, listCPU, one[0].failed)
	fmt.Printf("igny8 peak RSS (VmHWM): %s\n", hwm(*pid))
	if f := yard["(floor)"]; f > 0 {
		fmt.Printf("targets: site list %.2f× the floor's rps (target ≥ 0.80) and %.0f µs CPU per request (target ≤ 80); "+
			"mixed p99 %.2f ms (target ≤ 10 at 32 connections, driver on its own core); peak RSS %s (target ≤ 50 MB)\n",
			listRPS/f, listCPU, ms(allStats.pct(0.99)), hwm(*pid))
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

var (
	keptRE  = regexp.MustCompile(`(?m)^([0-9a-f-]{36})\s+\S+\s+\S+\s+\S+\s+Confirm your e-mail address`)
	tokenRE = regexp.MustCompile(`/verify-email\?token=([A-Za-z0-9_.~%-]+)`)
)

// confirmAddress opens the link of email's sign-up message, read from the
// outbox with igny8 mail list and mail show: checkout and invitations need
// a confirmed address.
func confirmAddress(email string) error {
	o, err := execCmd(*bin, "mail", "list", "--database-url", *dbURL, "--to", email)
	m := keptRE.FindSubmatch(o)
	if err != nil || m == nil {
		return fmt.Errorf("mail list --to %s: %v: %s", email, err, o)
	}
	if o, err = execCmd(*bin, "mail", "show", "--database-url", *dbURL, string(m[1])); err != nil {
		return fmt.Errorf("mail show: %v: %s", err, o)
	}
	tok := tokenRE.FindSubmatch(o)
	if tok == nil {
		return fmt.Errorf("no verification link in the message to %s: %s", email, o)
	}
	token, err := url.QueryUnescape(string(tok[1]))
	if err != nil {
		return err
	}
	return must("POST", "/api/v1/auth/email/verify", "", map[string]string{"token": token}, nil)
}

func execCmd(name string, args ...string) ([]byte, error) {
	return exec.Command(name, args...).CombinedOutput()
}
