package sqlstore

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/igny8/igny8"
)

// A private signing key is stored as text in one of two forms:
//
//	plaintext  base64 of the Ed25519 seed: keys written before key encryption
//	           existed, or while no key encryption key is configured
//	v1:BASE64  sealed: base64 of what the KeySealer returned for the key's id
//	           (auth.KeyEncryptionKey: nonce, AES-256-GCM ciphertext and tag)
//
// Standard base64 has no ':', so the forms cannot be mistaken for each
// other; a later format takes a new prefix.
const sealedV1 = "v1"

// The refusals of a sealed signing key, wrapped with the key's id. They
// name the setting because they end up in front of the operator.
var (
	ErrNoKeyEncryptionKey = errors.New("it is encrypted at rest and no key encryption key is configured " +
		"(set --key-encryption-key or IGNY8_KEY_ENCRYPTION_KEY)")
	ErrWrongKeyEncryptionKey = errors.New("it does not open with the configured key encryption key " +
		"(--key-encryption-key, IGNY8_KEY_ENCRYPTION_KEY): another key encryption key sealed it, or the stored value was altered")
)

func encodeKey(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func decodeKey(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

// isSealed reports whether stored is in a sealed form (of any version).
func isSealed(stored string) bool { return strings.Contains(stored, ":") }

// sealPrivate returns the stored form of the private key of key id: sealed
// by sealer, or plaintext when sealer is nil.
func sealPrivate(sealer igny8.KeySealer, id string, private []byte) (string, error) {
	if sealer == nil {
		return encodeKey(private), nil
	}
	sealed, err := sealer.Seal(id, private)
	if err != nil {
		return "", fmt.Errorf("seal signing key %s: %w", id, err)
	}
	return sealedV1 + ":" + encodeKey(sealed), nil
}

// openPrivate returns the private key of key id from its stored form. A
// sealed key needs sealer; it is never read as plaintext.
// Errors: ErrNoKeyEncryptionKey, ErrWrongKeyEncryptionKey.
func openPrivate(sealer igny8.KeySealer, id, stored string) ([]byte, error) {
	version, body, sealed := strings.Cut(stored, ":")
	if !sealed {
		private, err := decodeKey(stored)
		if err != nil {
			return nil, fmt.Errorf("signing key %s: stored private key is not base64", id)
		}
		return private, nil
	}
	if version != sealedV1 {
		return nil, fmt.Errorf("signing key %s: unknown stored format (written by a newer igny8?)", id)
	}
	if sealer == nil {
		return nil, fmt.Errorf("signing key %s: %w", id, ErrNoKeyEncryptionKey)
	}
	raw, err := decodeKey(body)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", id, ErrWrongKeyEncryptionKey)
	}
	private, err := sealer.Open(id, raw)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", id, ErrWrongKeyEncryptionKey)
	}
	return private, nil
}
