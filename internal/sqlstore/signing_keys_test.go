package sqlstore_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/auth"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// newKEK returns a fresh key encryption key and its configured form.
func newKEK(t *testing.T) (*auth.KeyEncryptionKey, string) {
	t.Helper()
	s := auth.GenerateKeyEncryptionKey()
	k, err := auth.ParseKeyEncryptionKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k, s
}

// sealedStore is a store on db that seals with sealer (nil: plaintext).
func sealedStore(db *sqlstore.DB, sealer igny8.KeySealer) *sqlstore.SigningKeys {
	return sqlstore.NewSigningKeys(db, sealer)
}

// addKey stores a new signing key through s and returns it.
func addKey(t *testing.T, s *sqlstore.SigningKeys) igny8.SigningKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k := igny8.SigningKey{ID: uuid.Must(uuid.NewV7()).String(), Algorithm: "EdDSA", PrivateKey: priv.Seed(),
		PublicKey: pub, CreatedAt: time.Now().UTC()}
	if err := s.AddSigningKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return k
}

// rawKeys reads the private_key column of every signing key as stored.
func rawKeys(t *testing.T, db *sqlstore.DB) map[string]string {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT id, private_key FROM signing_keys`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, priv string
		if err := rows.Scan(&id, &priv); err != nil {
			t.Fatal(err)
		}
		out[id] = priv
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func setRaw(t *testing.T, db *sqlstore.DB, id, stored string) {
	t.Helper()
	if _, err := db.SQL().Exec(db.Rebind(`UPDATE signing_keys SET private_key = ? WHERE id = ?`), stored, id); err != nil {
		t.Fatal(err)
	}
}

// wantKeys checks that s reads every key of want with its private key.
func wantKeys(t *testing.T, s *sqlstore.SigningKeys, want ...igny8.SigningKey) {
	t.Helper()
	got, err := s.SigningKeys(context.Background(), time.Time{})
	if err != nil {
		t.Fatalf("signing keys: %v", err)
	}
	byID := map[string]igny8.SigningKey{}
	for _, k := range got {
		byID[k.ID] = k
	}
	for _, w := range want {
		g, ok := byID[w.ID]
		if !ok || !bytes.Equal(g.PrivateKey, w.PrivateKey) || !bytes.Equal(g.PublicKey, w.PublicKey) {
			t.Fatalf("key %s read back wrong (found %v)", w.ID, ok)
		}
	}
}

// assertSealed checks that the stored form of k is sealed and holds no
// trace of its key material.
func assertSealed(t *testing.T, db *sqlstore.DB, keys ...igny8.SigningKey) {
	t.Helper()
	raw := rawKeys(t, db)
	for _, k := range keys {
		stored := raw[k.ID]
		full := ed25519.NewKeyFromSeed(k.PrivateKey)
		if !strings.HasPrefix(stored, "v1:") || strings.Contains(stored, base64.StdEncoding.EncodeToString(k.PrivateKey)) ||
			strings.Contains(stored, base64.StdEncoding.EncodeToString(full)) || strings.Contains(stored, string(k.PrivateKey)) {
			t.Fatalf("key %s stored as %q, not sealed", k.ID, stored)
		}
	}
}

func TestSigningKeysAreSealedAtRest(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		kek, kekText := newKEK(t)
		s := sealedStore(db, kek)
		k1 := addKey(t, s)
		k2 := addKey(t, s)
		assertSealed(t, db, k1, k2)
		wantKeys(t, s, k1, k2)

		_, err := sealedStore(db, nil).SigningKeys(context.Background(), time.Time{})
		if !errors.Is(err, sqlstore.ErrNoKeyEncryptionKey) || !strings.Contains(err.Error(), "IGNY8_KEY_ENCRYPTION_KEY") {
			t.Fatalf("read without a key encryption key: %v", err)
		}
		other, _ := newKEK(t)
		_, err = sealedStore(db, other).SigningKeys(context.Background(), time.Time{})
		if !errors.Is(err, sqlstore.ErrWrongKeyEncryptionKey) || strings.Contains(err.Error(), kekText) {
			t.Fatalf("read with another key encryption key: %v", err)
		}
		before := rawKeys(t, db)
		if _, err := sealedStore(db, other).SealSigningKeys(context.Background()); !errors.Is(err, sqlstore.ErrWrongKeyEncryptionKey) {
			t.Fatalf("seal with another key encryption key: %v", err)
		}
		if after := rawKeys(t, db); !maps.Equal(before, after) {
			t.Fatal("a refused seal changed stored keys")
		}
	})
}

// TestPlaintextSigningKeysAreSealedInPlace: keys written before a key
// encryption key was configured are sealed once, and the tokens they
// signed keep verifying.
func TestPlaintextSigningKeysAreSealedInPlace(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		ctx := context.Background()
		db := b.Open(t)
		plain := sealedStore(db, nil)
		k1 := addKey(t, plain)
		old, err := auth.NewKeys(ctx, plain, 15*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		token, _, err := old.Issue(&igny8.Principal{UserID: "u1", AccountID: "a1", Role: igny8.RoleOwner})
		if err != nil {
			t.Fatal(err)
		}
		k2 := addKey(t, plain)
		pubBefore := publicKeys(t, db)

		kek, _ := newKEK(t)
		s := sealedStore(db, kek)
		if n, err := s.SealSigningKeys(ctx); err != nil || n != 2 {
			t.Fatalf("seal = %d, %v; want 2", n, err)
		}
		assertSealed(t, db, k1, k2)
		wantKeys(t, s, k1, k2)
		if !maps.Equal(pubBefore, publicKeys(t, db)) {
			t.Fatal("sealing changed public keys")
		}
		if n, err := s.SealSigningKeys(ctx); err != nil || n != 0 {
			t.Fatalf("second seal = %d, %v; want 0", n, err)
		}
		keys, err := auth.NewKeys(ctx, s, 15*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if c, err := keys.Verify(ctx, token); err != nil || c.Subject != "u1" {
			t.Fatalf("token of a key sealed in place: %v", err)
		}
		if keys.SigningKeyID() != k2.ID {
			t.Fatalf("signing key %s, want the sealed %s", keys.SigningKeyID(), k2.ID)
		}
	})
}

func publicKeys(t *testing.T, db *sqlstore.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	rows, err := db.SQL().Query(`SELECT id, public_key FROM signing_keys`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, pub string
		if err := rows.Scan(&id, &pub); err != nil {
			t.Fatal(err)
		}
		out[id] = pub
	}
	return out
}

// TestInstancesSealingAtOnce: several instances starting together on one
// database seal each plaintext key exactly once.
func TestInstancesSealingAtOnce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		ctx := context.Background()
		url := b.URL(t)
		open := func() *sqlstore.DB {
			db, err := sqlstore.Open(ctx, url, sqlstore.Options{MaxConns: 4})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			return db
		}
		first := open()
		plain := sealedStore(first, nil)
		keys := []igny8.SigningKey{addKey(t, plain), addKey(t, plain), addKey(t, plain)}
		kek, _ := newKEK(t)
		var dbs []*sqlstore.DB
		for range 4 {
			dbs = append(dbs, open())
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := 0
		for _, db := range dbs {
			wg.Go(func() {
				n, err := sealedStore(db, kek).SealSigningKeys(ctx)
				if err != nil {
					t.Errorf("seal: %v", err)
				}
				mu.Lock()
				total += n
				mu.Unlock()
			})
		}
		wg.Wait()
		if total != len(keys) {
			t.Fatalf("instances sealed %d keys in all, want %d", total, len(keys))
		}
		assertSealed(t, first, keys...)
		wantKeys(t, sealedStore(first, kek), keys...)
	})
}

// TestRotationUnderAKeyEncryptionKey: a rotated key is stored sealed and
// the tokens of the key before it keep verifying.
func TestRotationUnderAKeyEncryptionKey(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		ctx := context.Background()
		db := b.Open(t)
		kek, _ := newKEK(t)
		keys, err := auth.NewKeys(ctx, sealedStore(db, kek), 15*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		p := &igny8.Principal{UserID: "u1", AccountID: "a1", Role: igny8.RoleOwner}
		before, _, _ := keys.Issue(p)
		first := keys.SigningKeyID()
		if err := keys.Rotate(ctx); err != nil {
			t.Fatal(err)
		}
		after, _, _ := keys.Issue(p)
		raw := rawKeys(t, db)
		if len(raw) != 2 || keys.SigningKeyID() == first {
			t.Fatalf("after rotation: %d keys, signing %s", len(raw), keys.SigningKeyID())
		}
		for id, stored := range raw {
			if !strings.HasPrefix(stored, "v1:") {
				t.Fatalf("key %s stored in plaintext", id)
			}
		}
		// Another instance with the same key encryption key verifies both.
		other, err := auth.NewKeys(ctx, sealedStore(db, kek), 15*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{before, after} {
			if _, err := other.Verify(ctx, tok); err != nil {
				t.Fatalf("token after a sealed rotation: %v", err)
			}
		}
	})
}

// TestTamperedOrMovedSealedKeysAreRefused: the stored form is
// authenticated and bound to its key's id.
func TestTamperedOrMovedSealedKeysAreRefused(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		kek, _ := newKEK(t)
		s := sealedStore(db, kek)
		k1 := addKey(t, s)
		k2 := addKey(t, s)
		raw := rawKeys(t, db)
		body, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(raw[k2.ID], "v1:"))
		if err != nil {
			t.Fatal(err)
		}
		flipped := bytes.Clone(body)
		flipped[len(flipped)/2] ^= 1
		for name, c := range map[string]struct{ stored, err string }{
			"tampered":       {"v1:" + base64.StdEncoding.EncodeToString(flipped), sqlstore.ErrWrongKeyEncryptionKey.Error()},
			"moved":          {raw[k1.ID], sqlstore.ErrWrongKeyEncryptionKey.Error()},
			"truncated":      {"v1:" + base64.StdEncoding.EncodeToString(body[:20]), sqlstore.ErrWrongKeyEncryptionKey.Error()},
			"not base64":     {"v1:%%%", sqlstore.ErrWrongKeyEncryptionKey.Error()},
			"unknown format": {"v9:" + base64.StdEncoding.EncodeToString(body), "unknown stored format"},
		} {
			setRaw(t, db, k2.ID, c.stored)
			_, err := s.SigningKeys(context.Background(), time.Time{})
			if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), k2.ID) {
				t.Errorf("%s: read = %v", name, err)
			}
			if _, err := s.SealSigningKeys(context.Background()); err == nil {
				t.Errorf("%s: sealing accepted the key", name)
			}
		}
		setRaw(t, db, k2.ID, raw[k2.ID])
		wantKeys(t, s, k1, k2)
	})
}

// TestRewrapSigningKeys: a new key encryption key takes over every key,
// sealed under the old one or plaintext, in one transaction.
func TestRewrapSigningKeys(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		ctx := context.Background()
		db := b.Open(t)
		oldKEK, _ := newKEK(t)
		strayKEK, _ := newKEK(t)
		nextKEK, _ := newKEK(t)
		k1 := addKey(t, sealedStore(db, oldKEK))
		k2 := addKey(t, sealedStore(db, oldKEK))
		k3 := addKey(t, sealedStore(db, nil))
		k4 := addKey(t, sealedStore(db, strayKEK))
		s := sealedStore(db, nextKEK)

		before := rawKeys(t, db)
		if _, err := s.SealSigningKeys(ctx, oldKEK); !errors.Is(err, sqlstore.ErrWrongKeyEncryptionKey) ||
			!strings.Contains(err.Error(), k4.ID) {
			t.Fatalf("rewrap with a key no KEK opens: %v", err)
		}
		if !maps.Equal(before, rawKeys(t, db)) {
			t.Fatal("a refused rewrap changed stored keys")
		}
		if n, err := s.SealSigningKeys(ctx, oldKEK, strayKEK); err != nil || n != 4 {
			t.Fatalf("rewrap = %d, %v; want 4", n, err)
		}
		assertSealed(t, db, k1, k2, k3, k4)
		wantKeys(t, s, k1, k2, k3, k4)
		if _, err := sealedStore(db, oldKEK).SigningKeys(ctx, time.Time{}); !errors.Is(err, sqlstore.ErrWrongKeyEncryptionKey) {
			t.Fatalf("the old key encryption key still opens keys: %v", err)
		}
		if n, err := s.SealSigningKeys(ctx, oldKEK); err != nil || n != 0 {
			t.Fatalf("rewrap again = %d, %v; want 0", n, err)
		}
	})
}
