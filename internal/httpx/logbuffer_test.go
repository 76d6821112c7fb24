package httpx

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is an io.Writer safe for the flusher and the test to share.
type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
	fail   error
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	if s.fail != nil {
		return 0, s.fail
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLogBufferKeepsEveryLineWhole(t *testing.T) {
	out := &syncBuffer{}
	lb := NewLogBuffer(out, time.Millisecond, 512)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				fmt.Fprintf(lb, "goroutine=%d line=%d %s\n", g, i, strings.Repeat("x", i%40))
			}
		}()
	}
	wg.Wait()
	if err := lb.Close(); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for g := 0; g < 8; g++ {
		for i := 0; i < 500; i++ {
			want[fmt.Sprintf("goroutine=%d line=%d %s", g, i, strings.Repeat("x", i%40))] = true
		}
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if !want[line] {
			t.Fatalf("torn or unknown line %q", line)
		}
		if seen[line] {
			t.Fatalf("line written twice: %q", line)
		}
		seen[line] = true
	}
	if len(seen) != 8*500 {
		t.Fatalf("%d lines reached the output, want %d", len(seen), 8*500)
	}
	if out.writes >= 8*500/2 {
		t.Errorf("%d writes for %d lines: not batched", out.writes, 8*500)
	}
}

func TestLogBufferFlushesOnItsOwn(t *testing.T) {
	out := &syncBuffer{}
	lb := NewLogBuffer(out, 10*time.Millisecond, 1<<20)
	defer lb.Close()
	fmt.Fprintln(lb, "msg=hello")
	deadline := time.Now().Add(5 * time.Second)
	for out.String() != "msg=hello\n" {
		if time.Now().After(deadline) {
			t.Fatalf("line not written by the periodic flush; output %q", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestLogBufferWritesAtTheLimitAndAfterClose(t *testing.T) {
	out := &syncBuffer{}
	lb := NewLogBuffer(out, time.Hour, 16)
	fmt.Fprintln(lb, "short")
	if got := out.String(); got != "" {
		t.Fatalf("written before the limit: %q", got)
	}
	fmt.Fprintln(lb, "long enough now")
	if got := out.String(); got != "short\nlong enough now\n" {
		t.Fatalf("at the limit: %q", got)
	}
	if err := lb.Close(); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(lb, "late")
	if got := out.String(); !strings.HasSuffix(got, "late\n") {
		t.Fatalf("a line after Close waits: %q", got)
	}
}

func TestLogBufferReportsAFailedWrite(t *testing.T) {
	out := &syncBuffer{fail: errors.New("disk full")}
	lb := NewLogBuffer(out, time.Hour, 1<<10)
	defer lb.Close()
	fmt.Fprintln(lb, "one")
	if err := lb.Flush(); err == nil {
		t.Fatal("Flush hid the failed write")
	}
	if _, err := lb.Write([]byte("two\n")); err == nil {
		t.Fatal("the next Write did not report the failure")
	}
	if _, err := lb.Write([]byte("three\n")); err != nil {
		t.Fatalf("the failure was reported twice: %v", err)
	}
}

func TestLogBufferWritesWarningsAtOnce(t *testing.T) {
	out := &syncBuffer{}
	lb := NewLogBuffer(out, time.Hour, 1<<20)
	defer lb.Close()
	log := slog.New(lb.Urgent(slog.NewTextHandler(lb, nil))).With("component", "test")
	log.Info("routine")
	if got := out.String(); got != "" {
		t.Fatalf("an info line was written at once: %q", got)
	}
	log.Warn("trouble")
	got := out.String()
	if !strings.Contains(got, "msg=routine") || !strings.Contains(got, "msg=trouble component=test") {
		t.Fatalf("a warning did not write itself and what came before: %q", got)
	}
}
