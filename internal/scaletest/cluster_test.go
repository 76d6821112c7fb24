// Package scaletest runs several real igny8 serve processes on one
// PostgreSQL and one Redis, the scale-out shape of docs/design.md section 1,
// under a concurrent workload and under faults (an instance killed, Redis
// gone, PostgreSQL restarted). It needs IGNY8_TEST_POSTGRES_URL and
// IGNY8_TEST_REDIS_URL and skips, saying so, without them.
package scaletest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// RedisEnv names the variable that enables the tests needing Redis.
const RedisEnv = "IGNY8_TEST_REDIS_URL"

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// needServices skips t unless both PostgreSQL and Redis are configured.
func needServices(t *testing.T) (pgURL, redisURL string) {
	t.Helper()
	for _, v := range []string{storetest.PostgresEnv, RedisEnv} {
		if os.Getenv(v) == "" {
			t.Skipf("scale-out tests skipped: set %s and %s to run them", storetest.PostgresEnv, RedisEnv)
		}
	}
	return storetest.PostgresURL(t), os.Getenv(RedisEnv)
}

// binary builds igny8 once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "igny8-scaletest"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "igny8")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/igny8/igny8/cmd/igny8").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// instance is one running igny8 serve.
type instance struct {
	cmd  *exec.Cmd
	URL  string
	db   string // its --database-url
	logs *bytes.Buffer
	mu   *sync.Mutex
	done chan struct{}
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startInstance runs igny8 serve on a free port with args and waits until it
// listens. The process is stopped when t ends.
func startInstance(t *testing.T, dbURL string, args ...string) *instance {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"serve", "--addr", "127.0.0.1:0", "--database-url", dbURL,
		"--log-level", "warn"}, args...)...)
	cmd.Env = append(os.Environ(), "IGNY8_THROTTLE=", "IGNY8_REDIS_URL=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	in := &instance{cmd: cmd, db: dbURL, logs: &bytes.Buffer{}, mu: &sync.Mutex{}, done: make(chan struct{})}
	cmd.Stderr = lockedWriter{in}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(in.done) }()
	t.Cleanup(func() { in.stop(t) })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case in.URL = <-addr:
	case <-in.done:
		t.Fatalf("igny8 serve exited: %s", in.Logs())
	case <-time.After(60 * time.Second):
		t.Fatalf("igny8 serve did not start: %s", in.Logs())
	}
	return in
}

type lockedWriter struct{ in *instance }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.in.mu.Lock()
	defer w.in.mu.Unlock()
	return w.in.logs.Write(p)
}

// Logs returns what the instance wrote to stderr.
func (in *instance) Logs() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.logs.String()
}

// kill ends the instance at once (SIGKILL), as a crash would.
func (in *instance) kill() {
	_ = in.cmd.Process.Signal(syscall.SIGKILL)
	<-in.done
}

// stop ends the instance gracefully (SIGTERM), killing it after 20 s.
func (in *instance) stop(t *testing.T) {
	select {
	case <-in.done:
		return
	default:
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.done:
	case <-time.After(20 * time.Second):
		t.Errorf("igny8 serve did not stop on SIGTERM; killing it")
		in.kill()
	}
}

// runCLI runs an igny8 subcommand on dbURL and returns its exit code and output.
func runCLI(t *testing.T, dbURL string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(binary(t), append(args, "--database-url", dbURL)...)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatalf("igny8 %v: %v", args, err)
	}
	return 0, string(out)
}

// reply is an answered request.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r reply) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// code is the problem code of an error reply.
func (r reply) code() string {
	var p struct{ Code string }
	_ = json.Unmarshal(r.Body, &p)
	return p.Code
}

func (r reply) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r, err)
	}
}

var client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// call sends a JSON request; a transport error is status 0 with the error as body.
func call(ctx context.Context, base, method, path, token string, body any, hdr ...string) reply {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return reply{Body: []byte(err.Error())}
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
		return reply{Body: []byte(err.Error())}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

// hasRoute reports whether the API serves "METHOD /path" (as written in
// openapi.json), so that parts whose routes are not there yet say so.
func hasRoute(t *testing.T, base, route string) bool {
	t.Helper()
	r := call(context.Background(), base, "GET", "/api/v1/openapi.json", "", nil)
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	r.decode(t, &doc)
	method, path, _ := strings.Cut(route, " ")
	_, ok := doc.Paths[path][strings.ToLower(method)]
	return ok
}
