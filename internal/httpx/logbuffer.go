package httpx

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// LogBuffer batches the server's log lines into few writes: under load the
// access log writes one line per request, and a write system call per line
// costs more than formatting it. Lines reach out at most every interval, or
// at once when limit bytes are waiting; a slog handler writes each record
// with one Write, so lines are never split. Close writes what is left.
// What is buffered when the process is killed is lost (at most interval's
// worth); Urgent writes warnings and errors out at once.
type LogBuffer struct {
	out      io.Writer
	limit    int
	mu       sync.Mutex
	buf      []byte
	spare    []byte
	err      error
	closed   bool
	outMu    sync.Mutex // one write to out at a time, in order
	stop     chan struct{}
	stopped  chan struct{}
	stopOnce sync.Once
}

// NewLogBuffer starts a LogBuffer in front of out that flushes every
// interval and whenever limit bytes are waiting.
func NewLogBuffer(out io.Writer, interval time.Duration, limit int) *LogBuffer {
	b := &LogBuffer{out: out, limit: limit, buf: make([]byte, 0, limit),
		stop: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(b.stopped)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				_ = b.Flush()
			case <-b.stop:
				return
			}
		}
	}()
	return b
}

// Write queues p. It reports an error only if an earlier write to out
// failed; that error is then cleared.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	b.buf = append(b.buf, p...)
	full := len(b.buf) >= b.limit || b.closed
	err := b.err
	b.err = nil
	b.mu.Unlock()
	if full {
		_ = b.Flush()
	}
	return len(p), err
}

// Flush writes what is waiting to out.
func (b *LogBuffer) Flush() error {
	b.outMu.Lock()
	defer b.outMu.Unlock()
	b.mu.Lock()
	data := b.buf
	b.buf, b.spare = b.spare[:0], nil
	b.mu.Unlock()
	if len(data) == 0 {
		b.mu.Lock()
		b.spare = data
		b.mu.Unlock()
		return nil
	}
	_, err := b.out.Write(data)
	b.mu.Lock()
	if err != nil && b.err == nil {
		b.err = err
	}
	if cap(data) <= 4*b.limit { // keep one buffer for reuse, not an outsized one
		b.spare = data[:0]
	}
	b.mu.Unlock()
	return err
}

// Close stops the periodic flush and writes what is left; later writes go
// straight through.
func (b *LogBuffer) Close() error {
	b.stopOnce.Do(func() { close(b.stop); <-b.stopped })
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return b.Flush()
}

// Urgent wraps h, a handler writing to b, so that every record at warn
// level or above is written out at once with what came before it: the
// lines that explain a failure are not left in the buffer.
func (b *LogBuffer) Urgent(h slog.Handler) slog.Handler { return urgentHandler{h, b} }

type urgentHandler struct {
	slog.Handler
	buf *LogBuffer
}

func (h urgentHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		_ = h.buf.Flush()
	}
	return err
}

func (h urgentHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return urgentHandler{h.Handler.WithAttrs(attrs), h.buf}
}

func (h urgentHandler) WithGroup(name string) slog.Handler {
	return urgentHandler{h.Handler.WithGroup(name), h.buf}
}
