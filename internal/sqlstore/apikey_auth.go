package sqlstore

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/igny8/igny8"
)

var errBadAPIKey = igny8.Errorf(igny8.EUnauthenticated, "The API key is invalid, expired or revoked.")

// apiKeyRow is a stored key as authentication sees it.
type apiKeyRow struct {
	id, accountID, role, secretHash string
	siteID, previousHash, liveSite  *string
	previousExpires, expires        *time.Time
	siteDeleted                     *time.Time
}

// PrincipalForAPIKey resolves a presented key into its principal and its
// account's gate input, read fresh on every request so that a suspension
// or revocation takes effect at once. The secret is compared in constant
// time against the current hash and, during a rotation's grace window,
// the previous one. Use is buffered (see FlushAPIKeyUse), not written.
// Errors: unauthenticated.
func (s *APIKeys) PrincipalForAPIKey(ctx context.Context, prefix, hash string) (*igny8.Principal, igny8.GateInput, error) {
	var k apiKeyRow
	var g igny8.GateInput
	var deleted *time.Time
	err := s.db.reader().queryRow(ctx, `SELECT k.id, k.account_id, k.role, k.secret_hash, k.site_id, k.previous_hash,
		s.id, k.previous_expires_at, k.expires_at, s.deleted_at,
		a.status, a.status_reason, a.trial_ends_at, p.is_active, p.api_requests_per_minute, a.deleted_at
		FROM api_keys k JOIN accounts a ON a.id = k.account_id JOIN plans p ON p.id = a.plan_id
		LEFT JOIN sites s ON s.account_id = k.account_id AND s.id = k.site_id
		WHERE k.prefix = ? AND k.revoked_at IS NULL`, prefix).
		Scan(&k.id, &k.accountID, &k.role, &k.secretHash, &k.siteID, &k.previousHash, &k.liveSite,
			&k.previousExpires, &k.expires, &k.siteDeleted,
			&g.Status, &g.StatusReason, &g.TrialEndsAt, &g.PlanActive, &g.APIRequestsPerMinute, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, g, errBadAPIKey
	}
	if err != nil {
		return nil, g, translate(err)
	}
	now := s.db.Now()
	if !k.valid(hash, now) {
		return nil, g, errBadAPIKey
	}
	g.Deleted = deleted != nil
	s.keyUse.seen(k.id, now)
	p := &igny8.Principal{Kind: igny8.CredentialAPIKey, APIKeyID: k.id, AccountID: k.accountID, Role: igny8.Role(k.role)}
	if k.siteID != nil {
		p.SiteID = *k.siteID
	}
	return p, g, nil
}

// valid reports whether hash opens the key at now: not expired, its site
// (if bound) still live, and the current secret or the previous one within
// its grace window.
func (k *apiKeyRow) valid(hash string, now time.Time) bool {
	if k.expires != nil && !now.Before(*k.expires) {
		return false
	}
	if k.siteID != nil && (k.liveSite == nil || k.siteDeleted != nil) {
		return false
	}
	if subtle.ConstantTimeCompare([]byte(hash), []byte(k.secretHash)) == 1 {
		return true
	}
	return k.previousHash != nil && k.previousExpires != nil && now.Before(*k.previousExpires) &&
		subtle.ConstantTimeCompare([]byte(hash), []byte(*k.previousHash)) == 1
}

// keyUse remembers the latest use of each API key since the last flush.
type keyUse struct {
	mu      sync.Mutex
	pending map[string]time.Time
}

func newKeyUse() *keyUse { return &keyUse{pending: map[string]time.Time{}} }

func (u *keyUse) seen(id string, at time.Time) {
	u.mu.Lock()
	if at.After(u.pending[id]) {
		u.pending[id] = at
	}
	u.mu.Unlock()
}

// latest is the use of id buffered since the last flush, zero when none.
func (u *keyUse) latest(id string) time.Time {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.pending[id]
}

func (u *keyUse) take() map[string]time.Time {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := u.pending
	u.pending = map[string]time.Time{}
	return out
}

// putBack returns uses that could not be written, keeping later ones.
func (u *keyUse) putBack(m map[string]time.Time) {
	for id, at := range m {
		u.seen(id, at)
	}
}

// FlushAPIKeyUse writes the buffered last-use times of API keys in one
// transaction. Called every minute and at shutdown, it writes each key at
// most once per call, however many requests it served; an older time
// never overwrites a newer one written by another instance.
func (s *APIKeys) FlushAPIKeyUse(ctx context.Context) error {
	pending := s.keyUse.take()
	if len(pending) == 0 {
		return nil
	}
	err := s.db.InTx(ctx, func(tx *Tx) error {
		for id, at := range pending {
			if _, err := tx.exec(ctx, `UPDATE api_keys SET last_used_at = ?
				WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`, at, id, at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.keyUse.putBack(pending)
	}
	return err
}
