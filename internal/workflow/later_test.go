package workflow_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/igny8/igny8/internal/workflow"
)

type ctxKey struct{}

// TestLaterRunsInOrderAfterTheRequest: jobs run one at a time in the order
// given, with the request's values but not its cancellation; Wait returns
// when they are done; Close runs what is queued and refuses more.
func TestLaterRunsInOrderAfterTheRequest(t *testing.T) {
	l := workflow.NewLater(slog.New(slog.NewTextHandler(io.Discard, nil)), 8, 0)
	var mu sync.Mutex
	var got []int
	req, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "request-1"))
	gate := make(chan struct{})
	if !l.Go(req, "first", func(ctx context.Context) { <-gate }) {
		t.Fatal("the first job was refused")
	}
	for i := range 3 {
		if !l.Go(req, "job", func(ctx context.Context) {
			mu.Lock()
			defer mu.Unlock()
			if ctx.Value(ctxKey{}) != "request-1" || ctx.Err() != nil {
				t.Errorf("job %d: value %v, err %v", i, ctx.Value(ctxKey{}), ctx.Err())
			}
			got = append(got, i)
		}) {
			t.Fatalf("job %d refused", i)
		}
	}
	cancel() // the request is answered and gone
	close(gate)
	l.Wait()
	mu.Lock()
	if len(got) != 3 || got[0] != 0 || got[1] != 1 || got[2] != 2 {
		t.Fatalf("ran %v, want [0 1 2]", got)
	}
	mu.Unlock()

	if !l.Go(context.Background(), "panics", func(context.Context) { panic("boom") }) {
		t.Fatal("refused")
	}
	ran := false
	l.Go(context.Background(), "after the panic", func(context.Context) { ran = true })
	l.Close()
	if !ran {
		t.Fatal("a panicking job stopped the queue")
	}
	if l.Go(context.Background(), "late", func(context.Context) { t.Error("ran after Close") }) {
		t.Fatal("a closed queue took a job")
	}
	l.Close() // twice is harmless
}

// TestLaterDropsWhenFull: a full queue refuses at once instead of making
// the request wait.
func TestLaterDropsWhenFull(t *testing.T) {
	l := workflow.NewLater(slog.New(slog.NewTextHandler(io.Discard, nil)), 1, 0)
	defer l.Close()
	gate, started := make(chan struct{}), make(chan struct{})
	l.Go(context.Background(), "busy", func(context.Context) { close(started); <-gate })
	<-started
	if !l.Go(context.Background(), "queued", func(context.Context) {}) {
		t.Fatal("the one free place was refused")
	}
	if l.Go(context.Background(), "one too many", func(context.Context) {}) {
		t.Fatal("a full queue took a job")
	}
	close(gate)
	l.Wait()
}
