package auth

import (
	"crypto/rand"
	"strings"

	"github.com/igny8/igny8"
)

// lookupLen is the length of an API key's random lookup id, the part of
// its prefix after "igny8_".
const lookupLen = 12

const lookupAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// NewAPIKey mints an API key: "igny8_", a random lookup id, "_" and 32
// random bytes. With a non-empty prefix it uses that prefix. The key is
// shown once; only the hash of its secret part is kept.
func NewAPIKey(prefix string) igny8.APIKeySecret {
	if prefix == "" {
		prefix = igny8.APIKeyPrefix + randomLookup()
	}
	secret := NewSecret(32)
	return igny8.APIKeySecret{Key: prefix + "_" + secret, Prefix: prefix, Secret: secret, Hash: HashSecret(secret)}
}

func randomLookup() string {
	b := make([]byte, lookupLen)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		b[i] = lookupAlphabet[int(b[i])%len(lookupAlphabet)]
	}
	return string(b)
}

// ParseAPIKey splits a presented key into the prefix that finds it and the
// hash to compare; ok is false when it does not have an API key's shape.
func ParseAPIKey(key string) (prefix, hash string, ok bool) {
	rest, found := strings.CutPrefix(key, igny8.APIKeyPrefix)
	if !found || len(rest) < lookupLen+1+40 || len(rest) > lookupLen+1+64 || rest[lookupLen] != '_' {
		return "", "", false
	}
	for i := 0; i < lookupLen; i++ {
		if !strings.ContainsRune(lookupAlphabet, rune(rest[i])) {
			return "", "", false
		}
	}
	return igny8.APIKeyPrefix + rest[:lookupLen], HashSecret(rest[lookupLen+1:]), true
}

// NewOpaqueToken returns a random token (refresh tokens, invitations) and
// the hash that is stored in its place.
func NewOpaqueToken() (token, hash string) {
	token = NewSecret(32)
	return token, HashSecret(token)
}
