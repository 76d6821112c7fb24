package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// me reads GET /auth/me's user and pending address.
type meBody struct {
	User struct {
		Email         string
		EmailVerified bool `json:"email_verified"`
	}
	PendingEmail *struct {
		Email  string
		Change bool
	} `json:"pending_email"`
}

func readMe(t *testing.T, e *apptest.Env, token string) meBody {
	t.Helper()
	r := e.As(token, "GET", "/api/v1/auth/me", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("me: %s", r)
	}
	var me meBody
	r.JSON(t, &me)
	return me
}

// TestSignUpVerificationGatesCheckoutAndInvites: sign-up e-mails a link
// (its token stored only hashed); until it is opened the trial works but
// checkout, credit packs and invitations answer 403 email_unverified;
// the link works once, and afterwards all three go through. An invited
// person who accepts is verified by the e-mailed link.
func TestSignUpVerificationGatesCheckoutAndInvites(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUpUnverified("Unverified Co")
		me := readMe(t, e, owner.Token)
		if me.User.EmailVerified || me.PendingEmail == nil || me.PendingEmail.Email != owner.Email || me.PendingEmail.Change {
			t.Fatalf("after sign-up: %+v", me)
		}
		token := e.VerificationToken(owner.Email)
		if n := e.Count(`SELECT COUNT(*) FROM email_tokens WHERE token_hash = ?`, token); n != 0 {
			t.Fatal("a verification token is stored in clear")
		}
		e.SetPlan(owner.AccountID, "starter")
		refused := map[string][2]any{
			"checkout": {"/api/v1/billing/checkout", map[string]string{"plan": "growth", "payment_method": "bank_transfer"}},
			"pack":     {"/api/v1/credits/packs/checkout", map[string]string{"pack": "credits-1000", "payment_method": "bank_transfer"}},
			"invite":   {"/api/v1/account/users", map[string]string{"email": "helper@example.com", "role": "editor"}},
		}
		for name, c := range refused {
			if r := e.As(owner.Token, "POST", c[0].(string), c[1]); r.Status != http.StatusForbidden || r.Code() != "email_unverified" {
				t.Fatalf("%s unverified: %s", name, r)
			}
		}
		if n := e.Count(`SELECT COUNT(*) FROM payments WHERE account_id = ?`, owner.AccountID) +
			e.Count(`SELECT COUNT(*) FROM invitations WHERE account_id = ?`, owner.AccountID); n != 0 {
			t.Fatalf("%d rows made by refused requests", n)
		}
		// The trial works meanwhile.
		if r := e.As(owner.Token, "GET", "/api/v1/account", nil); r.Status != http.StatusOK {
			t.Fatalf("account while unverified: %s", r)
		}
		if r := e.Do("POST", "/api/v1/auth/email/verify", map[string]string{"token": "not-a-token"}); r.Status != http.StatusNotFound {
			t.Fatalf("unknown token: %s", r)
		}
		if r := e.Do("POST", "/api/v1/auth/email/verify", map[string]string{}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("no token: %s", r)
		}
		r := e.Do("POST", "/api/v1/auth/email/verify", map[string]string{"token": token})
		if r.Status != http.StatusOK || r.Map(t)["email"] != owner.Email {
			t.Fatalf("verify: %s", r)
		}
		if r := e.Do("POST", "/api/v1/auth/email/verify", map[string]string{"token": token}); r.Status != http.StatusNotFound {
			t.Fatalf("the link worked twice: %s", r)
		}
		// The same access token now passes: nothing is cached.
		if me := readMe(t, e, owner.Token); !me.User.EmailVerified || me.PendingEmail != nil {
			t.Fatalf("after verifying: %+v", me)
		}
		for name, c := range refused {
			if r := e.As(owner.Token, "POST", c[0].(string), c[1]); r.Status != http.StatusCreated {
				t.Fatalf("%s verified: %s", name, r)
			}
		}
		if r := e.As(owner.Token, "POST", "/api/v1/auth/email/resend", nil); r.Status != http.StatusConflict {
			t.Fatalf("resend when verified: %s", r)
		}
		var inv struct{ Token string }
		e.As(owner.Token, "GET", "/api/v1/account/invitations", nil)
		inv.Token = e.MailToken(e.LastMail("helper@example.com", "invitation"), "/accept-invite")
		r = e.Do("POST", "/api/v1/auth/accept-invite", map[string]string{"token": inv.Token, "password": "a fine long passphrase"})
		var joined struct {
			AccessToken string `json:"access_token"`
			User        struct {
				EmailVerified bool `json:"email_verified"`
			}
		}
		r.JSON(t, &joined)
		if r.Status != http.StatusCreated || !joined.User.EmailVerified || !readMe(t, e, joined.AccessToken).User.EmailVerified {
			t.Fatalf("an accepted invitation is not verified: %s", r)
		}
	})
}

// TestResendSupersedesAndIsThrottled: each resend replaces the earlier
// link; the fourth within an hour is 429 rate_limited with Retry-After;
// API keys have no address to confirm.
func TestResendSupersedesAndIsThrottled(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, storetest.Backends()[0], throttleOn)
	owner := e.SignUpUnverified("Resender")
	first := e.VerificationToken(owner.Email)
	var last string
	for i := range 3 {
		r := e.As(owner.Token, "POST", "/api/v1/auth/email/resend", nil)
		if r.Status != http.StatusAccepted || r.Map(t)["email"] != owner.Email {
			t.Fatalf("resend %d: %s", i+1, r)
		}
		last = e.VerificationToken(owner.Email)
	}
	r := e.As(owner.Token, "POST", "/api/v1/auth/email/resend", nil)
	retry, _ := strconv.Atoi(r.Header.Get("Retry-After"))
	if r.Status != http.StatusTooManyRequests || r.Code() != "rate_limited" || retry < 60 || retry > 3600 {
		t.Fatalf("fourth resend in an hour: %s (Retry-After %q)", r, r.Header.Get("Retry-After"))
	}
	if n := e.Count(`SELECT COUNT(*) FROM messages WHERE to_addr = ? AND kind = 'email_verification'`, owner.Email); n != 4 {
		t.Fatalf("%d verification messages, want the sign-up's and 3 resent", n)
	}
	if r := e.Do("POST", "/api/v1/auth/email/verify", map[string]string{"token": first}); r.Status != http.StatusNotFound {
		t.Fatalf("a replaced link still works: %s", r)
	}
	if r := e.Do("POST", "/api/v1/auth/email/verify", map[string]string{"token": last}); r.Status != http.StatusOK {
		t.Fatalf("the newest link: %s", r)
	}
	_, key := e.NewAPIKey(owner.Token, map[string]any{"name": "robot", "role": "admin"})
	for _, path := range []string{"/api/v1/auth/email/resend", "/api/v1/auth/me/email"} {
		r := e.As(key, "POST", path, map[string]string{"email": "robot@example.com", "current_password": owner.Password})
		if r.Status != http.StatusForbidden || r.Code() != "forbidden" {
			t.Fatalf("API key on %s: %s", path, r)
		}
	}
}

// TestChangeEmailEndToEnd: the current password is required; a taken
// address is refused; the new address takes effect only when its link is
// opened (login stays with the old one until then), the account's billing
// e-mail follows the login, and the old address is told.
func TestChangeEmailEndToEnd(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Mover")
		other := e.SignUp("Holder")
		change := func(body map[string]string) *apptest.Response {
			return e.As(owner.Token, "POST", "/api/v1/auth/me/email", body)
		}
		newAddr := "moved-" + owner.Email
		if r := change(map[string]string{"email": newAddr, "current_password": "wrong password here"}); r.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(string(r.Body), `"field":"current_password"`) {
			t.Fatalf("wrong password: %s", r)
		}
		if r := change(map[string]string{"email": "not an address", "current_password": owner.Password}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad address: %s", r)
		}
		if r := change(map[string]string{"email": strings.ToUpper(other.Email), "current_password": owner.Password}); r.Status != http.StatusConflict {
			t.Fatalf("taken address: %s", r)
		}
		if r := change(map[string]string{"email": owner.Email, "current_password": owner.Password}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("own address: %s", r)
		}
		r := change(map[string]string{"email": " " + strings.ToUpper(newAddr), "current_password": owner.Password})
		if m := r.Map(t); r.Status != http.StatusAccepted || m["email"] != newAddr || m["change"] != true {
			t.Fatalf("change: %s", r)
		}
		if me := readMe(t, e, owner.Token); me.User.Email != owner.Email || !me.User.EmailVerified || me.PendingEmail == nil ||
			me.PendingEmail.Email != newAddr || !me.PendingEmail.Change {
			t.Fatalf("before the link is opened: %+v", me)
		}
		if r := e.Login(owner.Email, owner.Password); r.Status != http.StatusOK {
			t.Fatalf("old address before confirmation: %s", r)
		}
		if r := e.Login(newAddr, owner.Password); r.Status != http.StatusUnauthorized {
			t.Fatalf("new address before confirmation: %s", r)
		}
		if text := e.LastMail(owner.Email, "email_changed"); text != "" {
			t.Fatalf("the old address was told before the change:\n%s", text)
		}
		r = e.Do("POST", "/api/v1/auth/email/verify", map[string]string{"token": e.VerificationToken(newAddr)})
		if m := r.Map(t); r.Status != http.StatusOK || m["email"] != newAddr || m["previous_email"] != owner.Email {
			t.Fatalf("confirm the change: %s", r)
		}
		if r := e.Login(newAddr, owner.Password); r.Status != http.StatusOK {
			t.Fatalf("new address after confirmation: %s", r)
		}
		if r := e.Login(owner.Email, owner.Password); r.Status != http.StatusUnauthorized {
			t.Fatalf("old address after confirmation: %s", r)
		}
		if me := readMe(t, e, owner.Token); me.User.Email != newAddr || !me.User.EmailVerified || me.PendingEmail != nil {
			t.Fatalf("after the change: %+v", me)
		}
		notice := e.LastMail(owner.Email, "email_changed")
		if !strings.Contains(notice, newAddr) || !strings.Contains(notice, "If you did not make it") {
			t.Fatalf("notice to the old address:\n%s", notice)
		}
		var acct struct {
			BillingEmail string `json:"billing_email"`
		}
		e.As(owner.Token, "GET", "/api/v1/account", nil).JSON(t, &acct)
		if acct.BillingEmail != newAddr {
			t.Fatalf("billing e-mail %q stayed on the old address", acct.BillingEmail)
		}
		if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE action = 'user.email_changed' AND account_id = ?`, owner.AccountID); n != 1 {
			t.Fatalf("%d audit events of the change", n)
		}
	})
}

// TestTwoPeopleClaimOneAddress: both may ask for a free address; when
// their links are opened at once exactly one wins and the other is 409
// conflict with their address unchanged; a sign-up with it is refused
// after.
func TestTwoPeopleClaimOneAddress(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		a, c := e.SignUp("Claimer A"), e.SignUp("Claimer B")
		wanted := "wanted-" + a.Email
		tokens := map[string]string{}
		for _, u := range []*apptest.User{a, c} {
			if r := e.As(u.Token, "POST", "/api/v1/auth/me/email", map[string]string{"email": wanted, "current_password": u.Password}); r.Status != http.StatusAccepted {
				t.Fatalf("claim by %s: %s", u.Email, r)
			}
			// Each link is read before the next is sent: both go to one address.
			tokens[u.Email] = e.VerificationToken(wanted)
		}
		statuses := make(chan int, 2)
		var wg sync.WaitGroup
		for _, tok := range tokens {
			wg.Go(func() {
				statuses <- e.Do("POST", "/api/v1/auth/email/verify", map[string]string{"token": tok}).Status
			})
		}
		wg.Wait()
		close(statuses)
		got := map[int]int{}
		for s := range statuses {
			got[s]++
		}
		if got[http.StatusOK] != 1 || got[http.StatusConflict] != 1 {
			t.Fatalf("two confirmations of one address answered %v, want one 200 and one 409", got)
		}
		if n := e.Count(`SELECT COUNT(*) FROM users WHERE email = ?`, wanted); n != 1 {
			t.Fatalf("%d users hold the address", n)
		}
		if n := e.Count(`SELECT COUNT(*) FROM users WHERE email IN (?, ?)`, a.Email, c.Email); n != 1 {
			t.Fatalf("the loser's address changed too (%d of the old addresses left)", n)
		}
		r := e.Do("POST", "/api/v1/auth/register", map[string]string{"name": "Late", "email": wanted, "password": "a long and unusual passphrase"})
		if r.Status != http.StatusConflict {
			t.Fatalf("sign-up with the claimed address: %s", r)
		}
	})
}
