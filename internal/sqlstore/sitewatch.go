package sqlstore

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// sitesChannel is the PostgreSQL notification channel the trigger of
// migration 00080 signals after every statement that writes sites, with
// the table's schema as payload.
const sitesChannel = "igny8_sites"

// listenerName is the application_name of the listener's connection, so
// that operators can tell it apart in pg_stat_activity.
const listenerName = "igny8-sites-listener"

// Backoff between listener connection attempts.
const (
	listenBackoffMin = 100 * time.Millisecond
	listenBackoffMax = 5 * time.Second
)

// sitesWatch is the listener of one DB on PostgreSQL: a dedicated
// connection that LISTENs on sitesChannel and moves the DB's generation on
// every notification for its schema, so that writes to sites by other
// instances, the CLI and manual SQL invalidate this instance's cached
// lists at once. While it is not listening (starting, or reconnecting
// after a failure) notifications may be lost, so sitesFresh reports false
// and the cache is bypassed; once listening again it moves the generation
// before the cache is used, since what it missed is unknown.
type sitesWatch struct {
	listening atomic.Bool
	pid       atomic.Uint32 // backend pid of the current connection, for tests
	cancel    context.CancelFunc
	done      chan struct{}
}

// watchSites starts the listener on PostgreSQL, once; SQLite has no
// notifications and needs none (see sitesFresh).
func (db *DB) watchSites(log *slog.Logger) {
	if db.dialect != Postgres {
		return
	}
	db.watchOnce.Do(func() {
		if log == nil {
			log = slog.New(slog.DiscardHandler)
		}
		ctx, cancel := context.WithCancel(context.Background())
		w := &sitesWatch{cancel: cancel, done: make(chan struct{})}
		db.watch.Store(w)
		go func() {
			defer close(w.done)
			db.listenLoop(ctx, w, log)
		}()
	})
}

// sitesFresh reports whether the cached site lists may be used: on
// PostgreSQL only while the listener is listening.
func (db *DB) sitesFresh() bool {
	if db.dialect != Postgres {
		return true
	}
	w := db.watch.Load()
	return w != nil && w.listening.Load()
}

// stop ends the listener and waits for it.
func (w *sitesWatch) stop() {
	w.cancel()
	<-w.done
}

// listenLoop keeps a listening connection until ctx ends, reconnecting
// with backoff after a failure.
func (db *DB) listenLoop(ctx context.Context, w *sitesWatch, log *slog.Logger) {
	backoff := listenBackoffMin
	for {
		began := time.Now()
		err := db.listen(ctx, w)
		w.listening.Store(false)
		w.pid.Store(0)
		if ctx.Err() != nil {
			return
		}
		if time.Since(began) > time.Minute {
			backoff = listenBackoffMin
		}
		log.Warn("sites listener: not listening to PostgreSQL notifications; site lists are read from the database until it is",
			"err", err.Error(), "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, listenBackoffMax)
	}
}

// listen connects, listens and moves the generation on each notification
// for this database's schema until the connection fails or ctx ends.
func (db *DB) listen(ctx context.Context, w *sitesWatch) error {
	cfg, err := pgx.ParseConfig(db.dsn)
	if err != nil {
		return err
	}
	cfg.RuntimeParams["application_name"] = listenerName
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	// The schema whose sites this database reads, resolved like the
	// store's queries resolve "sites" (the trigger sends its table's), and
	// whether the trigger is there to notify at all.
	var schema string
	var trigger bool
	err = conn.QueryRow(ctx, `SELECT n.nspname::text, EXISTS (SELECT 1 FROM pg_trigger t
			WHERE t.tgrelid = c.oid AND t.tgname = 'sites_changed' AND t.tgenabled <> 'D')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass('sites')`).Scan(&schema, &trigger)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return errors.New("no sites table: the database is not migrated")
	case err != nil:
		return err
	case !trigger:
		return errors.New("no enabled sites_changed trigger on sites (migration 00080)")
	}
	if _, err := conn.Exec(ctx, `LISTEN `+sitesChannel); err != nil {
		return err
	}
	w.pid.Store(conn.PgConn().PID())
	// Writes made while no connection listened were not notified.
	db.gen.Add(1)
	w.listening.Store(true)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Payload == schema {
			db.gen.Add(1)
		}
	}
}
