package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/igny8/igny8"
)

var _ igny8.APIKeyService = (*APIKeys)(nil)

const apiKeyColumns = `k.id, k.name, k.prefix, k.site_id, k.role, k.created_by, k.created_at, k.last_used_at,
	k.expires_at, k.previous_expires_at, k.revoked_at`

func scanAPIKey(row scanner) (*igny8.APIKey, error) {
	var k igny8.APIKey
	err := row.Scan(&k.ID, &k.Name, &k.Prefix, &k.SiteID, &k.Role, &k.CreatedBy, &k.CreatedAt, &k.LastUsedAt,
		&k.ExpiresAt, &k.PreviousExpiresAt, &k.RevokedAt)
	return &k, err
}

func validateNewAPIKey(in *igny8.NewAPIKey, now time.Time) error {
	in.Name = igny8.TrimName(in.Name)
	var fields []igny8.FieldError
	if msg := igny8.NameFault(in.Name, igny8.MaxNameLen); msg != "" {
		fields = append(fields, igny8.FieldError{Field: "name", Message: msg})
	}
	if in.Role == "" {
		in.Role = igny8.RoleEditor
	}
	if !slices.Contains(igny8.APIKeyRoles(), in.Role) {
		fields = append(fields, igny8.FieldError{Field: "role", Message: "must be admin, editor or viewer"})
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		fields = append(fields, igny8.FieldError{Field: "expires_at", Message: "must be in the future"})
	}
	if in.SiteID != nil && *in.SiteID == "" {
		in.SiteID = nil
	}
	if len(fields) > 0 {
		return igny8.Invalid("The API key form has errors.", fields...)
	}
	return nil
}

// CreateAPIKey stores a new key of the principal's account (see
// igny8.APIKeyService). A site-bound key's site must be a live site of the
// same account. Errors: validation_failed, not_found, forbidden.
func (s *APIKeys) CreateAPIKey(ctx context.Context, in igny8.NewAPIKey, secret igny8.APIKeySecret) (*igny8.APIKey, error) {
	p, tn, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateNewAPIKey(&in, s.db.Now()); err != nil {
		return nil, err
	}
	var key *igny8.APIKey
	err = s.db.InTx(ctx, func(tx *Tx) error {
		if in.SiteID != nil {
			if err := liveSiteOf(ctx, tx.conn, tn, *in.SiteID); err != nil {
				return err
			}
		}
		id := newID()
		var expires any
		if in.ExpiresAt != nil {
			expires = in.ExpiresAt.UTC()
		}
		if _, err := tx.exec(ctx, `INSERT INTO api_keys (id, account_id, site_id, role, name, prefix, secret_hash,
			created_by, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, p.AccountID, in.SiteID, in.Role, in.Name, secret.Prefix, secret.Hash, p.ActorID(), expires, tx.now); err != nil {
			return err
		}
		details := map[string]any{"name": in.Name, "role": in.Role, "prefix": secret.Prefix}
		if in.SiteID != nil {
			details["site_id"] = *in.SiteID
		}
		if err := audit(ctx, tx, tn, "api_key.created", "api_key", id, details); err != nil {
			return err
		}
		key, err = apiKeyByID(ctx, tx.conn, tn, id)
		return err
	})
	return key, err
}

// liveSiteOf checks that site is a live site of account; another account's
// site is not_found, like a missing one.
func liveSiteOf(ctx context.Context, c conn, tn tenant, siteID string) error {
	var id string
	err := c.queryRow(ctx, `SELECT id FROM sites WHERE account_id = ? AND id = ? AND deleted_at IS NULL`,
		tn.id, siteID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return igny8.NotFound("Site")
	}
	return translate(err)
}

func apiKeyByID(ctx context.Context, c conn, tn tenant, id string) (*igny8.APIKey, error) {
	k, err := scanAPIKey(c.queryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys k
		WHERE k.account_id = ? AND k.id = ? AND k.revoked_at IS NULL`, tn.id, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, igny8.NotFound("API key")
	}
	return k, translate(err)
}

// ListAPIKeys pages through the account's unrevoked keys, oldest first.
// Errors: unauthenticated, forbidden, validation_failed (cursor).
func (s *APIKeys) ListAPIKeys(ctx context.Context, page igny8.PageRequest) (igny8.Page[igny8.APIKey], error) {
	p, _, err := scope(ctx)
	if err != nil {
		return igny8.Page[igny8.APIKey]{}, err
	}
	page = page.Normalized()
	if err := checkIDCursor(page); err != nil {
		return igny8.Page[igny8.APIKey]{}, err
	}
	keys, err := queryAll(ctx, s.db.reader(), scanAPIKey, `SELECT `+apiKeyColumns+` FROM api_keys k
		WHERE k.account_id = ? AND k.revoked_at IS NULL AND k.id > ? ORDER BY k.id LIMIT ?`,
		p.AccountID, page.Cursor, page.Limit+1)
	if err != nil {
		return igny8.Page[igny8.APIKey]{}, err
	}
	return *cutPage(keys, page.Limit, func(k *igny8.APIKey) string { return k.ID }), nil
}

// RevokeAPIKey revokes a key of the account at once. Errors: not_found.
func (s *APIKeys) RevokeAPIKey(ctx context.Context, id string) error {
	p, tn, err := scope(ctx)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE api_keys SET revoked_at = ? WHERE account_id = ? AND id = ? AND revoked_at IS NULL`,
			tx.now, p.AccountID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return igny8.NotFound("API key")
		}
		return audit(ctx, tx, tn, "api_key.revoked", "api_key", id, nil)
	})
}

// RotateAPIKey replaces a key's secret hash; the previous secret keeps
// working until now+grace. Errors: not_found, validation_failed.
func (s *APIKeys) RotateAPIKey(ctx context.Context, id, newHash string, grace time.Duration) (*igny8.APIKey, error) {
	p, tn, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	if grace < 0 || grace > 7*24*time.Hour {
		return nil, igny8.InvalidField("grace_hours", "must be between 0 and 168")
	}
	var key *igny8.APIKey
	err = s.db.InTx(ctx, func(tx *Tx) error {
		graceEnd := tx.now.Add(grace)
		res, err := tx.exec(ctx, `UPDATE api_keys SET previous_hash = secret_hash, previous_expires_at = ?, secret_hash = ?
			WHERE account_id = ? AND id = ? AND revoked_at IS NULL`, graceEnd, newHash, p.AccountID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return igny8.NotFound("API key")
		}
		if err := audit(ctx, tx, tn, "api_key.rotated", "api_key", id,
			map[string]any{"previous_expires_at": graceEnd}); err != nil {
			return err
		}
		key, err = apiKeyByID(ctx, tx.conn, tn, id)
		return err
	})
	return key, err
}
