package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/igny8/igny8"
)

var _ igny8.SigningKeyStore = (*SigningKeys)(nil)

// SigningKeys returns the token keys not retired before since, newest
// first. Errors: ErrNoKeyEncryptionKey when a key is sealed and the store
// has no sealer, ErrWrongKeyEncryptionKey when one does not open.
func (s *SigningKeys) SigningKeys(ctx context.Context, since time.Time) ([]igny8.SigningKey, error) {
	return queryAll(ctx, s.db.reader(), s.scanSigningKey, `SELECT id, algorithm, private_key, public_key, created_at,
		retired_at FROM signing_keys WHERE retired_at IS NULL OR retired_at > ? ORDER BY created_at DESC, id DESC`,
		since.UTC())
}

func (s *SigningKeys) scanSigningKey(row scanner) (*igny8.SigningKey, error) {
	var k igny8.SigningKey
	var priv, pub string
	var err error
	if err = row.Scan(&k.ID, &k.Algorithm, &priv, &pub, &k.CreatedAt, &k.RetiredAt); err != nil {
		return nil, err
	}
	if k.PrivateKey, err = openPrivate(s.sealer, k.ID, priv); err != nil {
		return nil, err
	}
	if k.PublicKey, err = decodeKey(pub); err != nil {
		return nil, err
	}
	return &k, nil
}

// AddSigningKey stores k, its private key sealed when the store has a
// sealer, and retires the keys before it.
func (s *SigningKeys) AddSigningKey(ctx context.Context, k igny8.SigningKey) error {
	priv, err := sealPrivate(s.sealer, k.ID, k.PrivateKey)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL`, tx.now); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO signing_keys (id, algorithm, private_key, public_key, created_at)
			VALUES (?, ?, ?, ?, ?)`, k.ID, k.Algorithm, priv, encodeKey(k.PublicKey), tx.now)
		return err
	})
}

// storedKey is a signing key's row as stored, private key unopened.
type storedKey struct{ id, private string }

func scanStoredKey(row scanner) (*storedKey, error) {
	var k storedKey
	return &k, row.Scan(&k.id, &k.private)
}

// SealSigningKeys puts every private signing key under the store's sealer,
// in one transaction: a key stored in plaintext (written before a key
// encryption key was configured) is sealed, and a key sealed under one of
// previous (an earlier key encryption key) is sealed again under the
// current one. Every other key must open under the current sealer, retired
// keys included. It returns how many keys it wrote. The rows are locked,
// so instances starting together seal each key once.
// Errors: ErrWrongKeyEncryptionKey (nothing written) when a key opens
// under none of them.
func (s *SigningKeys) SealSigningKeys(ctx context.Context, previous ...igny8.KeySealer) (int, error) {
	if s.sealer == nil {
		return 0, errors.New("seal signing keys: no key encryption key")
	}
	var n int
	err := s.db.InTx(ctx, func(tx *Tx) error {
		n = 0
		keys, err := queryAll(ctx, tx.conn, scanStoredKey,
			`SELECT id, private_key FROM signing_keys ORDER BY id`+s.db.forUpdate())
		if err != nil {
			return err
		}
		for _, k := range keys {
			priv, rewrite, err := s.openAny(k, previous)
			if err != nil {
				return err
			}
			if !rewrite {
				continue
			}
			stored, err := sealPrivate(s.sealer, k.id, priv)
			if err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `UPDATE signing_keys SET private_key = ? WHERE id = ?`, stored, k.id); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// openAny opens k under the current sealer, as plaintext, or under one of
// previous; rewrite says that k must be sealed again under the current one.
func (s *SigningKeys) openAny(k storedKey, previous []igny8.KeySealer) (priv []byte, rewrite bool, err error) {
	if !isSealed(k.private) {
		priv, err = openPrivate(nil, k.id, k.private)
		return priv, true, err
	}
	if priv, err = openPrivate(s.sealer, k.id, k.private); err == nil {
		return priv, false, nil
	}
	for _, p := range previous {
		if old, perr := openPrivate(p, k.id, k.private); perr == nil {
			return old, true, nil
		}
	}
	return nil, false, err
}
