package scaletest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

const password = "scale test passphrase"

var seq atomic.Int64

// account is a signed-up tenant as the workload knows it.
type account struct {
	ID, Email, Token string
	MaxSites         int
	Credits          int64
	SiteID           string
}

// signUp registers a free-trial account through base.
func signUp(t *testing.T, base string) (*account, error) {
	n := seq.Add(1)
	email := fmt.Sprintf("scale-%d-%d@example.com", n, rand.IntN(1_000_000))
	r := call(context.Background(), base, "POST", "/api/v1/auth/register", "",
		map[string]string{"name": fmt.Sprintf("Scale %d", n), "email": email, "password": password})
	if r.Status != http.StatusCreated {
		return nil, fmt.Errorf("sign up via %s: %s", base, r)
	}
	var out struct {
		AccessToken string `json:"access_token"`
		Account     struct {
			ID      string
			Credits int64
			Plan    struct {
				MaxSites int `json:"max_sites"`
			}
		}
	}
	r.decode(t, &out)
	return &account{ID: out.Account.ID, Email: email, Token: out.AccessToken, MaxSites: out.Account.Plan.MaxSites,
		Credits: out.Account.Credits}, nil
}

var (
	keptRE  = regexp.MustCompile(`(?m)^([0-9a-f-]{36})\s+\S+\s+kept\s+\S+\s+Confirm your e-mail address`)
	tokenRE = regexp.MustCompile(`/verify-email\?token=([A-Za-z0-9_.~%-]+)`)
)

// confirmAddress opens the link of a's sign-up message, read with igny8
// mail list and mail show as an operator would (the instances keep mail),
// through in.
func confirmAddress(t *testing.T, in *instance, a *account) {
	t.Helper()
	code, out := runCLI(t, in.db, "mail", "list", "--to", a.Email)
	m := keptRE.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("no verification message to %s: %s", a.Email, out)
	}
	code, out = runCLI(t, in.db, "mail", "show", m[1])
	tok := tokenRE.FindStringSubmatch(out)
	if code != 0 || tok == nil {
		t.Fatalf("no link in the message to %s: %s", a.Email, out)
	}
	token, err := url.QueryUnescape(tok[1])
	if err != nil {
		t.Fatal(err)
	}
	if r := call(context.Background(), in.URL, "POST", "/api/v1/auth/email/verify", "", map[string]string{"token": token}); r.Status != http.StatusOK {
		t.Fatalf("verify %s: %s", a.Email, r)
	}
}

// login logs email in through base and returns the access token.
func login(t *testing.T, base, email, pw string) (string, error) {
	r := call(context.Background(), base, "POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": pw})
	if r.Status != http.StatusOK {
		return "", fmt.Errorf("login via %s: %s", base, r)
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	r.decode(t, &out)
	return out.AccessToken, nil
}

// developer creates a system administrator with the CLI and logs it in.
func developer(t *testing.T, dbURL, base string) string {
	t.Helper()
	email := fmt.Sprintf("dev-%d-%d@example.com", seq.Add(1), rand.IntN(1_000_000))
	if code, out := runCLI(t, dbURL, "admin", "create", "--email", email, "--password", password); code != 0 {
		t.Fatalf("admin create: %s", out)
	}
	tok, err := login(t, base, email, password)
	if err != nil {
		t.Fatal(err)
	}
	// Administrators must have a second factor: turn it on in this login
	// (the secret answered, a code made from it as an app would).
	r := call(context.Background(), base, "POST", "/api/v1/auth/mfa/totp", tok, nil)
	if r.Status != http.StatusCreated {
		t.Fatalf("start two-step login: %s", r)
	}
	var start struct {
		Secret string `json:"secret"`
	}
	r.decode(t, &start)
	code, err := totp.GenerateCode(start.Secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r := call(context.Background(), base, "POST", "/api/v1/auth/mfa/totp/confirm", tok, map[string]string{"code": code}); r.Status != http.StatusOK {
		t.Fatalf("confirm two-step login: %s", r)
	}
	return tok
}

// raceSites creates n sites at once, spread over the instances, and
// returns how many were created; every refusal must be plan_limit_reached.
func raceSites(ins []*instance, a *account, n int) (int, error) {
	var created atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := call(context.Background(), ins[i%len(ins)].URL, "POST", "/api/v1/sites", a.Token,
				map[string]string{"name": fmt.Sprintf("Site %d", i), "domain": fmt.Sprintf("https://s%d.example.com", i)})
			switch {
			case r.Status == http.StatusCreated:
				created.Add(1)
			case r.Status == http.StatusForbidden && r.code() == "plan_limit_reached":
			default:
				errs <- fmt.Errorf("create site: %s", r)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	return int(created.Load()), <-errs
}

// firstSite returns the id of the account's first site.
func firstSite(t *testing.T, base string, a *account) (string, int) {
	r := call(context.Background(), base, "GET", "/api/v1/sites", a.Token, nil)
	var page struct {
		Items []struct{ ID string }
	}
	r.decode(t, &page)
	if len(page.Items) == 0 {
		return "", 0
	}
	return page.Items[0].ID, len(page.Items)
}

var operations = []string{"auto_cluster", "generate_ideas", "generate_content", "generate_images", "optimize_content"}

// spendCredits runs AI operations with workers goroutines spread over the
// instances until the account's credits run out, and returns the credits
// the successful operations reported using. A refusal must be
// insufficient_credits (402).
func spendCredits(ins []*instance, a *account, workers int) (int64, error) {
	var used atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				op := operations[(w+i)%len(operations)]
				r := call(context.Background(), ins[(w+i)%len(ins)].URL, "POST", "/api/v1/ai/operations", a.Token,
					map[string]any{"operation": op, "site_id": a.SiteID, "input": map[string]any{
						"keywords": []string{"seo audit", "seo tools", "content plan"}, "topic": "Scaling out",
						"title": "Scaling out", "content": "Scaling out means running several instances."}})
				switch {
				case r.Status == http.StatusCreated:
					var res struct {
						CreditsUsed int64 `json:"credits_used"`
					}
					_ = json.Unmarshal(r.Body, &res)
					used.Add(res.CreditsUsed)
				case r.Status == http.StatusPaymentRequired && r.code() == "insufficient_credits":
					if op == "auto_cluster" { // the cheapest: nothing more fits
						return
					}
				default:
					errs <- fmt.Errorf("ai operation %s: %s", op, r)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	return used.Load(), <-errs
}

// balance reads the account's credits through base.
func balance(t *testing.T, base string, a *account) int64 {
	r := call(context.Background(), base, "GET", "/api/v1/account", a.Token, nil)
	var acct struct{ Credits int64 }
	r.decode(t, &acct)
	return acct.Credits
}
