package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP (RFC 6238) as igny8 uses it: SHA-1, 6 digits, 30-second steps, one
// step of clock skew either way, 160-bit secrets. These are what every
// authenticator app reads from an otpauth:// URL.
const (
	TOTPPeriod     = 30
	totpSkew       = 1
	totpSecretSize = 20
)

var totpOpts = totp.ValidateOpts{Period: TOTPPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TOTPEnrolment is a new TOTP secret as shown to the person enrolling.
type TOTPEnrolment struct {
	Secret []byte
	// Text is the secret in base32, for typing into an app.
	Text string
	// URL is the otpauth:// URL the QR code holds.
	URL string
	// QRCode is a PNG of the QR code as a data: URL, rendered here.
	QRCode string
}

// NewTOTP makes a TOTP secret for account (the person's e-mail) under
// issuer, with its QR code.
func NewTOTP(issuer, account string) (*TOTPEnrolment, error) { return TOTPFor(issuer, account, nil) }

// TOTPFor is the enrolment of secret (a new one when nil) for account
// under issuer: its text, otpauth URL and QR code.
func TOTPFor(issuer, account string, secret []byte) (*TOTPEnrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: TOTPPeriod,
		SecretSize: totpSecretSize, Secret: secret, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, Rand: rand.Reader})
	if err != nil {
		return nil, err
	}
	secret, err = decodeTOTPSecret(key.Secret())
	if err != nil {
		return nil, err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return &TOTPEnrolment{Secret: secret, Text: key.Secret(), URL: key.URL(),
		QRCode: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// TOTPText is secret in base32 as apps take it.
func TOTPText(secret []byte) string {
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)
}

func decodeTOTPSecret(text string) ([]byte, error) {
	return base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(text))
}

// TOTPStep is the time step of t.
func TOTPStep(t time.Time) int64 { return t.Unix() / TOTPPeriod }

// TOTPCode is the code of secret at time step step.
func TOTPCode(secret []byte, step int64) string {
	code, err := totp.GenerateCodeCustom(TOTPText(secret), time.Unix(step*TOTPPeriod, 0).UTC(), totpOpts)
	if err != nil {
		return "" // only for a secret that is not base32, which TOTPText never makes
	}
	return code
}

// MatchTOTP returns the time step, within one step of now either way, at
// which code is secret's code; ok is false when there is none. Spaces
// and dashes in code are ignored. Whether the step was used already is
// the caller's to check (a code is accepted once).
func MatchTOTP(secret []byte, code string, now time.Time) (step int64, ok bool) {
	code = strings.NewReplacer(" ", "", "-", "").Replace(code)
	if len(code) != int(otp.DigitsSix) {
		return 0, false
	}
	cur := TOTPStep(now)
	for s := cur - totpSkew; s <= cur+totpSkew; s++ {
		if want := TOTPCode(secret, s); want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// recoveryAlphabet has no letters or digits that read alike (0/O, 1/I/L).
const recoveryAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// NewRecoveryCodes makes n one-time recovery codes ("xxxxx-xxxxx", 49
// bits each) and their hashes (HashRecoveryCode), the only form kept.
func NewRecoveryCodes(n int) (codes, hashes []string) {
	for range n {
		var sb strings.Builder
		for sb.Len() < 11 {
			if sb.Len() == 5 {
				sb.WriteByte('-')
			}
			sb.WriteByte(recoveryAlphabet[uniform(len(recoveryAlphabet))])
		}
		codes = append(codes, sb.String())
		hashes = append(hashes, HashRecoveryCode(sb.String()))
	}
	return codes, hashes
}

// uniform is a random number below n (n < 256), without modulo bias.
func uniform(n int) int {
	limit := 256 - 256%n
	b := make([]byte, 1)
	for {
		if _, err := rand.Read(b); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}

// HashRecoveryCode is the stored form of a recovery code: the SHA-256 of
// the code lower-cased without spaces or dashes, so that it may be typed
// either way.
func HashRecoveryCode(code string) string {
	return HashSecret("recovery:" + strings.ToLower(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(code))))
}

// LooksLikeTOTP reports whether code is six digits (ignoring spaces): a
// TOTP code rather than a recovery code.
func LooksLikeTOTP(code string) bool {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != int(otp.DigitsSix) {
		return false
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
