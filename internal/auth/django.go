package auth

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// The costs a stored password hash may ask for. A hash above them never
// verifies: hashes are data (an import brings them from another system),
// and one login must not be able to take a core for seconds or hold
// hundreds of MiB. Django's own defaults are inside them: pbkdf2 with
// 260,000 (Django 3.2) to 1,200,000 (Django 6.0) iterations, argon2 with
// m=102400 KiB, t=2, p=8, bcrypt cost 12.
const (
	MaxPBKDF2Iterations = 2_000_000
	MaxArgon2MemoryKiB  = 102400
	MaxArgon2Time       = 4
	MaxArgon2Threads    = 8
	MaxBcryptCost       = 13
)

// IsLegacyHash reports whether hash is one of the Django formats (or an
// unusable Django password) rather than igny8's own argon2id.
func IsLegacyHash(hash string) bool {
	return !strings.HasPrefix(hash, "$argon2id$")
}

// checkDjango verifies password against a hash in one of Django's formats:
// pbkdf2_sha256, pbkdf2_sha1, argon2 (argon2id or argon2i), bcrypt_sha256
// and bcrypt. An unusable password ("!…"), another format or a cost above
// the bounds is errBadHash. Every derivation runs in one of the kdfSlots,
// as igny8's own argon2id does.
func checkDjango(encoded, password string) (bool, error) {
	algorithm, rest, ok := strings.Cut(encoded, "$")
	if !ok {
		return false, errBadHash
	}
	switch algorithm {
	case "pbkdf2_sha256":
		return checkPBKDF2("pbkdf2_sha256", sha256.New, rest, password)
	case "pbkdf2_sha1":
		return checkPBKDF2("pbkdf2_sha1", sha1.New, rest, password)
	case "argon2":
		return checkDjangoArgon2(rest, password)
	case "bcrypt_sha256":
		sum := sha256.Sum256([]byte(password))
		return checkBcrypt(rest, []byte(hex.EncodeToString(sum[:])))
	case "bcrypt":
		pw := []byte(password)
		if len(pw) > 72 { // bcrypt reads 72 bytes; Django's bcrypt library dropped the rest
			pw = pw[:72]
		}
		return checkBcrypt(rest, pw)
	}
	return false, errBadHash
}

// checkPBKDF2 checks "ITERATIONS$SALT$BASE64" (Django's PBKDF2 hashers:
// the salt is used as text, the key is as long as the digest).
func checkPBKDF2[H hash.Hash](name string, h func() H, rest, password string) (bool, error) {
	parts := strings.Split(rest, "$")
	if len(parts) != 3 {
		return false, errBadHash
	}
	iter, err := strconv.Atoi(parts[0])
	if err != nil || iter < 1 || iter > MaxPBKDF2Iterations {
		return false, errBadHash
	}
	want, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(want) != h().Size() {
		return false, errBadHash
	}
	got, err := inSlot(fmt.Sprintf("%s %d iterations", name, iter), func() ([]byte, error) {
		return pbkdf2.Key(h, password, []byte(parts[1]), iter, len(want))
	})
	if err != nil {
		return false, errBadHash
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// checkDjangoArgon2 checks what follows Django's "argon2" prefix: an
// argon2-cffi hash "$argon2id$v=19$m=…,t=…,p=…$SALT$HASH", whose first "$"
// Django's prefix shares.
func checkDjangoArgon2(rest, password string) (bool, error) {
	parts := strings.Split(rest, "$")
	if len(parts) != 5 || (parts[0] != "argon2id" && parts[0] != "argon2i") {
		return false, errBadHash
	}
	p, salt, want, err := parseArgon2(parts[1:])
	if err != nil {
		return false, err
	}
	var got []byte
	if parts[0] == "argon2id" {
		got = idKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	} else {
		got, _ = inSlot(fmt.Sprintf("argon2i m=%d,t=%d,p=%d", p.Memory, p.Time, p.Threads), func() ([]byte, error) {
			return argon2.Key([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want))), nil
		})
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// parseArgon2 reads "v=19", "m=…,t=…,p=…", the salt and the key of a PHC
// argon2 string and refuses costs above the bounds.
func parseArgon2(parts []string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	if parts[0] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, errBadHash
	}
	var m, t, th int
	if n, err := fmt.Sscanf(parts[1], "m=%d,t=%d,p=%d", &m, &t, &th); err != nil || n != 3 ||
		fmt.Sprintf("m=%d,t=%d,p=%d", m, t, th) != parts[1] {
		return p, nil, nil, errBadHash
	}
	if m < 8 || m > MaxArgon2MemoryKiB || t < 1 || t > MaxArgon2Time || th < 1 || th > MaxArgon2Threads || m < 8*th {
		return p, nil, nil, errBadHash
	}
	p = Argon2Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(th)}
	salt, err := base64.RawStdEncoding.DecodeString(parts[2])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, errBadHash
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[3])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return p, nil, nil, errBadHash
	}
	return p, salt, want, nil
}

// checkBcrypt checks a "$2b$12$…" hash (after Django's "bcrypt$" or
// "bcrypt_sha256$" prefix); the comparison inside bcrypt is constant-time.
func checkBcrypt(hashed string, password []byte) (bool, error) {
	cost, err := bcrypt.Cost([]byte(hashed))
	if err != nil || cost > MaxBcryptCost {
		return false, errBadHash
	}
	_, err = inSlot(fmt.Sprintf("bcrypt cost %d", cost), func() ([]byte, error) {
		return nil, bcrypt.CompareHashAndPassword([]byte(hashed), password)
	})
	switch err {
	case nil:
		return true, nil
	case bcrypt.ErrMismatchedHashAndPassword:
		return false, nil
	}
	return false, errBadHash
}

// decoyLike returns a hash that costs what a check of hash costs (the same
// Django algorithm and cost) and that no password matches: the salt is
// igny8's and the key all zeros. It is "" when hash is not a usable Django
// hash (a check of it does no derivation, nor does a check of no decoy).
func decoyLike(hash string) string {
	if !IsLegacyHash(hash) {
		return ""
	}
	algorithm, rest, _ := strings.Cut(hash, "$")
	parts := strings.Split(rest, "$")
	var decoy string
	switch algorithm {
	case "pbkdf2_sha256", "pbkdf2_sha1":
		if len(parts) != 3 {
			return ""
		}
		key, err := base64.StdEncoding.DecodeString(parts[2])
		if err != nil {
			return ""
		}
		decoy = algorithm + "$" + parts[0] + "$igny8decoy$" + base64.StdEncoding.EncodeToString(make([]byte, len(key)))
	case "argon2":
		if len(parts) != 5 {
			return ""
		}
		key, err := base64.RawStdEncoding.DecodeString(parts[4])
		if err != nil {
			return ""
		}
		decoy = algorithm + "$" + strings.Join(parts[:3], "$") + "$" + base64.RawStdEncoding.EncodeToString(make([]byte, 16)) +
			"$" + base64.RawStdEncoding.EncodeToString(make([]byte, len(key)))
	case "bcrypt", "bcrypt_sha256":
		cost, err := bcrypt.Cost([]byte(rest))
		if err != nil {
			return ""
		}
		// bcrypt's alphabet starts with '.': a salt and key of zeros.
		decoy = fmt.Sprintf("%s$$2b$%02d$%s", algorithm, cost, strings.Repeat(".", 53))
	default:
		return ""
	}
	return decoy // over the bounds, it is refused before any derivation, as hash is
}
