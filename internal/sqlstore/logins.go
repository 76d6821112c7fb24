package sqlstore

import (
	"context"
	"sort"

	"github.com/igny8/igny8"
)

// A person's logins: the refresh-token families behind their access tokens
// (kind api) and their web sessions (kind web). Both kinds are named by
// ids from newID, so one id names one login whatever its kind; it is the
// principal's SessionID.

// liveFamilies selects the live refresh token of each active family of a
// user (unspent, unrevoked, unexpired, in a family none of whose tokens was
// revoked: what PrincipalForToken accepts), with the time of its login
// (for a family made before that was recorded, its oldest token's).
const liveFamilies = `SELECT t.family_id,
	COALESCE(t.login_at, (SELECT MIN(f.created_at) FROM refresh_tokens f WHERE f.family_id = t.family_id)),
	COALESCE(t.last_used_at, t.created_at), t.client_ip, t.user_agent, t.second_factor
	FROM refresh_tokens t
	WHERE t.user_id = ? AND t.used_at IS NULL AND t.revoked_at IS NULL AND t.expires_at > ?
	AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = t.family_id AND r.revoked_at IS NOT NULL)`

// liveWebSessions selects a user's unrevoked, unexpired web sessions.
const liveWebSessions = `SELECT id, created_at, COALESCE(last_used_at, created_at), client_ip, user_agent, second_factor
	FROM web_sessions WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?`

// Logins lists one page of the person's active logins of both kinds,
// newest first (ids are UUIDv7: id order is login order), the one of ctx
// marked Current; a use buffered and not yet flushed counts in
// LastUsedAt. Errors: validation_failed (cursor), unauthenticated.
func (s *Identity) Logins(ctx context.Context, page igny8.PageRequest) (*igny8.Page[igny8.Login], error) {
	p, _, err := self(ctx)
	if err != nil {
		return nil, err
	}
	now := s.db.Now()
	var items []igny8.Login
	more := false
	for _, q := range []struct {
		kind        igny8.LoginKind
		query, idOf string
	}{{igny8.LoginAPI, liveFamilies, "t.family_id"}, {igny8.LoginWeb, liveWebSessions, "id"}} {
		kind := q.kind
		pg, err := newestFirst(ctx, s.db.reader(), q.query, q.idOf, []any{p.UserID, now}, page,
			func(row scanner) (*igny8.Login, error) {
				l := igny8.Login{Kind: kind}
				return &l, row.Scan(&l.ID, timestamp{&l.CreatedAt}, timestamp{&l.LastUsedAt}, &l.ClientAddress, &l.UserAgent, &l.SecondFactor)
			}, func(l *igny8.Login) string { return l.ID })
		if err != nil {
			return nil, translate(err)
		}
		items = append(items, pg.Items...)
		more = more || pg.NextCursor != nil
	}
	sort.Slice(items, func(i, j int) bool { return items[i].ID > items[j].ID })
	for i := range items {
		l := &items[i]
		if at := s.loginUse.latest(l.ID); at.After(l.LastUsedAt) {
			l.LastUsedAt = at
		}
		l.CreatedAt, l.LastUsedAt = l.CreatedAt.UTC(), l.LastUsedAt.UTC()
		l.Current = l.ID == p.SessionID
	}
	// Each kind gave a page of its own: the newest of both make this one,
	// and another follows when either had more.
	out := &igny8.Page[igny8.Login]{Items: items}
	if limit := page.Normalized().Limit; len(items) > limit {
		out.Items = items[:limit]
		more = true
	}
	if out.Items == nil {
		out.Items = []igny8.Login{}
	}
	if more {
		next := out.Items[len(out.Items)-1].ID
		out.NextCursor = &next
	}
	return out, nil
}

// EndLogin ends the person's own login id, a refresh-token family (its
// access tokens fail from the next request) or a web session, and audits
// it. Errors: not_found (unknown, already ended, or another person's),
// unauthenticated.
func (s *Identity) EndLogin(ctx context.Context, id string) error {
	p, tn, err := self(ctx)
	if err != nil {
		return err
	}
	if !igny8.IsID(id) {
		return igny8.NotFound("Login")
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND user_id = ?
			AND revoked_at IS NULL AND expires_at > ?
			AND NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.family_id = ? AND r.revoked_at IS NOT NULL)`,
			tx.now, id, p.UserID, tx.now, id)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		kind := igny8.LoginAPI
		if n == 0 {
			kind = igny8.LoginWeb
			res, err = tx.exec(ctx, `UPDATE web_sessions SET revoked_at = ? WHERE id = ? AND user_id = ?
				AND revoked_at IS NULL AND expires_at > ?`, tx.now, id, p.UserID, tx.now)
			if err != nil {
				return err
			}
			n, _ = res.RowsAffected()
		}
		if n == 0 {
			return igny8.NotFound("Login")
		}
		return audit(ctx, tx, tn, "user.logged_out", "user", p.UserID,
			map[string]any{"login_id": id, "kind": string(kind), "current": id == p.SessionID})
	})
}

// EndOtherLogins ends every login of the person but the one of ctx,
// audited, and answers how many it ended. Errors: unauthenticated.
func (s *Identity) EndOtherLogins(ctx context.Context) (int, error) {
	p, tn, err := self(ctx)
	if err != nil {
		return 0, err
	}
	var ended int
	err = s.db.InTx(ctx, func(tx *Tx) error {
		if ended, err = endOtherLogins(ctx, tx, p); err != nil || ended == 0 {
			return err
		}
		return audit(ctx, tx, tn, "user.logged_out_elsewhere", "user", p.UserID, map[string]any{"ended": ended})
	})
	return ended, err
}

// endOtherLogins revokes, in tx, every live refresh-token family and web
// session of p's user but p's own, and counts the logins ended.
func endOtherLogins(ctx context.Context, tx *Tx, p *igny8.Principal) (int, error) {
	var families int
	err := tx.queryRow(ctx, `SELECT COUNT(DISTINCT family_id) FROM refresh_tokens
		WHERE user_id = ? AND family_id <> ? AND revoked_at IS NULL AND used_at IS NULL AND expires_at > ?`,
		p.UserID, p.SessionID, tx.now).Scan(&families)
	if err != nil {
		return 0, translate(err)
	}
	if _, err := tx.exec(ctx, `UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND family_id <> ? AND revoked_at IS NULL`,
		tx.now, p.UserID, p.SessionID); err != nil {
		return 0, err
	}
	res, err := tx.exec(ctx, `UPDATE web_sessions SET revoked_at = ? WHERE user_id = ? AND id <> ? AND revoked_at IS NULL
		AND expires_at > ?`, tx.now, p.UserID, p.SessionID, tx.now)
	if err != nil {
		return 0, err
	}
	sessions, _ := res.RowsAffected()
	return families + int(sessions), nil
}

// FlushLoginUse writes the buffered last use of refresh-token families and
// web sessions in one transaction, like FlushAPIKeyUse: every minute and
// at shutdown, each login at most once per call, an older time never over
// a newer one. A family's use is written on its live token.
func (s *Identity) FlushLoginUse(ctx context.Context) error {
	pending := s.loginUse.take()
	if len(pending) == 0 {
		return nil
	}
	err := s.db.InTx(ctx, func(tx *Tx) error {
		for id, at := range pending {
			if _, err := tx.exec(ctx, `UPDATE refresh_tokens SET last_used_at = ?
				WHERE family_id = ? AND used_at IS NULL AND (last_used_at IS NULL OR last_used_at < ?)`, at, id, at); err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `UPDATE web_sessions SET last_used_at = ?
				WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`, at, id, at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.loginUse.putBack(pending)
	}
	return err
}
