package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/cli"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// syncBuffer is a bytes.Buffer safe to read while the program writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestManagementCommandsAreIdempotent(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		db := b.URL(t)
		for i := 0; i < 2; i++ {
			if code, out, errOut := run(t, nil, "plans", "seed", "--database-url", db); code != 0 || strings.Count(out, "\n") != 7 {
				t.Fatalf("plans seed #%d: %d %q %q", i, code, out, errOut)
			}
			if code, out, errOut := run(t, nil, "create-free-trial-plan", "--database-url", db); code != 0 ||
				!strings.Contains(out, "2,000 credits, 1 site, 1 user, 3 sectors per site") {
				t.Fatalf("create-free-trial-plan #%d: %d %q %q", i, code, out, errOut)
			}
		}
		code, out, _ := run(t, nil, "plans", "seed", "--database-url", db)
		if code != 0 || strings.Count(out, "free-trial") != 1 {
			t.Fatalf("plans after repeated seeding: %q", out)
		}
		code, out, errOut := run(t, nil, "admin", "create", "--database-url", db, "--email", "Ops@Example.com", "--password", "a long admin password")
		if code != 0 || !strings.Contains(out, "ops@example.com") {
			t.Fatalf("admin create: %d %q %q", code, out, errOut)
		}
		if code, _, errOut := run(t, nil, "admin", "create", "--database-url", db, "--email", "ops@example.com", "--password", "a long admin password"); code == 0 || !strings.Contains(errOut, "already exists") {
			t.Fatalf("duplicate admin create: %d %q", code, errOut)
		}
	})
}

func TestServeRefusesSettingsItCannotKeep(t *testing.T) {
	for _, c := range []struct{ flag, want string }{
		{"--ai-timeout=2m", "--ai-timeout must be between 1s and 1m20s"},
		{"--ai-timeout=0s", "--ai-timeout must be between"},
		{"--throttle=maybe", "--throttle must be on or off"},
	} {
		code, _, errOut := run(t, nil, "serve", "--addr", "127.0.0.1:0", "--database-url", filepath.Join(t.TempDir(), "x.db"), c.flag)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("serve %s: exit %d, stderr %q, want %q", c.flag, code, errOut, c.want)
		}
	}
}

func TestMigrateUpDownStatus(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		db := b.URL(t)
		env := map[string]string{"IGNY8_DATABASE_URL": db}
		if code, out, errOut := run(t, env, "migrate", "status"); code != 0 || !strings.Contains(out, "pending") {
			t.Fatalf("status on empty: %d %q %q", code, out, errOut)
		}
		code, upOut, errOut := run(t, env, "migrate", "up")
		if code != 0 || !strings.HasPrefix(upOut, "applied 00001 00001_schema.sql\n") {
			t.Fatalf("up: %d %q %q", code, upOut, errOut)
		}
		code, out, _ := run(t, env, "migrate", "status")
		applied := strings.Count(out, "applied")
		if code != 0 || applied == 0 || strings.Contains(out, "pending") || strings.Count(upOut, "applied ") != applied {
			t.Fatalf("status after up: %q (up printed %q)", out, upOut)
		}
		if code, out, errOut := run(t, env, "migrate", "up"); code != 0 || !strings.HasPrefix(out, "nothing applied\n") {
			t.Fatalf("up with nothing pending: %d %q %q", code, out, errOut)
		}
		if code, out, errOut := run(t, env, "migrate", "down", "1"); code != 0 || strings.Count(out, "rolled back ") != 1 {
			t.Fatalf("down 1: %d %q %q", code, out, errOut)
		}
		if _, out, _ := run(t, env, "migrate", "status"); strings.Count(out, "applied") != applied-1 {
			t.Fatalf("status after down 1: %q", out)
		}
		if code, _, errOut := run(t, env, "migrate", "down", "zero"); code == 0 || !strings.Contains(errOut, "positive number") {
			t.Fatalf("down zero: %d %q", code, errOut)
		}
		if code, out, _ := run(t, env, "migrate", "up"); code != 0 || strings.Count(out, "applied ") != 1 {
			t.Fatalf("up again: %q", out)
		}
	})
}

func TestServeHelpListsFlagsWithDefaultsAndVariables(t *testing.T) {
	code, out, _ := run(t, nil, "serve", "--help")
	if code != 0 {
		t.Fatalf("serve --help exited %d", code)
	}
	for _, want := range []string{`--addr string`, `(default ":8080")`, "[$IGNY8_ADDR]", "--database-url", `(default "igny8.db")`,
		"[$IGNY8_DATABASE_URL]", "--redis-url", "[$IGNY8_REDIS_URL]", "--throttle", `(default "on")`, "[$IGNY8_THROTTLE]",
		"--log-level", `(default "info")`, "[$IGNY8_LOG_LEVEL]", "--smtp-url", "[$IGNY8_SMTP_URL]", "--mail-from",
		"[$IGNY8_MAIL_FROM]", "--public-url", "[$IGNY8_PUBLIC_URL]"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --help lacks %q", want)
		}
	}
	if code, _, errOut := run(t, map[string]string{"IGNY8_THROTTLE": "sometimes"}, "serve"); code == 0 || !strings.Contains(errOut, "--throttle must be on or off") {
		t.Errorf("bad IGNY8_THROTTLE: %d %q", code, errOut)
	}
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// TestServeWithNoSetUp runs the newcomer's command: serve with no flags
// but the address, in an empty folder. It must create ./igny8.db, list the
// six plans, and stop cleanly on the shutdown signal.
func TestServeWithNoSetUp(t *testing.T) {
	t.Chdir(t.TempDir())
	ctx, stop := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	env := map[string]string{"IGNY8_ADDR": "127.0.0.1:0", "IGNY8_DRAIN_TIMEOUT": "5s"}
	go func() {
		done <- cli.Run(ctx, []string{"serve"}, func(k string) string { return env[k] }, &out, &errOut)
	}()
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		stop()
		t.Fatalf("server did not start: %s %s", out.String(), errOut.String())
	}
	resp, err := http.Get(base + "/api/v1/plans")
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.Count(body.String(), `"slug"`) != 6 {
		t.Fatalf("plans: %d %s", resp.StatusCode, body.String())
	}
	if _, err := os.Stat(filepath.Join(".", "igny8.db")); err != nil {
		t.Fatalf("./igny8.db not created: %v", err)
	}
	if !strings.Contains(out.String(), "mail: kept, not sent") {
		t.Errorf("serve does not say that mail is kept: %s", out.String())
	}
	// The access log line of a request is written before the server closes
	// the connection (Connection: close), not held in a buffer that a
	// killed process would lose.
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "GET /api/v1/industries HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	_, _ = io.Copy(io.Discard, conn) // until the server closes it
	conn.Close()
	if !strings.Contains(errOut.String(), "path=/api/v1/industries") {
		t.Errorf("the access log line was not written when the response ended: %s", errOut.String())
	}
	stop()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop within the drain timeout")
	}
	if !strings.Contains(errOut.String(), "draining") {
		t.Errorf("no drain log line: %s", errOut.String())
	}
}
