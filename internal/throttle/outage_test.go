package throttle

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/redis/go-redis/v9"
)

// redisServer is a private, throwaway redis-server on a loopback port.
type redisServer struct {
	t    *testing.T
	path string
	port int
	cmd  *exec.Cmd
}

// startRedisServer starts redis-server on a free port, skipping the test
// when redis-server is not on PATH.
func startRedisServer(t *testing.T) *redisServer {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not on PATH; skipping the Redis outage test")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	s := &redisServer{t: t, path: path, port: port}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

func (s *redisServer) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.path, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--loglevel", "warning")
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start redis-server: %v", err)
	}
	client := redis.NewClient(&redis.Options{Addr: s.addr()})
	defer client.Close()
	deadline := time.Now().Add(5 * time.Second)
	for client.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server on %s did not answer within 5s", s.addr())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *redisServer) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// newInstance is one server instance's limiter on addr, tuned as New
// tunes it but probing every 20ms so the test stays short.
func newInstance(t *testing.T, addr string) *Fallback {
	t.Helper()
	opts := &redis.Options{Addr: addr}
	tuneRedis(opts, DefaultRedisTimeout)
	client := redis.NewClient(opts)
	f := NewFallback(NewRedis(client, "outage:"), NewMemory(nil), FallbackOptions{
		Logger: slog.New(&logRecorder{}), ProbeEvery: 20 * time.Millisecond,
	})
	t.Cleanup(func() {
		f.Wait()
		_ = client.Close()
	})
	return f
}

// allowedOf sends n requests for key alternating over instances and counts
// the allowed ones, failing on any error.
func allowedOf(t *testing.T, n int, key string, instances ...*Fallback) int {
	t.Helper()
	rate := igny8.Rate{PerMinute: 1, Burst: 4}
	allowed := 0
	for i := range n {
		if mustAllow(t, instances[i%len(instances)], key, rate).Allowed {
			allowed++
		}
	}
	return allowed
}

// TestRedisOutageAndRecovery plays two instances on one private Redis
// that is killed and restarted: shared budget, then per-instance budgets
// from memory without errors, then a shared budget again.
func TestRedisOutageAndRecovery(t *testing.T) {
	srv := startRedisServer(t)
	a, b := newInstance(t, srv.addr()), newInstance(t, srv.addr())
	if got := allowedOf(t, 10, "before", a, b); got != 4 {
		t.Fatalf("while Redis is up two instances allowed %d, want one budget of 4", got)
	}

	srv.stop()
	if got := allowedOf(t, 10, "during", a) + allowedOf(t, 10, "during", b); got != 8 {
		t.Fatalf("while Redis is down allowed %d, want a budget of 4 per instance", got)
	}
	if a.Healthy() || b.Healthy() {
		t.Fatal("an instance reports Redis healthy after it was killed")
	}

	srv.start()
	deadline := time.Now().Add(5 * time.Second)
	for !a.Healthy() || !b.Healthy() {
		if time.Now().After(deadline) {
			t.Fatal("the instances did not return to Redis within 5s of its restart")
		}
		allowedOf(t, 1, "probe", a)
		allowedOf(t, 1, "probe", b)
		time.Sleep(10 * time.Millisecond)
	}
	if got := allowedOf(t, 10, fmt.Sprintf("after-%d", time.Now().UnixNano()), a, b); got != 4 {
		t.Fatalf("after recovery two instances allowed %d, want one budget of 4", got)
	}
}
