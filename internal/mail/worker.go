package mail

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/igny8/igny8"
)

// Outbox is the delivery side of the messages table (sqlstore.Outbox).
type Outbox interface {
	Claim(ctx context.Context, limit int, lease time.Duration) ([]igny8.Message, error)
	Sent(ctx context.Context, m igny8.Message) error
	Retry(ctx context.Context, m igny8.Message, reason string, wait time.Duration) error
	Failed(ctx context.Context, m igny8.Message, reason string) error
	PurgeSent(ctx context.Context, retention time.Duration) (int64, error)
}

// Delivery sends one message (Sender in production).
type Delivery interface {
	Send(ctx context.Context, m igny8.Message) error
}

// Counters are told what became of each attempt (Prometheus in serve).
type Counters interface {
	Sent()
	Retried()
	Failed()
}

// Worker delivers the outbox: it claims due messages, sends each, and
// records the outcome: sent, due again after an exponential backoff, or
// failed for good (a 5xx answer, or MaxAttempts used up).
type Worker struct {
	Outbox   Outbox
	Delivery Delivery
	Counters Counters
	Logger   *slog.Logger
	// Batch is how many messages one claim takes (default 20).
	Batch int
	// Lease is how long a claimed message is left to this worker before
	// another may take it (default: a batch of sends at their timeout,
	// plus a minute). A message whose lease is nearly over is not sent by
	// this worker but left for the next claim, so that two workers never
	// send it both.
	Lease time.Duration
	// MaxAttempts bounds the tries of one message (default 10, about
	// 17 hours of backoff in all).
	MaxAttempts int
	// Retention is how long sent messages are kept (default 30 days).
	Retention time.Duration
}

func (w *Worker) defaults() {
	if w.Batch <= 0 {
		w.Batch = 20
	}
	if w.Lease <= 0 {
		w.Lease = time.Duration(w.Batch)*SendTimeout + time.Minute
	}
	if w.MaxAttempts <= 0 {
		w.MaxAttempts = 10
	}
	if w.Retention <= 0 {
		w.Retention = 30 * 24 * time.Hour
	}
	if w.Logger == nil {
		w.Logger = slog.New(slog.DiscardHandler)
	}
}

// SendTimeout bounds one delivery.
const SendTimeout = 30 * time.Second

// Backoff is the wait after the attempt-th failed try: 30 s, doubling,
// at most 4 hours.
func Backoff(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < 4*time.Hour; i++ {
		d *= 2
	}
	return min(d, 4*time.Hour)
}

// RunOnce delivers the messages due now and reports how many it handled.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	done := 0
	for {
		claimed := time.Now()
		batch, err := w.Outbox.Claim(ctx, w.Batch, w.Lease)
		if err != nil {
			return done, err
		}
		for _, m := range batch {
			if time.Since(claimed) > w.Lease-SendTimeout-10*time.Second {
				return done, nil // the rest is claimed again once its lease ends
			}
			if err := w.deliver(ctx, m); err != nil {
				return done, err
			}
			done++
		}
		if len(batch) < w.Batch {
			return done, nil
		}
	}
}

func (w *Worker) deliver(ctx context.Context, m igny8.Message) error {
	sendCtx, cancel := context.WithTimeout(ctx, SendTimeout)
	err := w.Delivery.Send(sendCtx, m)
	cancel()
	log := w.Logger.With("message_id", m.ID, "kind", m.Kind, "attempt", m.Attempts)
	switch {
	case err == nil:
		log.InfoContext(ctx, "mail sent")
		w.count(func(c Counters) { c.Sent() })
		return w.Outbox.Sent(ctx, m)
	case errors.Is(err, ErrPermanent) || m.Attempts >= w.MaxAttempts:
		log.WarnContext(ctx, "mail failed", "error", err.Error())
		w.count(func(c Counters) { c.Failed() })
		return w.Outbox.Failed(ctx, m, err.Error())
	default:
		wait := Backoff(m.Attempts)
		log.InfoContext(ctx, "mail deferred", "error", err.Error(), "retry_in", wait.String())
		w.count(func(c Counters) { c.Retried() })
		return w.Outbox.Retry(ctx, m, err.Error(), wait)
	}
}

func (w *Worker) count(f func(Counters)) {
	if w.Counters != nil {
		f(w.Counters)
	}
}

// Run delivers every interval, and purges sent messages past their
// retention once an hour, until ctx ends. Errors are logged, not fatal:
// the mail server being away never stops igny8.
func (w *Worker) Run(ctx context.Context, interval time.Duration) {
	w.defaults()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var lastPurge time.Time
	for {
		if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.Logger.ErrorContext(ctx, "mail outbox", "error", err.Error())
		}
		if time.Since(lastPurge) > time.Hour {
			lastPurge = time.Now()
			if n, err := w.Outbox.PurgeSent(ctx, w.Retention); err != nil && ctx.Err() == nil {
				w.Logger.ErrorContext(ctx, "mail purge", "error", err.Error())
			} else if n > 0 {
				w.Logger.InfoContext(ctx, "mail purged", "messages", n)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
