package sqlstore

import (
	"context"
	"time"

	"github.com/igny8/igny8"
)

// credentialRetention is how long spent credentials are kept past their
// expiry: long after any access token of their family has expired, so
// deleting them never un-revokes a live token.
const credentialRetention = 24 * time.Hour

// PurgeExpiredCredentials deletes refresh tokens, invitations, web
// sessions and password reset links whose expiry is more than a day past, so that the tables do not grow without
// bound. Safe on several instances at once. Errors: forbidden.
func (a *Admin) PurgeExpiredCredentials(ctx context.Context) (int, error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return 0, err
	}
	var n int64
	err := a.db.InTx(ctx, func(tx *Tx) error {
		cutoff := tx.now.Add(-credentialRetention)
		for _, q := range []string{`DELETE FROM refresh_tokens WHERE expires_at < ?`, `DELETE FROM invitations WHERE expires_at < ?`,
			`DELETE FROM web_sessions WHERE expires_at < ?`, `DELETE FROM email_tokens WHERE expires_at < ?`,
			`DELETE FROM password_resets WHERE expires_at < ?`} {
			res, err := tx.exec(ctx, q, cutoff)
			if err != nil {
				return err
			}
			m, _ := res.RowsAffected()
			n += m
		}
		return nil
	})
	return int(n), err
}
