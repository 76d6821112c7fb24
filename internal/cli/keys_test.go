package cli_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/auth"
	"github.com/igny8/igny8/internal/cli"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// runFor runs the program like run, but gives up after a while, so that a
// serve that should have refused to start cannot hang the test.
func runFor(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out, errOut syncBuffer
	code := cli.Run(ctx, args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

// storedKeys reads the private_key column of every signing key of dsn.
func storedKeys(t *testing.T, dsn string) []string {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.SQL().Query(`SELECT private_key FROM signing_keys ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func allSealed(keys []string) bool {
	for _, k := range keys {
		if !strings.HasPrefix(k, "v1:") {
			return false
		}
	}
	return len(keys) > 0
}

func TestKeysNewKEKPrintsAUsableKey(t *testing.T) {
	code, out, errOut := run(t, nil, "keys", "new-kek")
	if code != 0 || strings.Count(out, "\n") != 1 {
		t.Fatalf("keys new-kek: %d %q %q", code, out, errOut)
	}
	if _, err := auth.ParseKeyEncryptionKey(out); err != nil {
		t.Fatalf("printed key does not parse: %v", err)
	}
	if _, again, _ := run(t, nil, "keys", "new-kek"); again == out {
		t.Fatal("two runs printed the same key")
	}
}

// TestSealedKeysNeedTheirKeyEncryptionKey: with sealed keys in the
// database, serve and keys rotate refuse to start without the right key
// encryption key, naming the setting, and make no new key.
func TestSealedKeysNeedTheirKeyEncryptionKey(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		dsn := b.URL(t)
		kek, wrong := auth.GenerateKeyEncryptionKey(), auth.GenerateKeyEncryptionKey()
		if code, out, errOut := runFor(t, nil, "keys", "rotate", "--database-url", dsn, "--key-encryption-key", kek); code != 0 {
			t.Fatalf("keys rotate: %q %q", out, errOut)
		}
		sealed := storedKeys(t, dsn)
		if len(sealed) != 2 || !allSealed(sealed) {
			t.Fatalf("stored keys: %q", sealed)
		}
		serve := []string{"serve", "--addr", "127.0.0.1:0", "--database-url", dsn}
		rotate := []string{"keys", "rotate", "--database-url", dsn}
		for _, c := range []struct {
			name string
			env  map[string]string
			args []string
			want string
		}{
			{"serve without", nil, serve, "no key encryption key is configured (set --key-encryption-key or IGNY8_KEY_ENCRYPTION_KEY)"},
			{"rotate without", nil, rotate, "no key encryption key is configured (set --key-encryption-key or IGNY8_KEY_ENCRYPTION_KEY)"},
			{"serve with another", map[string]string{"IGNY8_KEY_ENCRYPTION_KEY": wrong}, serve, "does not open with the configured key encryption key (--key-encryption-key, IGNY8_KEY_ENCRYPTION_KEY)"},
			{"rotate with another", nil, append(rotate, "--key-encryption-key", wrong), "does not open with the configured key encryption key"},
			{"serve with a malformed one", nil, append(serve, "--key-encryption-key", "sEcReT-but-not-a-key"), "--key-encryption-key (IGNY8_KEY_ENCRYPTION_KEY) must be 32 random bytes in standard base64"},
			{"rotate with a short one", map[string]string{"IGNY8_KEY_ENCRYPTION_KEY": kek[:20]}, rotate, "must be 32 random bytes"},
		} {
			code, out, errOut := runFor(t, c.env, c.args...)
			if code == 0 || !strings.Contains(errOut, c.want) {
				t.Errorf("%s: exit %d, stdout %q, stderr %q; want %q", c.name, code, out, errOut, c.want)
			}
			for _, secret := range []string{kek, wrong, "sEcReT", kek[:20]} {
				if strings.Contains(out+errOut, secret) {
					t.Errorf("%s: output shows a key encryption key: %q", c.name, out+errOut)
				}
			}
		}
		if after := storedKeys(t, dsn); strings.Join(after, ",") != strings.Join(sealed, ",") {
			t.Fatalf("a refused start changed the keys: %d keys", len(after))
		}
	})
}

// TestKeysRewrap: rewrap moves every key to a new key encryption key;
// the old one then opens nothing, a wrong old one changes nothing.
func TestKeysRewrap(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		dsn := b.URL(t)
		oldKEK, newKEK, other := auth.GenerateKeyEncryptionKey(), auth.GenerateKeyEncryptionKey(), auth.GenerateKeyEncryptionKey()
		rotate := func(kek string) (int, string) {
			code, _, errOut := runFor(t, nil, "keys", "rotate", "--database-url", dsn, "--key-encryption-key", kek)
			return code, errOut
		}
		if code, errOut := rotate(oldKEK); code != 0 {
			t.Fatalf("rotate: %s", errOut)
		}
		env := map[string]string{"IGNY8_DATABASE_URL": dsn, "IGNY8_KEY_ENCRYPTION_KEY": newKEK, "IGNY8_OLD_KEY_ENCRYPTION_KEY": oldKEK}
		code, out, errOut := runFor(t, env, "keys", "rewrap")
		if code != 0 || !strings.Contains(out, "2 signing keys and 0 TOTP secrets sealed again") {
			t.Fatalf("rewrap: %d %q %q", code, out, errOut)
		}
		if code, errOut := rotate(oldKEK); code == 0 || !strings.Contains(errOut, "does not open") {
			t.Fatalf("rotate with the old key after rewrap: %d %q", code, errOut)
		}
		if code, errOut := rotate(newKEK); code != 0 {
			t.Fatalf("rotate with the new key: %s", errOut)
		}
		if code, out, _ := runFor(t, env, "keys", "rewrap"); code != 0 || !strings.Contains(out, "0 signing keys") {
			t.Fatalf("rewrap again: %d %q", code, out)
		}
		before := storedKeys(t, dsn)
		code, out, errOut = runFor(t, nil, "keys", "rewrap", "--database-url", dsn, "--key-encryption-key", other,
			"--old-key-encryption-key", oldKEK)
		if code == 0 || !strings.Contains(errOut, "nothing was changed") {
			t.Fatalf("rewrap from a key that sealed nothing: %d %q %q", code, out, errOut)
		}
		if code, _, errOut := runFor(t, nil, "keys", "rewrap", "--database-url", dsn); code == 0 ||
			!strings.Contains(errOut, "--key-encryption-key") {
			t.Fatalf("rewrap without a new key: %d %q", code, errOut)
		}
		if after := storedKeys(t, dsn); strings.Join(after, ",") != strings.Join(before, ",") || !allSealed(after) {
			t.Fatal("a refused rewrap changed the keys")
		}
		for _, secret := range []string{oldKEK, newKEK, other} {
			if strings.Contains(out+errOut, secret) {
				t.Fatal("rewrap shows a key encryption key")
			}
		}
	})
}

func TestHelpNeverShowsTheKeyEncryptionKey(t *testing.T) {
	kek := auth.GenerateKeyEncryptionKey()
	env := map[string]string{"IGNY8_KEY_ENCRYPTION_KEY": kek, "IGNY8_OLD_KEY_ENCRYPTION_KEY": kek}
	for _, args := range [][]string{{"serve", "--help"}, {"serve", "--key-encryption-key", kek, "--help"},
		{"keys", "rotate", "--help"}, {"keys", "rewrap", "--old-key-encryption-key", kek, "--help"}} {
		code, out, errOut := run(t, env, args...)
		if code != 0 || !strings.Contains(out, "--key-encryption-key") || !strings.Contains(out, "[$IGNY8_KEY_ENCRYPTION_KEY]") {
			t.Errorf("%v: %d %q", args, code, errOut)
		}
		if strings.Contains(out+errOut, kek) {
			t.Errorf("%v shows the key encryption key", args)
		}
	}
	if _, out, _ := run(t, nil, "keys", "rewrap", "--help"); !strings.Contains(out, "[$IGNY8_OLD_KEY_ENCRYPTION_KEY]") {
		t.Errorf("rewrap --help: %q", out)
	}
}

// newApp builds the program's services on dsn with a log in a buffer.
func newApp(t *testing.T, dsn, kek string) (*cli.App, *bytes.Buffer, error) {
	t.Helper()
	cfg := config.Default()
	cfg.DatabaseURL, cfg.KeyEncryptionKey, cfg.Throttle = dsn, kek, "off"
	var log bytes.Buffer
	app, err := cli.NewApp(context.Background(), &cfg, slog.New(slog.NewTextHandler(&log, nil)))
	if err == nil {
		t.Cleanup(func() { app.Close() })
	}
	return app, &log, err
}

func TestServeWarnsOnceWhenKeysAreUnencrypted(t *testing.T) {
	const warning = "token signing keys are stored unencrypted"
	_, log, err := newApp(t, storetest.SQLiteURL(t), "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(log.String(), warning) != 1 || !strings.Contains(log.String(), "level=WARN") {
		t.Fatalf("start without a key encryption key logged %q", log.String())
	}
	kek := auth.GenerateKeyEncryptionKey()
	_, log, err = newApp(t, storetest.SQLiteURL(t), kek)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), warning) || strings.Contains(log.String(), kek) {
		t.Fatalf("start with a key encryption key logged %q", log.String())
	}
}

// TestServeWithAKeyEncryptionKey runs the real program with the key in
// its variable: sign-up works, the key is in no output and no metric.
func TestServeWithAKeyEncryptionKey(t *testing.T) {
	dsn := storetest.SQLiteURL(t)
	kek := auth.GenerateKeyEncryptionKey()
	ctx, stop := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	env := map[string]string{"IGNY8_ADDR": "127.0.0.1:0", "IGNY8_DATABASE_URL": dsn, "IGNY8_KEY_ENCRYPTION_KEY": kek,
		"IGNY8_LOG_LEVEL": "debug", "IGNY8_ARGON2_MEMORY": "64", "IGNY8_ARGON2_TIME": "1"}
	go func() {
		done <- cli.Run(ctx, []string{"serve"}, func(k string) string { return env[k] }, &out, &errOut)
	}()
	stopped := false
	shutdown := func() {
		if !stopped {
			stopped = true
			stop()
			<-done
		}
	}
	defer shutdown()
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("server did not start: %s %s", out.String(), errOut.String())
	}
	resp, err := http.Post(base+"/api/v1/auth/register", "application/json",
		strings.NewReader(`{"name":"Sealed","email":"sealed@example.com","password":"a long and unusual passphrase"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %d", resp.StatusCode)
	}
	resp, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !allSealed(storedKeys(t, dsn)) {
		t.Fatal("serve stored a key unsealed")
	}
	shutdown()
	if shown := out.String() + errOut.String() + string(metrics); strings.Contains(shown, kek) ||
		strings.Contains(shown, "stored unencrypted") {
		t.Fatalf("the key encryption key or the warning shows: %s", shown)
	}
}

// TestSignUpAndLoginWithAKeyEncryptionKey runs the real program with a
// key encryption key: every flow that issues and verifies tokens works,
// rotation included, and the keys stay sealed.
func TestSignUpAndLoginWithAKeyEncryptionKey(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		kek := auth.GenerateKeyEncryptionKey()
		e := apptest.New(t, b, func(c *config.Config) { c.KeyEncryptionKey = kek })
		u := e.SignUp("Sealed Keys")
		if r := e.Login(u.Email, u.Password); r.Status != http.StatusOK {
			t.Fatalf("login: %s", r)
		}
		if r := e.As(u.Token, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusOK {
			t.Fatalf("me: %s", r)
		}
		if code, out, errOut := e.CLI("keys", "rotate", "--key-encryption-key", kek); code != 0 {
			t.Fatalf("keys rotate: %s %s", out, errOut)
		}
		if r := e.As(u.Token, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusOK {
			t.Fatalf("token of the key before rotation: %s", r)
		}
		r := e.Do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": u.RefreshToken})
		if r.Status != http.StatusOK {
			t.Fatalf("refresh: %s", r)
		}
		if keys := storedKeys(t, e.Cfg.DatabaseURL); len(keys) != 2 || !allSealed(keys) {
			t.Fatalf("stored keys: %q", keys)
		}
	})
}

// TestKeysWrittenBeforeAKeyEncryptionKeyAreSealedAtStart: an instance
// started with a key encryption key on a database of plaintext keys seals
// them, and tokens issued before keep working; after that an instance
// without the key refuses to start.
func TestKeysWrittenBeforeAKeyEncryptionKeyAreSealedAtStart(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		before := apptest.New(t, b)
		u := before.SignUp("Before")
		dsn := before.Cfg.DatabaseURL
		if keys := storedKeys(t, dsn); len(keys) != 1 || allSealed(keys) {
			t.Fatalf("keys before: %q", keys)
		}
		kek := auth.GenerateKeyEncryptionKey()
		after := apptest.New(t, b, func(c *config.Config) { c.DatabaseURL, c.KeyEncryptionKey = dsn, kek })
		if keys := storedKeys(t, dsn); len(keys) != 1 || !allSealed(keys) {
			t.Fatalf("keys after: %q", keys)
		}
		if r := after.As(u.Token, "GET", "/api/v1/auth/me", nil); r.Status != http.StatusOK {
			t.Fatalf("token issued before the key encryption key: %s", r)
		}
		if r := after.Login(u.Email, u.Password); r.Status != http.StatusOK {
			t.Fatalf("login after sealing: %s", r)
		}
		if _, _, err := newApp(t, dsn, ""); err == nil || !strings.Contains(err.Error(), "IGNY8_KEY_ENCRYPTION_KEY") {
			t.Fatalf("start without the key after sealing: %v", err)
		}
		if keys := storedKeys(t, dsn); len(keys) != 1 {
			t.Fatalf("a refused start made a key: %d keys", len(keys))
		}
	})
}

// TestRewrapSealsTOTPSecretsToo: the TOTP secrets move to the new key
// encryption key with the signing keys, and two-step logins go on under it.
func TestRewrapSealsTOTPSecretsToo(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		oldKEK, newKEK := auth.GenerateKeyEncryptionKey(), auth.GenerateKeyEncryptionKey()
		e := apptest.New(t, b, func(c *config.Config) { c.KeyEncryptionKey = oldKEK })
		u := e.SignUp("Rewrapped")
		f := e.EnrolFactor(u.Token)
		before := e.Text(`SELECT secret FROM totp_factors WHERE user_id = ?`, u.ID)
		code, out, errOut := e.CLI("keys", "rewrap", "--key-encryption-key", newKEK, "--old-key-encryption-key", oldKEK)
		if code != 0 || !strings.Contains(out, "and 1 TOTP secrets sealed again") {
			t.Fatalf("rewrap: %d %q %q", code, out, errOut)
		}
		if after := e.Text(`SELECT secret FROM totp_factors WHERE user_id = ?`, u.ID); after == before || !strings.HasPrefix(after, "v1:") {
			t.Fatalf("the secret was not sealed again: %q", after)
		}
		e.Cfg.KeyEncryptionKey = newKEK
		again := e.Reopen()
		if r := again.LoginTwoStep(u.Email, u.Password, f.Recovery()); r.Status != http.StatusOK {
			t.Fatalf("two-step login under the new key: %s", r)
		}
	})
}
