package auth

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestKeyEncryptionKeySealsBoundToTheKeyID(t *testing.T) {
	text := GenerateKeyEncryptionKey()
	if raw, err := base64.StdEncoding.DecodeString(text); err != nil || len(raw) != KeyEncryptionKeySize {
		t.Fatalf("generated key %d bytes, %v", len(raw), err)
	}
	if GenerateKeyEncryptionKey() == text {
		t.Fatal("two generated keys are equal")
	}
	kek, err := ParseKeyEncryptionKey(" " + text + "\n")
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("0123456789abcdef0123456789abcdef")
	a, _ := kek.Seal("key-1", secret)
	b, _ := kek.Seal("key-1", secret)
	if bytes.Equal(a, b) || bytes.Contains(a, secret) {
		t.Fatal("seals must differ (random nonces) and hide the plaintext")
	}
	if got, err := kek.Open("key-1", a); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("open = %q, %v", got, err)
	}
	other, _ := ParseKeyEncryptionKey(GenerateKeyEncryptionKey())
	tampered := bytes.Clone(a)
	tampered[len(tampered)-1] ^= 1
	for name, open := range map[string]func() ([]byte, error){
		"another key id":                 func() ([]byte, error) { return kek.Open("key-2", a) },
		"another key encryption key":     func() ([]byte, error) { return other.Open("key-1", a) },
		"tampered":                       func() ([]byte, error) { return kek.Open("key-1", tampered) },
		"shorter than a nonce and a tag": func() ([]byte, error) { return kek.Open("key-1", a[:10]) },
	} {
		if got, err := open(); err == nil || got != nil {
			t.Errorf("%s: opened", name)
		}
	}
}

func TestKeyEncryptionKeyNeverShowsItsValue(t *testing.T) {
	for _, bad := range []string{"", "c2hvcnQ=", "not base64 at all, secret-ish", base64.StdEncoding.EncodeToString(make([]byte, 16)),
		base64.StdEncoding.EncodeToString(make([]byte, 33))} {
		_, err := ParseKeyEncryptionKey(bad)
		if !errors.Is(err, ErrKeyEncryptionKeyFormat) || (bad != "" && strings.Contains(err.Error(), bad)) {
			t.Errorf("parse %q: %v", bad, err)
		}
	}
	text := GenerateKeyEncryptionKey()
	kek, _ := ParseKeyEncryptionKey(text)
	var log bytes.Buffer
	slog.New(slog.NewTextHandler(&log, nil)).Info("configured", "kek", kek)
	shown := fmt.Sprintf("%v %+v %#v %s", kek, kek, kek, kek) + log.String()
	raw, _ := base64.StdEncoding.DecodeString(text)
	if strings.Contains(shown, text) || strings.Contains(shown, string(raw)) || !strings.Contains(shown, "[key encryption key]") {
		t.Fatalf("printed as %s", shown)
	}
}
