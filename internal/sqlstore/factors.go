package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/igny8/igny8"
)

// Factors keeps second factors: TOTP secrets, sealed at rest with the key
// encryption key as the signing keys are (keys_codec.go, bound to the
// user), recovery codes as hashes, and the challenges of two-step logins.
type Factors struct {
	db     *DB
	sealer igny8.KeySealer
}

var (
	_ igny8.FactorService      = (*Factors)(nil)
	_ igny8.AdminFactorService = (*Factors)(nil)
)

// NewFactors returns the second factors on db, sealing secrets with
// sealer (nil: stored unsealed, as signing keys are without a key
// encryption key; SealFactors seals them once one is configured).
func NewFactors(db *DB, sealer igny8.KeySealer) *Factors { return &Factors{db: db, sealer: sealer} }

// sealID binds a sealed TOTP secret to its user: a sealed value copied to
// another row does not open.
func sealID(userID string) string { return "totp:" + userID }

// SecondFactorOf describes the factor of the person in ctx.
func (f *Factors) SecondFactorOf(ctx context.Context) (*igny8.SecondFactor, error) {
	p, _, err := self(ctx)
	if err != nil {
		return nil, err
	}
	sf := &igny8.SecondFactor{Required: p.FactorRequired, ThisLogin: p.SecondFactor}
	err = f.db.reader().queryRow(ctx, `SELECT confirmed_at FROM totp_factors WHERE user_id = ? AND confirmed_at IS NOT NULL`,
		p.UserID).Scan(&sf.ConfirmedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return sf, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	sf.Enabled = true
	err = f.db.reader().queryRow(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`,
		p.UserID).Scan(&sf.RecoveryCodesLeft)
	return sf, translate(err)
}

// BeginTOTP stores secret as the pending factor of the person in ctx.
// Errors: unauthenticated, conflict.
func (f *Factors) BeginTOTP(ctx context.Context, secret []byte) error {
	p, _, err := self(ctx)
	if err != nil {
		return err
	}
	stored, err := sealPrivate(f.sealer, sealID(p.UserID), secret)
	if err != nil {
		return err
	}
	return f.db.InTx(ctx, func(tx *Tx) error {
		var confirmed *time.Time
		err := tx.queryRow(ctx, `SELECT confirmed_at FROM totp_factors WHERE user_id = ?`+f.db.forUpdate(), p.UserID).Scan(&confirmed)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.exec(ctx, `INSERT INTO totp_factors (user_id, secret, created_at) VALUES (?, ?, ?)`, p.UserID, stored, tx.now)
			return err
		case err != nil:
			return translate(err)
		case confirmed != nil:
			return igny8.Errorf(igny8.EConflict, "Two-step login is already on. Turn it off first to set up another device.")
		}
		_, err = tx.exec(ctx, `UPDATE totp_factors SET secret = ?, last_step = 0, created_at = ? WHERE user_id = ?`,
			stored, tx.now, p.UserID)
		return err
	})
}

// TOTP reads userID's factor. Errors: not_found, and the sealing errors
// of keys_codec.go when the secret does not open.
func (f *Factors) TOTP(ctx context.Context, userID string) (*igny8.TOTPFactor, error) {
	var stored string
	var confirmed *time.Time
	var t igny8.TOTPFactor
	err := f.db.reader().queryRow(ctx, `SELECT secret, confirmed_at, last_step FROM totp_factors WHERE user_id = ?`, userID).
		Scan(&stored, &confirmed, &t.LastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, igny8.NotFound("Second factor")
	}
	if err != nil {
		return nil, translate(err)
	}
	if t.Secret, err = openPrivate(f.sealer, sealID(userID), stored); err != nil {
		return nil, err
	}
	t.Confirmed = confirmed != nil
	return &t, nil
}

// ConfirmTOTP turns on the pending factor of the person in ctx (see
// igny8.FactorService). Errors: unauthenticated, not_found, conflict.
func (f *Factors) ConfirmTOTP(ctx context.Context, step int64, recoveryHashes []string) error {
	p, tn, err := self(ctx)
	if err != nil {
		return err
	}
	return f.db.InTx(ctx, func(tx *Tx) error {
		var confirmed *time.Time
		var last int64
		err := tx.queryRow(ctx, `SELECT confirmed_at, last_step FROM totp_factors WHERE user_id = ?`+f.db.forUpdate(),
			p.UserID).Scan(&confirmed, &last)
		if errors.Is(err, sql.ErrNoRows) {
			return igny8.Errorf(igny8.ENotFound, "Start setting up two-step login first.")
		}
		if err != nil {
			return translate(err)
		}
		if confirmed != nil {
			return igny8.Errorf(igny8.EConflict, "Two-step login is already on.")
		}
		if step <= last {
			return igny8.InvalidField("code", "was used already; wait for the next one")
		}
		if _, err := tx.exec(ctx, `UPDATE totp_factors SET confirmed_at = ?, last_step = ? WHERE user_id = ?`,
			tx.now, step, p.UserID); err != nil {
			return err
		}
		if err := replaceRecoveryCodes(ctx, tx, p.UserID, recoveryHashes); err != nil {
			return err
		}
		// The login that confirmed the factor proved it: it goes on as one
		// that used a second factor.
		if err := markLoginFactor(ctx, tx, p); err != nil {
			return err
		}
		return audit(ctx, tx, tn, "user.second_factor_enabled", "user", p.UserID, map[string]any{"method": "totp"})
	})
}

func replaceRecoveryCodes(ctx context.Context, tx *Tx, userID string, hashes []string) error {
	if _, err := tx.exec(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return err
	}
	for _, h := range hashes {
		if _, err := tx.exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)`,
			userID, h, tx.now); err != nil {
			return err
		}
	}
	return nil
}

// markLoginFactor records that the login of p used a second factor.
func markLoginFactor(ctx context.Context, tx *Tx, p *igny8.Principal) error {
	if p.SessionID == "" {
		return nil
	}
	var err error
	if p.Kind == igny8.CredentialSession {
		_, err = tx.exec(ctx, `UPDATE web_sessions SET second_factor = TRUE WHERE id = ? AND user_id = ?`, p.SessionID, p.UserID)
	} else {
		_, err = tx.exec(ctx, `UPDATE refresh_tokens SET second_factor = TRUE WHERE family_id = ? AND user_id = ?`, p.SessionID, p.UserID)
	}
	return err
}

// UseTOTPStep records step as userID's last accepted one, once.
func (f *Factors) UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error) {
	res, err := f.db.write.ExecContext(ctx, f.db.rebind(`UPDATE totp_factors SET last_step = ?
		WHERE user_id = ? AND confirmed_at IS NOT NULL AND last_step < ?`), step, userID, step)
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// UseRecoveryCode spends one recovery code of userID, once.
func (f *Factors) UseRecoveryCode(ctx context.Context, userID, hash string) (bool, error) {
	res, err := f.db.write.ExecContext(ctx, f.db.rebind(`UPDATE recovery_codes SET used_at = ?
		WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`), f.db.Now(), userID, hash)
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DisableTOTP turns off the factor of the person in ctx. Errors:
// unauthenticated, not_found.
func (f *Factors) DisableTOTP(ctx context.Context) error {
	p, tn, err := self(ctx)
	if err != nil {
		return err
	}
	return f.db.InTx(ctx, func(tx *Tx) error {
		n, err := deleteFactor(ctx, tx, p.UserID)
		if err != nil {
			return err
		}
		if n == 0 {
			return igny8.Errorf(igny8.ENotFound, "Two-step login is not on.")
		}
		return audit(ctx, tx, tn, "user.second_factor_disabled", "user", p.UserID, nil)
	})
}

// deleteFactor deletes userID's factor, recovery codes and challenges and
// returns how many confirmed factors it deleted.
func deleteFactor(ctx context.Context, tx *Tx, userID string) (int64, error) {
	res, err := tx.exec(ctx, `DELETE FROM totp_factors WHERE user_id = ? AND confirmed_at IS NOT NULL`, userID)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	for _, q := range []string{`DELETE FROM totp_factors WHERE user_id = ?`, `DELETE FROM recovery_codes WHERE user_id = ?`,
		`DELETE FROM login_challenges WHERE user_id = ?`} {
		if _, err := tx.exec(ctx, q, userID); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// ResetSecondFactor is the administrators' reset (see
// igny8.AdminFactorService): the factor goes, the person's logins end,
// the reset is audited in their account and they are e-mailed.
// Errors: unauthenticated, forbidden, not_found.
func (f *Factors) ResetSecondFactor(ctx context.Context, userID string) (*igny8.User, error) {
	sys, err := asSystem(ctx)
	if err != nil {
		return nil, err
	}
	var user *igny8.User
	err = f.db.InTx(ctx, func(tx *Tx) error {
		var err error
		if user, err = userByID(ctx, tx.conn, userID); err != nil {
			return err
		}
		n, err := deleteFactor(ctx, tx, userID)
		if err != nil {
			return err
		}
		if n == 0 {
			return igny8.Errorf(igny8.ENotFound, "This person has no second factor to reset.")
		}
		if err := revokeUserSessions(ctx, tx, userID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE web_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`,
			tx.now, userID); err != nil {
			return err
		}
		// The reset is audited in the person's account (none for a
		// developer), where its owner reads it.
		tn := noTenant
		if user.AccountID != nil {
			tn = sys.reach(*user.AccountID)
		}
		if err := audit(ctx, tx, tn, "user.second_factor_reset", "user", userID, map[string]any{"email": user.Email}); err != nil {
			return err
		}
		return enqueue(ctx, tx, tn, igny8.FactorResetMail{Name: user.Name}, user.Email)
	})
	if err != nil {
		return nil, err
	}
	return user, nil
}

// CreateChallenge stores a login challenge for userID.
func (f *Factors) CreateChallenge(ctx context.Context, userID, hash string, expiresAt time.Time) error {
	return f.db.InTx(ctx, func(tx *Tx) error {
		// Spent and expired challenges are of no use: each new one clears
		// its person's.
		if _, err := tx.exec(ctx, `DELETE FROM login_challenges WHERE user_id = ? AND (used_at IS NOT NULL OR expires_at <= ?)`,
			userID, tx.now); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO login_challenges (token_hash, user_id, expires_at, created_at) VALUES (?, ?, ?, ?)`,
			hash, userID, expiresAt.UTC(), tx.now)
		return err
	})
}

var errBadChallenge = igny8.Errorf(igny8.EUnauthenticated,
	"This login has expired or was used. Log in again with your email and password.")

// Challenge returns the user of a live challenge. Errors: unauthenticated.
func (f *Factors) Challenge(ctx context.Context, hash string, maxAttempts int) (string, error) {
	var userID string
	err := f.db.reader().queryRow(ctx, `SELECT user_id FROM login_challenges
		WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? AND attempts < ?`, hash, f.db.Now(), maxAttempts).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errBadChallenge
	}
	return userID, translate(err)
}

// FailChallenge counts a wrong code against a challenge.
func (f *Factors) FailChallenge(ctx context.Context, hash string) error {
	_, err := f.db.write.ExecContext(ctx, f.db.rebind(`UPDATE login_challenges SET attempts = attempts + 1 WHERE token_hash = ?`), hash)
	return translate(err)
}

// SpendChallenge ends a challenge, once.
func (f *Factors) SpendChallenge(ctx context.Context, hash string) (bool, error) {
	res, err := f.db.write.ExecContext(ctx, f.db.rebind(`UPDATE login_challenges SET used_at = ?
		WHERE token_hash = ? AND used_at IS NULL`), f.db.Now(), hash)
	if err != nil {
		return false, translate(err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SealFactors seals, under the sealer, every TOTP secret stored unsealed
// or sealed under one of previous (an earlier key encryption key), in one
// transaction, and returns how many it wrote. Errors:
// ErrWrongKeyEncryptionKey (nothing written) when one opens under none.
func (f *Factors) SealFactors(ctx context.Context, previous ...igny8.KeySealer) (int, error) {
	if f.sealer == nil {
		return 0, errors.New("seal second factors: no key encryption key")
	}
	s := &SigningKeys{db: f.db, sealer: f.sealer} // the same opening of sealed values
	var n int
	err := f.db.InTx(ctx, func(tx *Tx) error {
		n = 0
		rows, err := queryAll(ctx, tx.conn, scanStoredKey, `SELECT user_id, secret FROM totp_factors ORDER BY user_id`+f.db.forUpdate())
		if err != nil {
			return err
		}
		for _, r := range rows {
			secret, rewrite, err := s.openAny(storedKey{id: sealID(r.id), private: r.private}, previous)
			if err != nil {
				return err
			}
			if !rewrite {
				continue
			}
			stored, err := sealPrivate(f.sealer, sealID(r.id), secret)
			if err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `UPDATE totp_factors SET secret = ? WHERE user_id = ?`, stored, r.id); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
