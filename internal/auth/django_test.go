package auth

import (
	"strings"
	"testing"
)

// Hashes made by Django 3.2's own hashers (Debian's python3-django,
// python3-argon2 and python3-bcrypt) for the password "correct horse 1".
var djangoHashes = map[string]string{
	"pbkdf2_sha256":      "pbkdf2_sha256$260000$3x5dSj7qo33qVVD9IWtkrc$Ssb7sCLk7QOa1LXfVdWUPPRS9Z7+62dTi0ftC8VM/aM=",
	"pbkdf2_sha256 1000": "pbkdf2_sha256$1000$saltsalt$x74/eLoFuG1b9SwCoUbGr8vyg2cKlbteE/sweaLyNOQ=",
	"pbkdf2_sha1":        "pbkdf2_sha1$260000$cgUn79C3DeCmwUyyc5t1Og$4iPfulEKL+S4/aWFfZ/OW09wvnw=",
	"argon2 defaults":    "argon2$argon2id$v=19$m=102400,t=2,p=8$N3B6a2drYzVKcmF6ckRaTjM1NHJSSg$rRoWZEUwivxnf0hR99pQmQ",
	"argon2 small":       "argon2$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$mxPJBuit5rBVk3r3HF8qyg",
	"bcrypt_sha256":      "bcrypt_sha256$$2b$12$UcTnQrgMWoNkEwE2cd8.IeQimBysG51xAbj86ljjw3k3LtgbsPIhK",
	"bcrypt":             "bcrypt$$2b$12$M.YQhQXMcwQmgZdeHrJR3uzfQ4yPFXXzsRTpjIJceesiEaYadZS4u",
}

func TestDjangoHashesVerifyAndAskForRehash(t *testing.T) {
	h := &Hasher{Params: Argon2Params{Memory: 64, Time: 1, Threads: 1}}
	for name, hash := range djangoHashes {
		t.Run(name, func(t *testing.T) {
			if ok, rehash := h.Verify(hash, "", "correct horse 1"); !ok || !rehash {
				t.Fatalf("Verify(right password) = %v, %v; want true, true", ok, rehash)
			}
			if ok, rehash := h.Verify(hash, "", "correct horse 2"); ok || rehash {
				t.Fatalf("Verify(wrong password) = %v, %v; want false, false", ok, rehash)
			}
		})
	}
}

func TestIgny8HashVerifiesWithoutRehash(t *testing.T) {
	h := &Hasher{Params: Argon2Params{Memory: 64, Time: 1, Threads: 1}}
	hash, err := h.Hash("correct horse 1")
	if err != nil {
		t.Fatal(err)
	}
	if ok, rehash := h.Verify(hash, "", "correct horse 1"); !ok || rehash {
		t.Fatalf("Verify = %v, %v; want true, false", ok, rehash)
	}
}

func TestBcryptReadsTheFirst72Bytes(t *testing.T) {
	// Made by python3-bcrypt 3.2 from 80 x's, which it cut to 72.
	hash := "bcrypt$$2b$04$pDIeOXh/0wEtwf26VymaO.yRGody.q6jz0CWTIRJRhZKVS6Fh3Rq2"
	if ok, err := CheckPassword(hash, strings.Repeat("x", 80)); !ok || err != nil {
		t.Fatalf("CheckPassword = %v, %v", ok, err)
	}
}

func TestHashesNeverVerify(t *testing.T) {
	for name, hash := range map[string]string{
		"unusable":            "!k8gdDIHXiwmpGTugbvrZZChl890kPAk9dhUEKxP",
		"unusable, empty":     "!",
		"empty":               "",
		"pbkdf2 over bound":   "pbkdf2_sha256$2000001$saltsalt$x74/eLoFuG1b9SwCoUbGr8vyg2cKlbteE/sweaLyNOQ=",
		"pbkdf2 no iteration": "pbkdf2_sha256$0$saltsalt$x74/eLoFuG1b9SwCoUbGr8vyg2cKlbteE/sweaLyNOQ=",
		"argon2 memory over":  "argon2$argon2id$v=19$m=204800,t=2,p=8$c2FsdHNhbHRzYWx0$FtxGudTy3VUhsNj5Wqvl4Q",
		"argon2 time over":    "argon2$argon2id$v=19$m=64,t=5,p=1$c2FsdHNhbHRzYWx0$mxPJBuit5rBVk3r3HF8qyg",
		"argon2 threads over": "argon2$argon2id$v=19$m=1024,t=1,p=9$c2FsdHNhbHRzYWx0$mxPJBuit5rBVk3r3HF8qyg",
		"igny8 memory over":   "$argon2id$v=19$m=204800,t=2,p=8$c2FsdHNhbHRzYWx0$FtxGudTy3VUhsNj5Wqvl4Q",
		"argon2d":             "argon2$argon2d$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$mxPJBuit5rBVk3r3HF8qyg",
		"bcrypt cost over":    "bcrypt$$2b$14$M.YQhQXMcwQmgZdeHrJR3uzfQ4yPFXXzsRTpjIJceesiEaYadZS4u",
		"md5":                 "md5$salt$0123456789abcdef0123456789abcdef",
	} {
		t.Run(name, func(t *testing.T) {
			if ok, err := CheckPassword(hash, "correct horse 1"); ok || err == nil {
				t.Fatalf("CheckPassword = %v, %v; want false and an error", ok, err)
			}
			h := &Hasher{Params: Argon2Params{Memory: 64, Time: 1, Threads: 1}}
			if ok, _ := h.Verify(hash, "", "correct horse 1"); ok {
				t.Fatal("Verify matched")
			}
		})
	}
}
