package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/mail"
	"github.com/igny8/igny8/internal/mail/mailtest"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// outboxDB opens a database of be whose store queues messages for delivery.
func outboxDB(t *testing.T, dsn string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, err := mail.NewComposer("https://app.igny8.test", igny8.BankAccount{}, "support@igny8.test")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMail(c, true, nil)
	return db
}

func sender(t *testing.T, srv *mailtest.Server) *mail.Sender {
	t.Helper()
	settings, err := mail.ParseSMTPURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	s, err := mail.NewSender(*settings, "igny8 <no-reply@igny8.test>")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// queue writes n invitation messages through the store's transactions.
func queue(t *testing.T, db *sqlstore.DB, n int) {
	t.Helper()
	for i := range n {
		if err := sqlstore.EnqueueForTest(context.Background(), db, igny8.InvitationMail{AccountName: "Acme",
			InviterName: "Ann", Token: fmt.Sprint("tok", i), ExpiresAt: time.Now().Add(time.Hour)},
			fmt.Sprintf("person%d@example.com", i), nil); err != nil {
			t.Fatal(err)
		}
	}
}

func messages(t *testing.T, db *sqlstore.DB) []igny8.Message {
	t.Helper()
	page, err := sqlstore.NewAdmin(db).ListMessages(igny8.SystemContext(context.Background()), igny8.MessageFilter{},
		igny8.PageRequest{Limit: igny8.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return page.Items
}

// TestRetriesUntilTheServerAccepts: a 4xx answer leaves the message queued
// with its error, due again after the backoff and not before; once the
// server accepts, it is sent exactly once.
func TestRetriesUntilTheServerAccepts(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		srv := mailtest.Start(t)
		db := outboxDB(t, be.URL(t))
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		queue(t, db, 1)
		srv.Refuse(func(n int) error {
			if n <= 2 {
				return mailtest.Temporary()
			}
			return nil
		})
		w := &mail.Worker{Outbox: sqlstore.NewOutbox(db), Delivery: sender(t, srv)}
		for attempt, wait := range []time.Duration{mail.Backoff(1), mail.Backoff(2)} {
			if _, err := w.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			m := messages(t, db)[0]
			if m.State != igny8.MessageQueued || m.Attempts != attempt+1 || !strings.Contains(m.LastError, "451") {
				t.Fatalf("after refusal %d: %+v", attempt+1, m)
			}
			if !m.NextAttemptAt.Equal(now.Add(wait)) {
				t.Fatalf("due at %s, want %s", m.NextAttemptAt, now.Add(wait))
			}
			if n, _ := w.RunOnce(context.Background()); n != 0 {
				t.Fatal("retried before its backoff passed")
			}
			now = now.Add(wait)
		}
		if wait := mail.Backoff(2); wait != 2*mail.Backoff(1) {
			t.Fatalf("backoff does not double: %s then %s", mail.Backoff(1), wait)
		}
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		m := messages(t, db)[0]
		if m.State != igny8.MessageSent || m.SentAt == nil || len(srv.Messages()) != 1 {
			t.Fatalf("after acceptance: %+v, server has %d", m, len(srv.Messages()))
		}
		now = now.Add(24 * time.Hour)
		if n, _ := w.RunOnce(context.Background()); n != 0 || len(srv.Messages()) != 1 {
			t.Fatal("a sent message was sent again")
		}
		// Sent messages are purged after their retention.
		if n, err := sqlstore.NewOutbox(db).PurgeSent(context.Background(), 48*time.Hour); err != nil || n != 0 {
			t.Fatalf("purged %d within retention (%v)", n, err)
		}
		now = now.Add(48 * time.Hour)
		if n, err := sqlstore.NewOutbox(db).PurgeSent(context.Background(), 48*time.Hour); err != nil || n != 1 {
			t.Fatalf("purged %d after retention (%v)", n, err)
		}
	})
}

// TestPermanentFailureMarked: a 5xx answer marks the message failed with
// the server's answer, shown to the operator, and it is never tried again.
func TestPermanentFailureMarked(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		srv := mailtest.Start(t)
		db := outboxDB(t, be.URL(t))
		queue(t, db, 1)
		srv.Refuse(func(int) error { return mailtest.Permanent() })
		w := &mail.Worker{Outbox: sqlstore.NewOutbox(db), Delivery: sender(t, srv)}
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		m := messages(t, db)[0]
		if m.State != igny8.MessageFailed || !strings.Contains(m.LastError, "550") {
			t.Fatalf("after a 550: %+v", m)
		}
		srv.Refuse(nil)
		db.Now = func() time.Time { return time.Now().Add(48 * time.Hour) }
		if n, _ := w.RunOnce(context.Background()); n != 0 || len(srv.Messages()) != 0 {
			t.Fatal("a failed message was tried again")
		}
	})
}

// TestTwoWorkersSendEachMessageOnce: two instances (two database handles,
// two workers) drain one outbox concurrently; every message arrives once.
func TestTwoWorkersSendEachMessageOnce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		srv := mailtest.Start(t)
		dsn := be.URL(t)
		a, b := outboxDB(t, dsn), outboxDB(t, dsn)
		const n = 40
		queue(t, a, n)
		var wg sync.WaitGroup
		for _, db := range []*sqlstore.DB{a, b} {
			w := &mail.Worker{Outbox: sqlstore.NewOutbox(db), Delivery: sender(t, srv), Batch: 3}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := w.RunOnce(context.Background()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		seen := map[string]int{}
		for _, m := range srv.Messages() {
			seen[m.Header.Get("Message-Id")]++
		}
		if len(srv.Messages()) != n || len(seen) != n {
			t.Fatalf("%d deliveries of %d distinct messages, want %d once each", len(srv.Messages()), len(seen), n)
		}
		for _, m := range messages(t, a) {
			if m.State != igny8.MessageSent || m.Attempts != 1 {
				t.Fatalf("message %s: %s after %d attempts", m.ID, m.State, m.Attempts)
			}
		}
	})
}

// TestNoMailForARolledBackChange: a message written in a transaction that
// rolls back does not exist, and nothing is delivered.
func TestNoMailForARolledBackChange(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		srv := mailtest.Start(t)
		db := outboxDB(t, be.URL(t))
		boom := fmt.Errorf("the change failed")
		err := sqlstore.EnqueueForTest(context.Background(), db, igny8.InvitationMail{AccountName: "Acme", Token: "t"},
			"someone@example.com", boom)
		if err != boom {
			t.Fatalf("got %v", err)
		}
		w := &mail.Worker{Outbox: sqlstore.NewOutbox(db), Delivery: sender(t, srv)}
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(messages(t, db)) != 0 || len(srv.Messages()) != 0 {
			t.Fatalf("%d messages stored, %d delivered after a rollback", len(messages(t, db)), len(srv.Messages()))
		}
	})
}
