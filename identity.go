package igny8

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// MaxEmailLen is the most characters of an email address (RFC 5321's
// path limit).
const MaxEmailLen = 254

// NormalizeEmail trims and lowercases an email address; emails are unique
// case-insensitively.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// ValidEmail accepts a bare, normalized address (no display name) of at
// most MaxEmailLen characters with a dot in its domain.
func ValidEmail(email string) bool {
	if len(email) > MaxEmailLen {
		return false
	}
	a, err := mail.ParseAddress(email)
	return err == nil && a.Address == email && strings.Contains(email[strings.LastIndexByte(email, '@'):], ".")
}

// SigningKey is one asymmetric key pair that signs access tokens. Keys are
// kept in the database so that every instance signs and verifies alike.
type SigningKey struct {
	ID         string
	Algorithm  string // "EdDSA"
	PrivateKey []byte
	PublicKey  []byte
	CreatedAt  time.Time
	RetiredAt  *time.Time // no longer signs; still verifies until its tokens expire
}

// SigningKeyStore keeps the token signing keys.
type SigningKeyStore interface {
	// SigningKeys returns the keys not retired before since, newest first.
	SigningKeys(ctx context.Context, since time.Time) ([]SigningKey, error)
	// AddSigningKey stores k and retires every other key at k.CreatedAt.
	AddSigningKey(ctx context.Context, k SigningKey) error
}

// KeySealer encrypts private signing keys before they are stored, so that
// whoever reads the database (a backup, a replica, a dump) cannot mint
// access tokens. What it seals is bound to the key's id.
type KeySealer interface {
	// Seal encrypts the private key of the signing key keyID.
	Seal(keyID string, private []byte) ([]byte, error)
	// Open decrypts what Seal returned for keyID. It fails when sealed was
	// altered, was sealed for another key id, or under another key
	// encryption key.
	Open(keyID string, sealed []byte) ([]byte, error)
}

// SignUp is the free-trial sign-up form.
type SignUp struct {
	Name     string `json:"name" max:"100"`
	Email    string `json:"email" max:"254"`
	Password string `json:"password" max:"256"`
}

// Check trims the name and normalizes the email, and lists what is wrong
// with either (the password rule, PasswordFault, is the caller's: the
// store never sees the password).
func (in *SignUp) Check() []FieldError {
	in.Name = TrimName(in.Name)
	in.Email = NormalizeEmail(in.Email)
	var fields []FieldError
	if msg := NameFault(in.Name, MaxNameLen); msg != "" {
		fields = append(fields, FieldError{Field: "name", Message: msg})
	}
	if !ValidEmail(in.Email) {
		fields = append(fields, FieldError{Field: "email", Message: "must be a valid email address"})
	}
	return fields
}

// FieldFaults lists every fault of the form, the password rule included,
// without changing it: the API names them all at once even when a field
// is also over its length (httpx.FieldChecker).
func (in SignUp) FieldFaults() []FieldError {
	fields := in.Check()
	if msg := PasswordFault(in.Password); msg != "" {
		fields = append(fields, FieldError{Field: "password", Message: msg})
	}
	return fields
}

// Credentials is what login needs to know about a user found by email.
type Credentials struct {
	User         User
	PasswordHash string
}

// IdentityService creates and finds the people who log in.
type IdentityService interface {
	// Register runs the free-trial sign-up in one transaction: owner user,
	// account on the free-trial plan in status trial, the plan's credits and
	// their trial_grant transaction, and the message with the link of
	// verify that proves the owner's address (EmailService). passwordHash
	// is already hashed. Errors: conflict (email taken), validation_failed.
	Register(ctx context.Context, in SignUp, passwordHash string, trialDays int, verify EmailToken) (*User, *Account, error)
	// CredentialsByEmail finds a live user by email (case-insensitive);
	// not_found when there is none.
	CredentialsByEmail(ctx context.Context, email string) (*Credentials, error)
	// LegacyPasswordHash returns one usable password hash of a live user
	// in a format igny8 does not make (an imported Django hash not yet
	// replaced at a login), "" when none remain.
	LegacyPasswordHash(ctx context.Context) (string, error)
	// PrincipalForUser resolves a user id taken from a verified credential
	// into the principal and its account's gate input. Errors:
	// unauthenticated when the user is gone or inactive.
	PrincipalForUser(ctx context.Context, userID string) (*Principal, GateInput, error)
	// CurrentUser returns the logged-in user of ctx. Errors: unauthenticated.
	CurrentUser(ctx context.Context) (*User, error)
	// RecordLogin stamps the user's last login.
	RecordLogin(ctx context.Context, userID string) error
}

// SessionService keeps the refresh-token families behind access tokens: a
// family is one login; its id is the access token's sid claim.
type SessionService interface {
	// StartSession begins a family with its first refresh token (stored as
	// tokenHash only) for a login from client, and returns the family id.
	// secondFactor records that the login proved a second factor.
	StartSession(ctx context.Context, userID, tokenHash string, expiresAt time.Time, client Client, secondFactor bool) (familyID string, err error)
	// RotateRefreshToken spends the refresh token hashed as oldHash and
	// stores its successor newHash in the same family. approve runs
	// first, with the token's user and family: when it fails (the account
	// gate), nothing is spent and its error is returned. A token spent
	// before revokes its whole family. Errors: unauthenticated, approve's.
	RotateRefreshToken(ctx context.Context, oldHash, newHash string, expiresAt time.Time,
		approve func(userID, familyID string) error) (userID, familyID string, err error)
	// RevokeSession revokes the family of the principal in ctx (logout).
	// Errors: unauthenticated.
	RevokeSession(ctx context.Context) error
	// PrincipalForToken is PrincipalForUser for an access token of family
	// familyID: a revoked family is unauthenticated, checked in the same
	// query. Errors: unauthenticated.
	PrincipalForToken(ctx context.Context, userID, familyID string) (*Principal, GateInput, error)
}
