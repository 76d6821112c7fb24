package api_test

import (
	"encoding/base32"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/auth"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// midStep is a time in the middle of a TOTP step near now, for a frozen
// clock: codes then fall in the step the test means.
func midStep() time.Time { return time.Now().UTC().Truncate(30 * time.Second).Add(15 * time.Second) }

type tokens struct {
	AccessToken          string `json:"access_token"`
	RefreshToken         string `json:"refresh_token"`
	MFARequired          bool   `json:"mfa_required"`
	MFAEnrolmentRequired bool   `json:"mfa_enrolment_required"`
	Challenge            string `json:"challenge"`
}

func tokensOf(t *testing.T, r *apptest.Response) tokens {
	t.Helper()
	var tk tokens
	r.JSON(t, &tk)
	return tk
}

// challenge logs in with a password and returns the challenge answered.
func challenge(t *testing.T, e *apptest.Env, u *apptest.User) string {
	t.Helper()
	r := e.Login(u.Email, u.Password)
	tk := tokensOf(t, r)
	if r.Status != http.StatusOK || !tk.MFARequired || tk.Challenge == "" || tk.AccessToken != "" || tk.RefreshToken != "" {
		t.Fatalf("login with a second factor on: %s", r)
	}
	return tk.Challenge
}

func secondStep(e *apptest.Env, ch, code string) *apptest.Response {
	return e.Do("POST", "/api/v1/auth/mfa", map[string]string{"challenge": ch, "code": code})
}

func TestTwoStepLoginOverHTTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		e.Freeze(midStep())
		u := e.SignUp("Two Steps")

		// Enrolment: a secret three ways, confirmed by one code.
		r := e.As(u.Token, "POST", "/api/v1/auth/mfa/totp", nil)
		var raw map[string]string
		r.JSON(t, &raw)
		if r.Status != http.StatusCreated || raw["secret"] == "" || !strings.HasPrefix(raw["otpauth_url"], "otpauth://totp/igny8:") ||
			!strings.HasPrefix(raw["qr_code"], "data:image/png;base64,") {
			t.Fatalf("start: %s", r)
		}
		if r := e.As(u.Token, "POST", "/api/v1/auth/mfa/totp/confirm", map[string]string{"code": "123"}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("confirm with a wrong code: %s", r)
		}
		if r := e.As(u.Token, "GET", "/api/v1/auth/mfa", nil); r.Map(t)["enabled"] != false {
			t.Fatalf("on after a wrong code: %s", r)
		}
		if r := e.Login(u.Email, u.Password); tokensOf(t, r).MFARequired {
			t.Fatalf("a pending enrolment asks for a code: %s", r)
		}
		f := e.EnrolFactor(u.Token) // starts again (replacing the pending secret) and confirms
		if len(f.RecoveryCodes) != igny8.RecoveryCodeCount {
			t.Fatalf("recovery codes: %v", f.RecoveryCodes)
		}
		if n := e.Count(`SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?`, u.ID); n != 10 {
			t.Fatalf("%d recovery codes stored", n)
		}
		for _, c := range f.RecoveryCodes {
			if e.Count(`SELECT COUNT(*) FROM recovery_codes WHERE code_hash = ? OR code_hash = ?`, c, strings.ReplaceAll(c, "-", "")) != 0 {
				t.Fatal("a recovery code is stored as itself")
			}
		}
		r = e.As(u.Token, "GET", "/api/v1/auth/mfa", nil)
		if m := r.Map(t); r.Status != 200 || m["enabled"] != true || m["this_login"] != true || m["recovery_codes_left"] != 10.0 {
			t.Fatalf("status after enrolment: %s", r)
		}
		if r := e.As(u.Token, "POST", "/api/v1/auth/mfa/totp", nil); r.Status != http.StatusConflict {
			t.Fatalf("a second enrolment while on: %s", r)
		}

		// A login asks for the second step; a wrong code is refused and
		// counted as a failed login; the current code lets in.
		ch := challenge(t, e, u)
		if r := secondStep(e, ch, "000000"); r.Status != http.StatusUnauthorized || r.Code() != igny8.EUnauthenticated {
			t.Fatalf("wrong code: %s", r)
		}
		if n := e.Count(`SELECT COUNT(*) FROM login_failures WHERE failures = 1`); n != 1 {
			t.Fatalf("the wrong code was not counted (%d rows)", n)
		}
		code := f.Code()
		r = secondStep(e, ch, code)
		tk := tokensOf(t, r)
		if r.Status != http.StatusOK || tk.AccessToken == "" || tk.RefreshToken == "" {
			t.Fatalf("second step: %s", r)
		}
		if r := e.As(tk.AccessToken, "GET", "/api/v1/auth/mfa", nil); r.Map(t)["this_login"] != true {
			t.Fatalf("the login is not marked as using a second factor: %s", r)
		}
		// The challenge is single-use; the code is accepted once.
		if r := secondStep(e, ch, f.CodeAt(e.Now())); r.Status != http.StatusUnauthorized {
			t.Fatalf("a spent challenge: %s", r)
		}
		if r := secondStep(e, challenge(t, e, u), code); r.Status != http.StatusUnauthorized {
			t.Fatalf("a replayed code: %s", r)
		}
		// One step of clock skew either way is accepted (the clock is
		// frozen): the step before now, then the step after.
		e.Advance(60 * time.Second)
		if r := secondStep(e, challenge(t, e, u), f.CodeAt(e.Now().Add(-30*time.Second))); r.Status != http.StatusOK {
			t.Fatalf("a code one step behind: %s", r)
		}
		if r := secondStep(e, challenge(t, e, u), f.CodeAt(e.Now().Add(30*time.Second))); r.Status != http.StatusOK {
			t.Fatalf("a code one step ahead: %s", r)
		}
		if r := secondStep(e, challenge(t, e, u), f.CodeAt(e.Now().Add(60*time.Second))); r.Status != http.StatusUnauthorized {
			t.Fatalf("a code two steps ahead: %s", r)
		}

		// A recovery code works once, typed any way.
		rc := f.Recovery()
		if r := secondStep(e, challenge(t, e, u), strings.ToUpper(rc)); r.Status != http.StatusOK {
			t.Fatalf("recovery code: %s", r)
		}
		if r := secondStep(e, challenge(t, e, u), rc); r.Status != http.StatusUnauthorized {
			t.Fatalf("a used recovery code: %s", r)
		}
		// A refresh goes on as a login that used the factor.
		r = e.Do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": tk.RefreshToken})
		if r.Status != http.StatusOK {
			t.Fatalf("refresh: %s", r)
		}
		if r := e.As(tokensOf(t, r).AccessToken, "GET", "/api/v1/auth/mfa", nil); r.Map(t)["this_login"] != true {
			t.Fatalf("the refreshed login lost its second factor: %s", r)
		}

		// Five wrong codes end a challenge.
		ch = challenge(t, e, u)
		for range 5 {
			secondStep(e, ch, "111111")
		}
		if r := secondStep(e, ch, f.Code()); r.Status != http.StatusUnauthorized {
			t.Fatalf("a challenge after five wrong codes: %s", r)
		}
		for _, body := range []map[string]string{{}, {"challenge": ch}, {"code": "123456"}} {
			if r := e.Do("POST", "/api/v1/auth/mfa", body); r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("second step without %v: %s", body, r)
			}
		}

		// Turning it off needs a current code or a recovery code.
		if r := e.As(tk.AccessToken, "DELETE", "/api/v1/auth/mfa/totp", map[string]string{"code": "222222"}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("turn off with a wrong code: %s", r)
		}
		if r := e.As(tk.AccessToken, "DELETE", "/api/v1/auth/mfa/totp", map[string]string{"code": f.Recovery()}); r.Status != http.StatusNoContent {
			t.Fatalf("turn off: %s", r)
		}
		if r := e.Login(u.Email, u.Password); r.Status != http.StatusOK || tokensOf(t, r).AccessToken == "" {
			t.Fatalf("login after turning it off: %s", r)
		}
		if n := e.Count(`SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?`, u.ID); n != 0 {
			t.Fatalf("%d recovery codes left after turning it off", n)
		}
	})
}

// TestTOTPSecretsAreSealed reads the stored secret raw: sealed with the
// key encryption key, and neither the secret nor its text is in the row.
func TestTOTPSecretsAreSealed(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b, func(c *config.Config) { c.KeyEncryptionKey = auth.GenerateKeyEncryptionKey() })
		u := e.SignUp("Sealed")
		f := e.EnrolFactor(u.Token)
		stored := e.Text(`SELECT secret FROM totp_factors WHERE user_id = ?`, u.ID)
		secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(f.Secret)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(stored, "v1:") || strings.Contains(stored, f.Secret) ||
			strings.Contains(stored, base64.StdEncoding.EncodeToString(secret)) {
			t.Fatalf("stored secret %q is not sealed", stored)
		}
		// A sealed secret moved to another person's row does not open.
		other := e.SignUp("Other")
		e.EnrolFactor(other.Token)
		e.Exec(`UPDATE totp_factors SET secret = ? WHERE user_id = ?`, stored, other.ID)
		if r := e.Login(other.Email, other.Password); r.Status != http.StatusInternalServerError {
			t.Fatalf("login with a secret sealed for another person: %s", r)
		}
		if r := e.LoginTwoStep(u.Email, u.Password, f.Code()); r.Status != http.StatusOK {
			t.Fatalf("two-step login with a sealed secret: %s", r)
		}
	})
}

func TestAdministratorsMustEnrol(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		email := "new-dev@igny8.test"
		if code, _, errOut := e.CLI("admin", "create", "--email", email, "--password", "developer password 1"); code != 0 {
			t.Fatalf("admin create: %s", errOut)
		}
		r := e.Login(email, "developer password 1")
		tk := tokensOf(t, r)
		if r.Status != http.StatusOK || !tk.MFAEnrolmentRequired {
			t.Fatalf("developer's first login: %s", r)
		}
		for _, path := range []string{"/api/v1/admin/accounts", "/api/v1/admin/payments", "/api/v1/admin/audit"} {
			if r := e.As(tk.AccessToken, "GET", path, nil); r.Status != http.StatusForbidden || r.Code() != igny8.EMFAEnrolment {
				t.Fatalf("%s before enrolment: %s", path, r)
			}
		}
		if r := e.As(tk.AccessToken, "POST", "/api/v1/admin/accounts/x/suspend", map[string]string{"reason": "r"}); r.Code() != igny8.EMFAEnrolment {
			t.Fatalf("an admin action before enrolment: %s", r)
		}
		if r := e.As(tk.AccessToken, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusOK {
			t.Fatalf("me before enrolment: %s", r)
		}
		// A refresh does not get round it.
		r = e.Do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": tk.RefreshToken})
		if rt := tokensOf(t, r); r.Status != 200 || !rt.MFAEnrolmentRequired ||
			e.As(rt.AccessToken, "GET", "/api/v1/admin/accounts", nil).Code() != igny8.EMFAEnrolment {
			t.Fatalf("refreshed login before enrolment: %s", r)
		}
		// Enrolling in this login opens the console to it.
		f := e.EnrolFactor(tk.AccessToken)
		if r := e.As(tk.AccessToken, "GET", "/api/v1/admin/accounts", nil); r.Status != http.StatusOK {
			t.Fatalf("admin after enrolment: %s", r)
		}
		// Turning the factor off closes it again.
		if r := e.As(tk.AccessToken, "DELETE", "/api/v1/auth/mfa/totp", map[string]string{"code": f.Recovery()}); r.Status != http.StatusNoContent {
			t.Fatalf("turn off: %s", r)
		}
		if r := e.As(tk.AccessToken, "GET", "/api/v1/admin/accounts", nil); r.Code() != igny8.EMFAEnrolment {
			t.Fatalf("admin with the factor off: %s", r)
		}
		// The helper's developer (enrolled through these endpoints) is in.
		if r := e.As(e.Developer(), "GET", "/api/v1/admin/accounts", nil); r.Status != http.StatusOK {
			t.Fatalf("enrolled developer: %s", r)
		}
	})
}

func TestAccountRequiresASecondFactor(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Strict Owner")
		e.SetPlan(owner.AccountID, "growth")
		member := e.Invite(owner, "admin")
		require := func(token string, on bool) *apptest.Response {
			return e.As(token, "PATCH", "/api/v1/account", map[string]bool{"require_second_factor": on})
		}
		if r := require(owner.Token, true); r.Status != http.StatusConflict {
			t.Fatalf("require before the owner has a factor: %s", r)
		}
		if r := require(member.Token, true); r.Status != http.StatusForbidden {
			t.Fatalf("an admin requires it: %s", r)
		}
		e.EnrolFactor(owner.Token)
		if r := require(owner.Token, true); r.Status != http.StatusOK || r.Map(t)["require_second_factor"] != true {
			t.Fatalf("require: %s", r)
		}
		// The member, logged in without one, can reach only enrolment.
		if r := e.As(member.Token, "GET", "/api/v1/sites", nil); r.Status != http.StatusForbidden || r.Code() != igny8.EMFAEnrolment {
			t.Fatalf("member's sites: %s", r)
		}
		if r := e.As(member.Token, "GET", "/api/v1/account", nil); r.Code() != igny8.EMFAEnrolment {
			t.Fatalf("member's account: %s", r)
		}
		if r := e.As(member.Token, "GET", "/api/v1/auth/mfa", nil); r.Status != 200 || r.Map(t)["required"] != true {
			t.Fatalf("member's factor: %s", r)
		}
		// So does a new login without one, and an API key is not a login.
		r := e.Login(member.Email, member.Password)
		if tk := tokensOf(t, r); !tk.MFAEnrolmentRequired || e.As(tk.AccessToken, "GET", "/api/v1/sites", nil).Code() != igny8.EMFAEnrolment {
			t.Fatalf("member's next login: %s", r)
		}
		e.EnrolFactor(member.Token)
		if r := e.As(member.Token, "GET", "/api/v1/sites", nil); r.Status != http.StatusOK {
			t.Fatalf("member's sites after enrolment: %s", r)
		}
		// The owner's own login used its factor at confirmation; stopping
		// the requirement lets password-only logins in again.
		if r := require(owner.Token, false); r.Status != http.StatusOK {
			t.Fatalf("stop requiring: %s", r)
		}
	})
}

func TestAdministratorResetsAFactor(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		dev := e.Developer()
		u := e.SignUp("Lost Phone")
		e.EnrolFactor(u.Token)
		other := e.SignUp("Bystander")
		if r := e.As(other.Token, "POST", "/api/v1/admin/users/"+u.ID+"/reset-second-factor", nil); r.Status != http.StatusForbidden {
			t.Fatalf("a customer resets: %s", r)
		}
		if r := e.As(dev, "POST", "/api/v1/admin/users/"+other.ID+"/reset-second-factor", nil); r.Status != http.StatusNotFound {
			t.Fatalf("reset without a factor: %s", r)
		}
		r := e.As(dev, "POST", "/api/v1/admin/users/"+u.ID+"/reset-second-factor", nil)
		if r.Status != http.StatusOK || r.Map(t)["id"] != u.ID {
			t.Fatalf("reset: %s", r)
		}
		if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE action = 'user.second_factor_reset' AND target_id = ? AND account_id = ?`,
			u.ID, u.AccountID); n != 1 {
			t.Fatalf("%d audit events of the reset", n)
		}
		if n := e.Count(`SELECT COUNT(*) FROM messages WHERE kind = 'second_factor_reset' AND to_addr = ?`, u.Email); n != 1 {
			t.Fatalf("%d messages of the reset", n)
		}
		if r := e.As(u.Token, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("a login from before the reset: %s", r)
		}
		if r := e.Login(u.Email, u.Password); r.Status != http.StatusOK || tokensOf(t, r).AccessToken == "" {
			t.Fatalf("login after the reset: %s", r)
		}
	})
}

// TestRepeatedFailuresSlowWithoutLockingOut: an attacker from one address
// fails ten times and is then slowed, with growing delays; the owner,
// from the address they logged in from before, gets in at once; the
// attacker is slowed, not locked out; the owner is told once.
func TestRepeatedFailuresSlowWithoutLockingOut(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b, func(c *config.Config) { c.TrustProxy = true })
		e.Freeze(midStep())
		u := e.SignUp("Targeted")
		from := func(addr, password string) *apptest.Response {
			return e.Do("POST", "/api/v1/auth/login", map[string]string{"email": u.Email, "password": password}, "X-Forwarded-For", addr)
		}
		const owner, attacker = "198.51.100.7", "203.0.113.9"
		if r := from(owner, u.Password); r.Status != http.StatusOK {
			t.Fatalf("owner's login: %s", r)
		}
		for i := range 10 {
			if r := from(attacker, "a wrong guess of the passphrase"); r.Status != http.StatusUnauthorized {
				t.Fatalf("guess %d: %s", i+1, r)
			}
		}
		// Slowed: refused before the password is checked, the right one too.
		r := from(attacker, u.Password)
		if r.Status != http.StatusTooManyRequests || r.Map(t)["retry_after"] != 1.0 {
			t.Fatalf("after ten failures: %s", r)
		}
		// The owner is not.
		if r := from(owner, u.Password); r.Status != http.StatusOK {
			t.Fatalf("owner during the attack: %s", r)
		}
		// The delays grow, and pass.
		e.Advance(time.Second)
		if r := from(attacker, "another wrong guess"); r.Status != http.StatusUnauthorized {
			t.Fatalf("after the delay: %s", r)
		}
		if r := from(attacker, "x"); r.Status != http.StatusTooManyRequests || r.Map(t)["retry_after"] != 2.0 {
			t.Fatalf("the second delay: %s", r)
		}
		e.Advance(2 * time.Second)
		if r := from(attacker, u.Password); r.Status != http.StatusOK {
			t.Fatalf("a right password after the delay: %s", r)
		}
		if n := e.Count(`SELECT COUNT(*) FROM messages WHERE kind = 'login_failures' AND to_addr = ?`, u.Email); n != 1 {
			t.Fatalf("%d messages about the failures", n)
		}
		// Fifteen quiet minutes end the episode.
		e.Advance(16 * time.Minute)
		if r := from(attacker, "wrong"); r.Status != http.StatusUnauthorized {
			t.Fatalf("after the episode: %s", r)
		}
		if r := from(attacker, u.Password); r.Status != http.StatusOK {
			t.Fatalf("no delay after the episode: %s", r)
		}
	})
}

// TestImportedUserTakesTheSecondStep: a password brought from Django
// verifies through the same login, which then asks for the second factor
// like any other; the hash is replaced only once the login completes its
// first step.
func TestImportedUserTakesTheSecondStep(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		u := e.SignUp("Django Person")
		f := e.EnrolFactor(u.Token)
		// Django 3.2's pbkdf2_sha256 of "correct horse 1" (1000 iterations).
		e.Exec(`UPDATE users SET password_hash = 'pbkdf2_sha256$1000$saltsalt$x74/eLoFuG1b9SwCoUbGr8vyg2cKlbteE/sweaLyNOQ=' WHERE id = ?`, u.ID)
		u.Password = "correct horse 1"
		ch := challenge(t, e, u)
		if r := secondStep(e, ch, f.Recovery()); r.Status != http.StatusOK || tokensOf(t, r).AccessToken == "" {
			t.Fatalf("imported user's second step: %s", r)
		}
		if n := e.Count(`SELECT COUNT(*) FROM users WHERE id = ? AND password_hash LIKE '$argon2id$%'`, u.ID); n != 1 {
			t.Fatal("the Django hash was not replaced")
		}
		challenge(t, e, u) // the argon2id hash asks for the factor too
	})
}
