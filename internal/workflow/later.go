package workflow

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Later runs work after the request that asked for it has been answered:
// one job at a time, in the order given, from a bounded queue. The
// password reset request uses it so that its answer takes the same time
// whether the e-mail has a login or not (docs/design.md, Password reset).
type Later struct {
	log     *slog.Logger
	timeout time.Duration
	jobs    chan laterJob
	pending sync.WaitGroup
	done    chan struct{}
	mu      sync.RWMutex
	closed  bool
}

type laterJob struct {
	ctx  context.Context
	name string
	f    func(context.Context)
}

// NewLater starts a queue of size jobs, each given at most timeout (30 s
// when not positive).
func NewLater(log *slog.Logger, size int, timeout time.Duration) *Later {
	if log == nil {
		log = slog.Default()
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	l := &Later{log: log, timeout: timeout, jobs: make(chan laterJob, size), done: make(chan struct{})}
	go l.run()
	return l
}

// Go queues f to run with ctx's values (its request id) but not its
// cancellation: the request is over by then. It never blocks; it reports
// false, and logs, when the queue is full or closed.
func (l *Later) Go(ctx context.Context, name string, f func(context.Context)) bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if !l.closed {
		l.pending.Add(1)
		select {
		case l.jobs <- laterJob{ctx: context.WithoutCancel(ctx), name: name, f: f}:
			return true
		default:
			l.pending.Done()
		}
	}
	l.log.WarnContext(ctx, "background work dropped: the queue is full or closed", "job", name)
	return false
}

// Wait returns when every job queued before it was called has run.
func (l *Later) Wait() { l.pending.Wait() }

// Close stops taking jobs, runs the ones queued and returns when they are
// done (serve's shutdown, after the last request).
func (l *Later) Close() {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.jobs)
	}
	l.mu.Unlock()
	<-l.done
}

func (l *Later) run() {
	defer close(l.done)
	for j := range l.jobs {
		l.runOne(j)
	}
}

func (l *Later) runOne(j laterJob) {
	defer l.pending.Done()
	ctx, cancel := context.WithTimeout(j.ctx, l.timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			l.log.ErrorContext(ctx, "background work failed", "job", j.name, "err", fmt.Sprint(p))
		}
	}()
	j.f(ctx)
}
