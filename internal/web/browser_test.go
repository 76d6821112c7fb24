package web_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/mail/mailtest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
	"github.com/pquerna/otp/totp"
)

// ChromiumEnv names the variable that turns the browser tests on; CI sets
// it to the path of chromium.
const ChromiumEnv = "IGNY8_TEST_CHROMIUM"

// newChromium starts one headless Chromium for the test, with a new empty
// profile, and returns its root context. The test is skipped, with a
// message saying how to run it, unless IGNY8_TEST_CHROMIUM is set. extra
// adds command-line flags.
func newChromium(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path := os.Getenv(ChromiumEnv)
	if path == "" {
		t.Skip("browser tests skipped: set " + ChromiumEnv + "=/usr/bin/chromium (CI does) to run them in headless Chromium")
	}
	if _, err := os.Stat(path); err != nil {
		path = "/usr/bin/chromium"
	}
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900)}, extra...)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	root, cancelRoot := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelRoot(); cancelAlloc() })
	if err := chromedp.Do(root); err != nil {
		t.Fatalf("start chromium at %s: %v", path, err)
	}
	return root
}

// tab is one browser profile (its own cookies) of a person in the test.
type tab struct {
	t    *testing.T
	ctx  context.Context
	who  string
	base string
}

func newTab(t *testing.T, root context.Context, e *apptest.Env, who string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab for %s: %v", who, err)
	}
	return &tab{t: t, ctx: ctx, who: who, base: e.URL}
}

// step runs the actions of one step; on failure it saves a screenshot of
// the page under testoutput/ and fails the test.
func (b *tab) step(name string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	start := time.Now()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %s: %v (screenshot: %s)", b.who, name, err, b.screenshot(name))
	}
	b.t.Logf("%s: %s (%s)", b.who, name, time.Since(start).Round(time.Millisecond))
}

// text returns the text of the element sel, failing like step.
func (b *tab) text(name, sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("%s: %s: %v (screenshot: %s)", b.who, name, err, b.screenshot(name))
	}
	return strings.TrimSpace(s)
}

// expect checks that the element sel holds want, with a screenshot when not.
func (b *tab) expect(name, sel, want string) {
	b.t.Helper()
	if got := b.text(name, sel); !strings.Contains(got, want) {
		b.t.Fatalf("%s: %s: %q shows %q, want %q (screenshot: %s)", b.who, name, sel, got, want, b.screenshot(name))
	}
}

// count returns how many elements match sel, failing like step.
func (b *tab) count(name, sel string) int {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+strconv.Quote(sel)+`).length`))
	if err != nil {
		b.t.Fatalf("%s: %s: %v (screenshot: %s)", b.who, name, err, b.screenshot(name))
	}
	return n
}

func (b *tab) path() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	return strings.TrimPrefix(loc, b.base)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// screenshot writes the page as a PNG under testoutput/ at the repository
// root and returns its path.
func (b *tab) screenshot(step string) string {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return "none: " + err.Error()
	}
	dir := filepath.Join("..", "..", "testoutput")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "none: " + err.Error()
	}
	file := filepath.Join(dir, unsafeName.ReplaceAllString(b.t.Name()+"-"+b.who+"-"+step, "_")+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		return "none: " + err.Error()
	}
	abs, _ := filepath.Abs(file)
	return abs
}

func (b *tab) open(path string) chromedp.Action[chromedp.Void] {
	return chromedp.Navigate(b.base + path)
}

func css(s string) chromedp.CSS { return chromedp.CSS(s) }

// fill types v into the input sel after clearing it.
func fill(sel, v string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.WaitVisible(css(sel)),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+strconv.Quote(sel)+`).value = ""`),
		chromedp.SendKeys(css(sel), v))
}

// choose selects the option with value v of the select sel.
func choose(sel, v string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`document.querySelector(` + strconv.Quote(sel) + `).value = ` + strconv.Quote(v))
}

// dropNotices removes the notices on the page, so that waiting for a
// .notice after a submit waits for the next page's, not the current one's.
var dropNotices = chromedp.Evaluate[chromedp.Void](`document.querySelectorAll(".notice").forEach(n => n.remove())`)

// openDetails opens every <details> so that the forms inside can be used.
var openDetails = chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("details").forEach(d => d.open = true)`)

// TestBrowserJourney walks a customer and an administrator through the app
// in real headless Chromium: sign-up, sites and sectors, the site limit,
// checkout refused until the address is confirmed through the e-mailed
// link, a bank transfer confirmed by the admin, the customer's own profile
// (name, password, the other browser logged out) and a suspension.
func TestBrowserJourney(t *testing.T) {
	root := newChromium(t)
	e := apptest.New(t, storetest.Backends()[0])
	owner := newTab(t, root, e, "owner")
	email := "browser-" + randSuffix() + "@example.com"

	owner.step("sign up",
		owner.open("/signup"),
		chromedp.WaitVisible(css("h1")),
		fill("#f-name", "Browser Customer"), fill("#f-email", email), fill("#f-password", testPassword),
		chromedp.Click(css(`main button[type=submit]`)),
		chromedp.WaitVisible(css(`[data-testid=credit-balance]`)))
	if p := owner.path(); !strings.HasPrefix(p, "/sites") {
		t.Fatalf("sign-up landed on %s", p)
	}
	owner.expect("sign-up credits", `[data-testid=credit-balance]`, "2,000")
	owner.expect("trial banner", `[data-testid=trial-days]`, "14 days left")

	owner.step("create a site",
		fill("#f-name", "Browser Blog"), fill("#f-domain", "blog.example.com"),
		dropNotices,
		chromedp.Submit(css(`form[action="/sites"]`)),
		chromedp.WaitVisible(css(`.notice`)))
	owner.expect("site created", `main`, "Browser Blog")
	owner.step("add a sector",
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("select[name=industry_sector_id]"); s.selectedIndex = 1; })()`),
		dropNotices,
		chromedp.Submit(css(`form[aria-label^="Add a sector"]`)),
		chromedp.WaitVisible(css(`.notice`)))
	owner.expect("sector added", `.notice`, "The sector was added.")
	owner.expect("sector count", `main section.panel h3`, "(1 of 3)")

	owner.step("create a key bound to the site",
		owner.open("/account"),
		chromedp.WaitVisible(css(`#key-name`)),
		fill("#key-name", "WordPress: Browser Blog"),
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("#key-site"); s.selectedIndex = 1; })()`),
		chromedp.Submit(css(`form[action="/account/api-keys"]`)),
		chromedp.WaitVisible(css(`[data-testid=new-api-key]`)))
	key := owner.text("read the new key", `[data-testid=new-api-key]`)
	if !strings.HasPrefix(key, "igny8_") {
		t.Fatalf("the page shows %q as the new key", key)
	}
	if r := e.Do("GET", "/api/v1/sites", nil, "X-API-Key", key); r.Status != 200 || !strings.Contains(string(r.Body), "Browser Blog") {
		t.Fatalf("the key read from the page does not see its site: %s", r)
	}
	owner.expect("key listed under its site", `#keys tbody`, "Browser Blog")
	owner.step("back to the sites", owner.open("/sites"), chromedp.WaitVisible(css(`[data-testid=site-limit]`)))
	owner.expect("site limit shown", `[data-testid=site-limit]`, "Your plan allows 1 site")
	owner.step("second site is refused",
		fill("#f-name", "One Too Many"),
		chromedp.Submit(css(`form[action="/sites"]`)),
		chromedp.WaitVisible(css(`[data-testid=site-error]`)))
	owner.expect("site limit message", `[data-testid=site-error]`, "Your plan allows 1 site")

	owner.step("checkout needs a confirmed address",
		owner.open("/billing"),
		chromedp.Click(css(`button[aria-label="Pay for Growth by bank transfer"]`)),
		chromedp.WaitVisible(css(`main .error`)))
	owner.expect("unverified refusal", `main .error`, "Confirm your e-mail address first")
	owner.step("send the link again from the banner",
		dropNotices,
		chromedp.Click(css(`[data-testid=unverified-banner] button`)),
		chromedp.WaitVisible(css(`.notice`)))
	owner.expect("link sent", `.notice`, "We sent you a new link")
	owner.step("open the link of the message and confirm",
		owner.open("/verify-email?token="+url.QueryEscape(e.VerificationToken(email))),
		chromedp.WaitVisible(css(`[data-testid=verify-confirm]`)),
		chromedp.Click(css(`[data-testid=verify-confirm]`)),
		chromedp.WaitVisible(css(`[data-testid=verify-done]`)))
	owner.expect("address confirmed", `[data-testid=verify-done]`, email)

	owner.step("start a bank transfer",
		owner.open("/billing"),
		chromedp.Click(css(`button[aria-label="Pay for Growth by bank transfer"]`)),
		chromedp.WaitVisible(css(`[data-testid=payment-reference]`)))
	ref := owner.text("reference", `[data-testid=payment-reference]`)
	if !regexp.MustCompile(`^IGNY8-[A-Z0-9]{4}-[A-Z0-9]{4}$`).MatchString(ref) {
		t.Fatalf("payment reference %q", ref)
	}
	owner.expect("bank instructions", `#pending`, e.Cfg.BankIBAN)

	admin := newTab(t, root, e, "admin")
	adminEmail := "ops-" + randSuffix() + "@igny8.test"
	if code, _, errOut := e.CLI("admin", "create", "--email", adminEmail, "--password", testPassword); code != 0 {
		t.Fatalf("admin create: %s", errOut)
	}
	// An administrator must have a second factor: their first login
	// reaches only enrolment, /admin included.
	admin.step("admin logs in with a password",
		admin.open("/login"),
		fill("#f-email", adminEmail), fill("#f-password", testPassword),
		chromedp.Click(css(`main button[type=submit]`)),
		chromedp.WaitVisible(css(`[data-testid=enrolment-required]`)))
	admin.step("the console sends them to enrolment", admin.open("/admin"), chromedp.WaitVisible(css(`[data-testid=enrolment-required]`)))
	if p := admin.path(); !strings.HasPrefix(p, "/profile") {
		t.Fatalf("an administrator without a second factor at %s", p)
	}
	admin.step("set up two-step login",
		chromedp.Click(css(`form[action="/profile/two-step/start"] button`)),
		chromedp.WaitVisible(css(`[data-testid=totp-secret]`)))
	if ok, err := chromedp.Run(admin.ctx, chromedp.Evaluate[bool](
		`(() => { const i = document.querySelector("[data-testid=totp-qr]"); return i.complete && i.naturalWidth > 0 })()`)); err != nil || !ok {
		t.Fatalf("the QR code is not shown (%v): %s", err, admin.screenshot("qr"))
	}
	secret := admin.text("secret", `[data-testid=totp-secret]`)
	code, err := totp.GenerateCode(secret, e.Now())
	if err != nil {
		t.Fatalf("code of the secret shown %q: %v", secret, err)
	}
	admin.step("confirm with the app's code",
		fill("#f-confirm-code", code),
		chromedp.Click(css(`form[action="/profile/two-step/confirm"] button`)),
		chromedp.WaitVisible(css(`[data-testid=recovery-codes]`)))
	recovery := strings.Fields(admin.text("recovery codes", `[data-testid=recovery-codes]`))
	if len(recovery) != 10 {
		t.Fatalf("recovery codes shown: %q", recovery)
	}
	admin.step("log out", chromedp.Click(css(`form[action="/logout"] button`)), chromedp.WaitVisible(css(`.notice`)))
	admin.step("log in in two steps",
		admin.open("/login"),
		fill("#f-email", adminEmail), fill("#f-password", testPassword),
		chromedp.Click(css(`main button[type=submit]`)),
		fill("#f-code", recovery[0]),
		chromedp.Click(css(`form[action="/login/code"] button[type=submit]`)),
		chromedp.WaitVisible(css(`form[role=search]`)))
	confirm := `form[aria-label="Confirm payment ` + ref + `"]`
	admin.step("confirm the transfer",
		admin.open("/admin/payments"),
		chromedp.WaitVisible(css(`table`)),
		openDetails,
		fill(confirm+` input[name=external_reference]`, "BANK-TX-1"),
		chromedp.Click(css(confirm+` input[name=confirm]`)),
		dropNotices,
		chromedp.Click(css(confirm+` button[type=submit]`)),
		chromedp.WaitVisible(css(`.notice`)))
	admin.expect("payment confirmed", `.notice`, "The payment was confirmed")

	owner.step("see the plan active", owner.open("/billing"), chromedp.WaitVisible(css(`[data-testid=current-plan]`)))
	owner.expect("plan", `[data-testid=current-plan]`, "Growth")
	owner.expect("status", `[data-testid=account-status]`, "Active")
	owner.expect("credits added", `[data-testid=credit-balance]`, "4,000")

	laptop := newTab(t, root, e, "laptop")
	laptop.step("log in on a second browser",
		laptop.open("/login"),
		fill("#f-email", email), fill("#f-password", testPassword),
		chromedp.Click(css(`main button[type=submit]`)),
		chromedp.WaitVisible(css(`[data-testid=credit-balance]`)))
	owner.step("open the profile from the navigation",
		chromedp.Click(css(`nav a[href="/profile"]`)),
		chromedp.WaitVisible(css(`#name-h`)))
	owner.step("change the name",
		fill("#f-name", "Browser Person"),
		dropNotices,
		chromedp.Submit(css(`form[action="/profile/name"]`)),
		chromedp.WaitVisible(css(`.notice`)))
	owner.expect("name saved", `.notice`, "Your name was saved.")
	if n := owner.count("logins before", `#logins tbody tr`); n != 2 {
		t.Fatalf("the profile lists %d logins, want this browser and the laptop", n)
	}
	owner.step("change the password",
		fill("#f-current_password", testPassword), fill("#f-password", "a changed long passphrase"),
		dropNotices,
		chromedp.Submit(css(`form[action="/profile/password"]`)),
		chromedp.WaitVisible(css(`.notice`)))
	owner.expect("password changed", `.notice`, "Your password was changed.")
	if n := owner.count("logins after", `#logins tbody tr`); n != 1 {
		t.Fatalf("the profile lists %d logins after the change, want this browser alone", n)
	}
	owner.expect("this browser kept", `#logins tbody`, "(this one)")
	laptop.step("the laptop is logged out", laptop.open("/sites"), chromedp.WaitVisible(css(`#f-email`)))
	if p := laptop.path(); !strings.HasPrefix(p, "/login") {
		t.Fatalf("the laptop after the password change is at %s, not the login page", p)
	}

	manage := `form[aria-label="Change the status of Browser Customer"]`
	admin.step("suspend the account",
		admin.open("/admin?q="+email),
		chromedp.WaitVisible(css(`table`)),
		openDetails,
		choose(manage+` select[name=action]`, "suspend"),
		fill(manage+` input[name=reason]`, "browser test"),
		chromedp.Click(css(manage+` input[name=confirm]`)),
		dropNotices,
		chromedp.Click(css(manage+` button[type=submit]`)),
		chromedp.WaitVisible(css(`.notice`)))
	admin.expect("suspended", `.notice`, "The account was suspended.")

	owner.step("owner is sent to billing", owner.open("/sites"), chromedp.WaitVisible(css(`[data-testid=suspension]`)))
	if p := owner.path(); p != "/billing" {
		t.Fatalf("suspended owner at %s, not /billing", p)
	}
	owner.expect("explanation", `[data-testid=suspension]`, "suspended")
}

// TestBrowserPasswordReset: a person who forgot their password gets back in
// with nothing but their mailbox, in real headless Chromium with a real
// SMTP server: the login page's link, the form, the message read over
// SMTP, the link opened, a new password; the session in the other browser
// and the API refresh token from before are refused; the new password logs
// in.
func TestBrowserPasswordReset(t *testing.T) {
	root := newChromium(t)
	smtp := mailtest.Start(t)
	e := apptest.New(t, storetest.Backends()[0], func(c *config.Config) {
		c.SMTPURL, c.MailFrom, c.PublicURL = smtp.URL(), "igny8 <no-reply@igny8.test>", "https://app.igny8.test"
	})
	u := e.SignUp("Forgetful Browser")

	before := newTab(t, root, e, "old session")
	before.step("log in with the old password",
		before.open("/login"),
		fill("#f-email", u.Email), fill("#f-password", u.Password),
		chromedp.Click(css(`main button[type=submit]`)),
		chromedp.WaitVisible(css(`[data-testid=credit-balance]`)))

	person := newTab(t, root, e, "person")
	person.step("ask for a link from the login page",
		person.open("/login"),
		chromedp.Click(css(`[data-testid=forgot-password]`)),
		chromedp.WaitVisible(css(`form[action="/forgot-password"]`)),
		fill("#f-email", u.Email),
		chromedp.Click(css(`main button[type=submit]`)),
		chromedp.WaitVisible(css(`.notice`)))
	person.expect("the neutral answer", `.notice`, "a link to choose a new password is on its way")

	e.Settle()
	if _, err := e.App.DeliverMail(context.Background()); err != nil {
		t.Fatalf("deliver: %v", err)
	}
	var got []mailtest.Received // the sign-up's verification link aside
	for _, m := range smtp.To(u.Email) {
		if !strings.HasPrefix(m.Subject, "Confirm your e-mail address") {
			got = append(got, m)
		}
	}
	if len(got) != 1 || !strings.Contains(got[0].Subject, "Reset your igny8 password") {
		t.Fatalf("messages over SMTP: %+v", got)
	}
	link := regexp.MustCompile(`https://app\.igny8\.test/reset-password\?token=[A-Za-z0-9_\-%]+`).FindString(got[0].Text)
	if link == "" || !strings.Contains(got[0].HTML, link) {
		t.Fatalf("no reset link on the public URL in the message:\n%s", got[0].Text)
	}
	path := strings.TrimPrefix(link, "https://app.igny8.test")

	person.step("open the link and choose a new password",
		person.open(path),
		chromedp.WaitVisible(css(`form[action="/reset-password"]`)),
		fill("#f-password", "a brand new and long passphrase"),
		dropNotices,
		chromedp.Click(css(`main button[type=submit]`)),
		chromedp.WaitVisible(css(`.notice`)))
	person.expect("told to log in again", `.notice`, "Your password was changed")
	if p := person.path(); !strings.HasPrefix(p, "/login") {
		t.Fatalf("after the reset the person is at %s", p)
	}

	before.step("the old session is refused", before.open("/sites"), chromedp.WaitVisible(css(`form[action="/login"]`)))
	if p := before.path(); !strings.HasPrefix(p, "/login") {
		t.Fatalf("the old session still opens %s", p)
	}
	if r := e.Do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": u.RefreshToken}); r.Status != 401 {
		t.Fatalf("the refresh token from before the reset: %s", r)
	}
	if r := e.As(u.Token, "GET", "/api/v1/auth/me", nil); r.Status != 401 {
		t.Fatalf("the access token from before the reset: %s", r)
	}

	person.step("log in with the new password",
		fill("#f-email", u.Email), fill("#f-password", "a brand new and long passphrase"),
		chromedp.Click(css(`main button[type=submit]`)),
		chromedp.WaitVisible(css(`[data-testid=credit-balance]`)))
	e.Settle()
	if _, err := e.App.DeliverMail(context.Background()); err != nil {
		t.Fatalf("deliver: %v", err)
	}
	// The sign-up's verification link, the reset link, the notice.
	if n := len(smtp.To(u.Email)); n != 3 || !strings.Contains(smtp.To(u.Email)[2].Subject, "password was changed") {
		t.Fatalf("the security notice: %d messages", n)
	}
}
