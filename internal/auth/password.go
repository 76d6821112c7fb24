// Package auth holds igny8's credentials: argon2id password hashes, the
// Ed25519-signed access tokens and their key set, and opaque secrets
// (refresh tokens, API keys, invitations) stored only as hashes.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost parameters (OWASP's recommended
// minimum: 19 MiB, 2 passes, 1 lane).
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultArgon2 is used for new password hashes.
var DefaultArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// HashPassword returns a PHC-format argon2id hash of password.
func HashPassword(password string, p Argon2Params) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := idKey([]byte(password), salt, p.Time, p.Memory, p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

var errBadHash = errors.New("unrecognised password hash")

// CheckPassword reports whether password matches hash, in constant time:
// igny8's argon2id, or one of the Django formats of django.go. A hash it
// cannot read, an unusable Django password or a cost above the bounds of
// django.go is an error and never matches.
func CheckPassword(hash, password string) (bool, error) {
	if IsLegacyHash(hash) {
		return checkDjango(hash, password)
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	p, salt, want, err := parseArgon2(parts[2:])
	if err != nil {
		return false, err
	}
	got := idKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// Hasher hashes and checks passwords with argon2id at its parameters; the
// zero value uses DefaultArgon2.
type Hasher struct {
	Params Argon2Params

	once  sync.Once
	dummy string
}

func (h *Hasher) params() Argon2Params {
	if h.Params == (Argon2Params{}) {
		return DefaultArgon2
	}
	return h.Params
}

// Hash returns the PHC-format hash of password.
func (h *Hasher) Hash(password string) (string, error) { return HashPassword(password, h.params()) }

// Verify checks the password of a login: stored is the password hash of
// the user its e-mail names, "" when it names no one. It reports whether
// the password matches, and whether stored is in a format igny8 does not
// make (Django's, from an import) and should be replaced by Hash(password)
// now that the password is known.
//
// A login that fails does the same work whoever its e-mail names
// (docs/design.md, "Login timing"): one argon2id at h's parameters and one
// derivation at the cost of decoy, a usable imported hash the deployment
// still holds ("" when none remain, and then none). So an unknown e-mail,
// an unusable password ("!…"), a hash igny8 cannot read, and a wrong
// password against igny8's own hash spend both; a wrong password against
// an imported hash spends that hash's own derivation and the argon2id.
// Only an imported hash of another cost than decoy's differs, by the
// difference, until its user's next login replaces it.
func (h *Hasher) Verify(stored, decoy, password string) (ok, rehash bool) {
	if stored != "" {
		matched, err := CheckPassword(stored, password)
		switch {
		case err == nil && matched:
			return true, IsLegacyHash(stored)
		case err == nil && IsLegacyHash(stored):
			h.CheckNoUser(password) // the imported hash stood for the decoy
			return false, false
		case err == nil:
			h.checkDecoy(decoy, password) // igny8's argon2id ran
			return false, false
		}
	}
	h.CheckNoUser(password)
	h.checkDecoy(decoy, password)
	return false, false
}

// CheckNoUser spends the time of one password check at h's parameters,
// against a hash made once, which no password is checked for a match.
func (h *Hasher) CheckNoUser(password string) {
	h.once.Do(func() { h.dummy, _ = HashPassword("igny8-timing-equaliser", h.params()) })
	_, _ = CheckPassword(h.dummy, password)
}

// checkDecoy spends the derivation of a check of decoy (decoyLike).
func (h *Hasher) checkDecoy(decoy, password string) {
	if d := decoyLike(decoy); d != "" {
		_, _ = checkDjango(d, password)
	}
}

// NewSecret returns n random bytes as URL-safe text.
func NewSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret returns the SHA-256 of a high-entropy secret (refresh tokens,
// API keys, invitations, session tokens) for storage and lookup. Such
// secrets need no slow KDF: they cannot be guessed.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
