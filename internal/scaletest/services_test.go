package scaletest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// freePort returns a TCP port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// privateRedis starts a redis-server of this test's own (never the shared
// one) and returns its URL and a function that kills it.
func privateRedis(t *testing.T) (string, func()) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed: Redis outage test skipped")
	}
	port := freePort(t)
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	kill := func() {
		_ = cmd.Process.Kill()
		<-done
	}
	t.Cleanup(kill)
	waitTCP(t, port)
	return fmt.Sprintf("redis://127.0.0.1:%d/0", port), kill
}

func waitTCP(t *testing.T, port int) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("nothing listens on port %d", port)
}

// privatePostgres is a PostgreSQL cluster of this test's own, in a temp
// folder, so that it can be stopped without touching anyone else's.
type privatePostgres struct {
	bin, dir string
	port     int
	asUser   []string // runuser prefix when running as root
}

// newPrivatePostgres initialises and starts a throwaway cluster; it skips
// when the PostgreSQL server programs are not installed.
func newPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(dirs) == 0 {
		t.Skip("PostgreSQL server programs not installed: restart test skipped")
	}
	pg := &privatePostgres{bin: filepath.Dir(dirs[len(dirs)-1]), port: freePort(t)}
	dir, err := os.MkdirTemp("", "igny8-pg")
	if err != nil {
		t.Fatal(err)
	}
	pg.dir = dir
	t.Cleanup(func() {
		_ = pg.run("pg_ctl", "-D", pg.dir+"/data", "-m", "immediate", "stop")
		os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 { // postgres refuses to run as root
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root without a postgres user: restart test skipped")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		pg.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	if err := pg.run("initdb", "-D", dir+"/data", "-A", "trust", "-U", "postgres", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v", err)
	}
	pg.start(t)
	return pg
}

func (pg *privatePostgres) run(name string, args ...string) error {
	argv := append(append(append([]string{}, pg.asUser...), filepath.Join(pg.bin, name)), args...)
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", name, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// start starts the cluster and waits until it accepts connections.
func (pg *privatePostgres) start(t *testing.T) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50", pg.port, pg.dir)
	if err := pg.run("pg_ctl", "-D", pg.dir+"/data", "-o", opts, "-l", pg.dir+"/log", "-w", "start"); err != nil {
		t.Fatalf("start private PostgreSQL: %v", err)
	}
}

// stop shuts the cluster down (fast: connections are cut).
func (pg *privatePostgres) stop(t *testing.T) {
	t.Helper()
	if err := pg.run("pg_ctl", "-D", pg.dir+"/data", "-m", "fast", "-w", "stop"); err != nil {
		t.Fatalf("stop private PostgreSQL: %v", err)
	}
}

func (pg *privatePostgres) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port)
}

// readyDetail returns one detail of an instance's /readyz.
func readyDetail(t *testing.T, in *instance, key string) string {
	t.Helper()
	r := call(context.Background(), in.URL, "GET", "/readyz", "", nil)
	var h struct{ Details map[string]string }
	_ = json.Unmarshal(r.Body, &h)
	return h.Details[key]
}
