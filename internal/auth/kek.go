package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"

	"github.com/igny8/igny8"
)

// KeyEncryptionKeySize is the length of a key encryption key (AES-256).
const KeyEncryptionKeySize = 32

// ErrKeyEncryptionKeyFormat is the refusal of a malformed key encryption
// key. It never repeats the value it was given.
var ErrKeyEncryptionKeyFormat = errors.New("must be 32 random bytes in standard base64 (igny8 keys new-kek prints one)")

// errSealedKey is the refusal of a sealed key that does not open.
var errSealedKey = errors.New("sealed key does not open")

// KeyEncryptionKey seals private signing keys at rest with AES-256-GCM and
// a random 96-bit nonce per seal (prepended to the ciphertext). The
// associated data names the signing key, so that a sealed key copied into
// another key's row does not open. It prints as a placeholder, never as
// its key material.
type KeyEncryptionKey struct{ aead cipher.AEAD }

var _ igny8.KeySealer = (*KeyEncryptionKey)(nil)

// GenerateKeyEncryptionKey returns a new random key encryption key in the
// form ParseKeyEncryptionKey reads.
func GenerateKeyEncryptionKey() string {
	b := make([]byte, KeyEncryptionKeySize)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return base64.StdEncoding.EncodeToString(b)
}

// ParseKeyEncryptionKey reads a key encryption key given in configuration:
// 32 bytes in standard base64 (surrounding spaces ignored).
// Errors: ErrKeyEncryptionKeyFormat.
func ParseKeyEncryptionKey(s string) (*KeyEncryptionKey, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(raw) != KeyEncryptionKeySize {
		return nil, ErrKeyEncryptionKeyFormat
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, ErrKeyEncryptionKeyFormat
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, err
	}
	return &KeyEncryptionKey{aead: aead}, nil
}

// sealedKeyAD is the associated data of a sealed signing key: its purpose,
// the format's version and the key's id.
func sealedKeyAD(keyID string) []byte { return []byte("igny8 signing key v1\x00" + keyID) }

// Seal encrypts the private key of the signing key keyID.
func (k *KeyEncryptionKey) Seal(keyID string, private []byte) ([]byte, error) {
	return k.aead.Seal(nil, nil, private, sealedKeyAD(keyID)), nil
}

// Open decrypts what Seal returned for keyID; it fails when sealed was
// altered, belongs to another key id, or was sealed under another key.
func (k *KeyEncryptionKey) Open(keyID string, sealed []byte) ([]byte, error) {
	private, err := k.aead.Open(nil, nil, sealed, sealedKeyAD(keyID))
	if err != nil {
		return nil, errSealedKey
	}
	return private, nil
}

// String hides the key material from fmt.
func (k *KeyEncryptionKey) String() string { return "[key encryption key]" }

// GoString hides the key material from %#v.
func (k *KeyEncryptionKey) GoString() string { return k.String() }

// LogValue hides the key material from slog.
func (k *KeyEncryptionKey) LogValue() slog.Value { return slog.StringValue(k.String()) }
