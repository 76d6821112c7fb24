package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/auth"
)

// rfcSecret is the SHA-1 key of RFC 6238's test vectors.
var rfcSecret = []byte("12345678901234567890")

func TestTOTPCodeMatchesRFC6238(t *testing.T) {
	// RFC 6238 appendix B, SHA-1, the last six of the eight digits.
	for unix, want := range map[int64]string{59: "287082", 1111111109: "081804", 1234567890: "005924", 2000000000: "279037"} {
		if got := auth.TOTPCode(rfcSecret, auth.TOTPStep(time.Unix(unix, 0))); got != want {
			t.Errorf("code at %d: %s, want %s", unix, got, want)
		}
	}
}

func TestMatchTOTPAcceptsOneStepOfSkew(t *testing.T) {
	now := time.Unix(1_700_000_015, 0) // a fixed clock, mid-step
	cur := auth.TOTPStep(now)
	for off, want := range map[int64]bool{-2: false, -1: true, 0: true, 1: true, 2: false} {
		step, ok := auth.MatchTOTP(rfcSecret, auth.TOTPCode(rfcSecret, cur+off), now)
		if ok != want || (ok && step != cur+off) {
			t.Errorf("code of step %+d: step %d ok %v, want ok %v at step %d", off, step, ok, want, cur+off)
		}
	}
	code := auth.TOTPCode(rfcSecret, cur)
	if _, ok := auth.MatchTOTP(rfcSecret, code[:3]+" "+code[3:], now); !ok {
		t.Error("a code typed with a space is refused")
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef", strings.Repeat("9", 6)} {
		if bad == code {
			continue
		}
		if _, ok := auth.MatchTOTP(rfcSecret, bad, now); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestNewTOTPShowsTheSecretThreeWays(t *testing.T) {
	e, err := auth.NewTOTP("igny8", "person@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Secret) != 20 || e.Text != auth.TOTPText(e.Secret) {
		t.Fatalf("secret %x shown as %q", e.Secret, e.Text)
	}
	if !strings.HasPrefix(e.URL, "otpauth://totp/igny8:person@example.com?") || !strings.Contains(e.URL, "secret="+e.Text) {
		t.Errorf("otpauth URL %q", e.URL)
	}
	if !strings.HasPrefix(e.QRCode, "data:image/png;base64,iVBORw0KGgo") {
		t.Errorf("QR code is not a PNG data URL: %.40s", e.QRCode)
	}
	again, err := auth.TOTPFor("igny8", "person@example.com", e.Secret)
	if err != nil || again.Text != e.Text || again.URL != e.URL {
		t.Errorf("the pending secret shown again differs: %+v, %v", again, err)
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, hashes := auth.NewRecoveryCodes(10)
	if len(codes) != 10 || len(hashes) != 10 {
		t.Fatalf("%d codes, %d hashes", len(codes), len(hashes))
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if len(c) != 11 || c[5] != '-' || seen[c] || auth.LooksLikeTOTP(c) {
			t.Errorf("code %q", c)
		}
		seen[c] = true
		if hashes[i] != auth.HashRecoveryCode(c) || strings.Contains(hashes[i], c[:5]) {
			t.Errorf("hash of %q: %q", c, hashes[i])
		}
		// Typed in capitals, without the dash or with spaces, it is the same code.
		for _, typed := range []string{strings.ToUpper(c), strings.ReplaceAll(c, "-", ""), " " + c + " "} {
			if auth.HashRecoveryCode(typed) != hashes[i] {
				t.Errorf("%q does not hash as %q", typed, c)
			}
		}
	}
}
