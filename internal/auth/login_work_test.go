package auth

import (
	"slices"
	"strings"
	"testing"
)

// loginWork runs f and returns the key derivations it did, sorted.
func loginWork(t *testing.T, f func()) []string {
	t.Helper()
	var work []string
	observeWork = func(w string) { work = append(work, w) }
	defer func() { observeWork = nil }()
	f()
	slices.Sort(work)
	return work
}

// TestFailedLoginsDoTheSameWork counts the derivations of the logins that
// fail: an unknown e-mail, an unusable imported password, a hash igny8
// cannot read and a wrong password, against igny8's hash or an imported
// one of the decoy's cost, all do one argon2id at the Hasher's parameters
// and one derivation at the decoy's cost.
func TestFailedLoginsDoTheSameWork(t *testing.T) {
	h := &Hasher{Params: Argon2Params{Memory: 64, Time: 1, Threads: 1}}
	h.CheckNoUser("warm up") // makes the equaliser's hash once
	native, err := h.Hash("correct horse 1")
	if err != nil {
		t.Fatal(err)
	}
	// Two imported users of the same cost: one is the decoy, the other logs in.
	imported := djangoHashes["pbkdf2_sha256 1000"]
	decoy := "pbkdf2_sha256$1000$othersalt$x74/eLoFuG1b9SwCoUbGr8vyg2cKlbteE/sweaLyNOQ="
	want := []string{"argon2id m=64,t=1,p=1", "pbkdf2_sha256 1000 iterations"}
	for name, stored := range map[string]string{
		"unknown e-mail":                       "",
		"unusable password":                    "!k8gdDIHXiwmpGTugbvrZZChl890kPAk9dhUEKxP",
		"unreadable hash":                      "md5$salt$0123456789abcdef0123456789abcdef",
		"pbkdf2 over the bound":                "pbkdf2_sha256$2000001$saltsalt$x74/eLoFuG1b9SwCoUbGr8vyg2cKlbteE/sweaLyNOQ=",
		"wrong password, igny8's hash":         native,
		"wrong password, imported pbkdf2 hash": imported,
	} {
		t.Run(name, func(t *testing.T) {
			var ok bool
			got := loginWork(t, func() { ok, _ = h.Verify(stored, decoy, "correct horse 2") })
			if ok {
				t.Fatal("matched")
			}
			if !slices.Equal(got, want) {
				t.Fatalf("work %q, want %q", got, want)
			}
		})
	}
	// Without imported hashes left, a failed login is one argon2id.
	for _, stored := range []string{"", "!unusable", native} {
		if got := loginWork(t, func() { h.Verify(stored, "", "correct horse 2") }); !slices.Equal(got, want[:1]) {
			t.Errorf("no decoy, %q: work %q, want %q", stored, got, want[:1])
		}
	}
	// The decoy follows the imported hashes' algorithm and cost.
	for _, decoy := range djangoHashes {
		d := decoyLike(decoy)
		if d == "" || d == decoy {
			t.Fatalf("decoyLike(%s) = %q", decoy, d)
		}
		if ok, err := checkDjango(d, "correct horse 1"); ok || err != nil {
			t.Fatalf("decoy %s: %v, %v; want a readable hash no password matches", d, ok, err)
		}
		alg := strings.SplitN(decoy, "$", 2)[0]
		got := loginWork(t, func() { checkDjango(decoy, "x") })
		if dw := loginWork(t, func() { checkDjango(d, "x") }); !slices.Equal(dw, got) {
			t.Errorf("%s: the decoy does %q, the hash %q", alg, dw, got)
		}
	}
	// The logins that succeed: igny8's hash alone, an imported one asks
	// for the rehash (which Hash then does).
	if ok, rehash := h.Verify(native, decoy, "correct horse 1"); !ok || rehash {
		t.Errorf("igny8's hash: %v, %v", ok, rehash)
	}
	if ok, rehash := h.Verify(imported, decoy, "correct horse 1"); !ok || !rehash {
		t.Errorf("imported hash: %v, %v", ok, rehash)
	}
}

// BenchmarkFailedLogin times the failed logins at igny8's default argon2id
// and a decoy of Django 3.2's default pbkdf2_sha256 (260,000 iterations):
// the four take about the same time.
//
//	go test -run '^$' -bench FailedLogin ./internal/auth
func BenchmarkFailedLogin(b *testing.B) {
	h := &Hasher{}
	native, err := h.Hash("correct horse 1")
	if err != nil {
		b.Fatal(err)
	}
	imported := djangoHashes["pbkdf2_sha256"]
	decoy := "pbkdf2_sha256$260000$othersalt$Ssb7sCLk7QOa1LXfVdWUPPRS9Z7+62dTi0ftC8VM/aM="
	for _, c := range []struct{ name, stored string }{
		{"unknown e-mail", ""},
		{"unusable password", "!k8gdDIHXiwmpGTugbvrZZChl890kPAk9dhUEKxP"},
		{"wrong password, igny8's hash", native},
		{"wrong password, imported hash", imported},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				h.Verify(c.stored, decoy, "correct horse 2")
			}
		})
	}
}
