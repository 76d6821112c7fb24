// Command prep makes the data of bench/run.sh through a running igny8's
// API: an account on a plan with room for 10 sites, its 10 sites, a JWT, a
// site-bound API key and enough credits for the AI cell. It writes a shell
// file of variables (JWT, API_KEY, SITE_ID, EMAIL, PASSWORD, SITES_PATH)
// and the body GET /api/v1/sites answers, which sizes the bare yardstick.
// Steps whose endpoints the binary does not have yet are skipped with a
// note, so that the benchmark runs the cells that exist.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"
)

type prep struct {
	url, bin, dbURL string
	vars            map[string]string
	order           []string
}

func main() {
	p := &prep{vars: map[string]string{}}
	flag.StringVar(&p.url, "url", "", "base URL of the running igny8")
	flag.StringVar(&p.bin, "igny8", "", "path of the igny8 binary (for admin create)")
	flag.StringVar(&p.dbURL, "database-url", "", "the server's database")
	out := flag.String("out", "", "folder for env.sh and sites.json")
	flag.Parse()
	if err := p.run(*out); err != nil {
		log.Fatalf("prep: %v", err)
	}
}

func (p *prep) set(k, v string) {
	if _, ok := p.vars[k]; !ok {
		p.order = append(p.order, k)
	}
	p.vars[k] = v
}

func (p *prep) run(out string) error {
	suffix := randHex(4)
	email, password := "bench-"+suffix+"@example.com", "bench passphrase "+suffix
	var reg struct {
		AccessToken string `json:"access_token"`
		Account     struct{ ID string }
	}
	if err := p.call("", "POST", "/api/v1/auth/register",
		map[string]string{"name": "Bench " + suffix, "email": email, "password": password}, 201, &reg); err != nil {
		return err
	}
	jwt := reg.AccessToken
	p.set("EMAIL", email)
	p.set("PASSWORD", password)
	p.set("ACCOUNT_ID", reg.Account.ID)
	admin, err := p.developer(suffix)
	if err != nil {
		return err
	}
	if err := p.upgrade(jwt, admin); err != nil {
		note("plan upgrade: %v", err)
	}
	// The plan change may alter what the token says; log in again.
	var login struct {
		AccessToken string `json:"access_token"`
	}
	if err := p.call("", "POST", "/api/v1/auth/login", map[string]string{"email": email, "password": password}, 200, &login); err != nil {
		return err
	}
	jwt = login.AccessToken
	p.set("JWT", jwt)
	p.sites(jwt)
	p.apiKey(jwt)
	p.credits(admin, reg.Account.ID)
	return p.write(out, jwt)
}

// developer creates a system administrator with the CLI and logs it in.
func (p *prep) developer(suffix string) (string, error) {
	email, password := "bench-dev-"+suffix+"@example.com", "bench developer "+suffix
	cmd := exec.Command(p.bin, "admin", "create", "--database-url", p.dbURL, "--email", email, "--password", password)
	if outp, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("admin create: %v: %s", err, outp)
	}
	var login struct {
		AccessToken string `json:"access_token"`
	}
	err := p.call("", "POST", "/api/v1/auth/login", map[string]string{"email": email, "password": password}, 200, &login)
	return login.AccessToken, err
}

// upgrade moves the account to a plan with room for 10 sites, which the
// administrator adds, through a bank-transfer checkout the administrator
// confirms.
func (p *prep) upgrade(jwt, admin string) error {
	slug := "bench-" + randHex(3)
	plan := map[string]any{"slug": slug, "name": "Benchmark", "price": 100, "currency": "USD", "included_credits": 1000,
		"max_sites": 20, "max_users": 5, "max_sectors_per_site": 5, "api_requests_per_minute": 6000}
	if err := p.call(admin, "POST", "/api/v1/admin/plans", plan, 0, nil); err != nil {
		return err
	}
	var co struct {
		Payment struct{ ID string }
	}
	if err := p.call(jwt, "POST", "/api/v1/billing/checkout",
		map[string]string{"plan": slug, "payment_method": "bank_transfer"}, 0, &co); err != nil {
		return err
	}
	return p.call(admin, "POST", "/api/v1/admin/payments/"+co.Payment.ID+"/confirm", map[string]string{}, 0, nil)
}

// sites creates 10 sites and keeps the first one's id.
func (p *prep) sites(jwt string) {
	for i := 1; i <= 10; i++ {
		var site struct{ ID string }
		err := p.call(jwt, "POST", "/api/v1/sites",
			map[string]string{"name": fmt.Sprintf("Bench site %d", i), "domain": fmt.Sprintf("https://site%d.example.com", i)}, 201, &site)
		if err != nil {
			note("sites: %v", err)
			return
		}
		if i == 1 {
			p.set("SITE_ID", site.ID)
		}
	}
}

// apiKey makes a site-bound API key for the first site.
func (p *prep) apiKey(jwt string) {
	if p.vars["SITE_ID"] == "" {
		return
	}
	var key map[string]any
	err := p.call(jwt, "POST", "/api/v1/api-keys", map[string]string{"name": "bench wordpress", "site_id": p.vars["SITE_ID"]}, 201, &key)
	if err != nil {
		note("api key: %v", err)
		return
	}
	for _, field := range []string{"secret", "key", "api_key", "token"} {
		if s, ok := key[field].(string); ok && strings.HasPrefix(s, "igny8_") {
			p.set("API_KEY", s)
			return
		}
	}
	note("api key: no igny8_ secret in %v", key)
}

// credits grants the account enough credits for the AI cell.
func (p *prep) credits(admin, accountID string) {
	err := p.call(admin, "POST", "/api/v1/admin/accounts/"+accountID+"/credits",
		map[string]any{"amount": 50_000_000, "description": "benchmark credits"}, 0, nil)
	if err != nil {
		note("credits: %v", err)
		return
	}
	p.set("CREDITS", "1")
}

// write saves env.sh and the sites list body (or the account, when sites
// are not there yet) that sizes the bare yardstick.
func (p *prep) write(out, jwt string) error {
	path := "/api/v1/sites"
	if p.vars["SITE_ID"] == "" {
		path = "/api/v1/account"
	}
	p.set("SITES_PATH", path)
	body, err := p.raw(jwt, "GET", path, nil)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out+"/sites.json", body, 0o644); err != nil {
		return err
	}
	var b strings.Builder
	for _, k := range p.order {
		fmt.Fprintf(&b, "%s='%s'\n", k, strings.ReplaceAll(p.vars[k], "'", ""))
	}
	return os.WriteFile(out+"/env.sh", []byte(b.String()), 0o600)
}

// call sends a JSON request and decodes the answer into v. want 0 accepts
// any 2xx status.
func (p *prep) call(token, method, path string, in any, want int, v any) error {
	var body io.Reader
	if in != nil {
		raw, _ := json.Marshal(in)
		body = bytes.NewReader(raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, p.url+path, body)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if (want != 0 && resp.StatusCode != want) || resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if v != nil {
		return json.Unmarshal(raw, v)
	}
	return nil
}

// raw answers the body of a successful request.
func (p *prep) raw(token, method, path string, in any) ([]byte, error) {
	var m json.RawMessage
	err := p.call(token, method, path, in, 200, &m)
	return m, err
}

func note(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "prep: skipped: "+format+"\n", args...)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
