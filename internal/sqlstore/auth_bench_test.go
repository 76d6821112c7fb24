package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/auth"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// BenchmarkPrincipalLookup measures the per-request credential lookups:
// an API key (one indexed read; its use is buffered, not written) and an
// access token's user with the revoked-family check in the same query.
// Both read the account status fresh, so a suspension acts on the next
// request. Run:
//
//	IGNY8_TEST_POSTGRES_URL=... go test ./internal/sqlstore -run '^$' -bench PrincipalLookup
func BenchmarkPrincipalLookup(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			db := be.Open(b)
			s := sqlstore.New(db, sqlstore.ServiceOptions{})
			u, a, err := s.Identity.Register(context.Background(), igny8.SignUp{Name: "Bench", Email: "bench@example.com"}, "hash", 14, newEmailToken())
			if err != nil {
				b.Fatal(err)
			}
			ctx := igny8.WithPrincipal(context.Background(), &igny8.Principal{Kind: igny8.CredentialJWT, UserID: u.ID, AccountID: a.ID, Role: igny8.RoleOwner})
			secret := auth.NewAPIKey("")
			if _, err := s.APIKeys.CreateAPIKey(ctx, igny8.NewAPIKey{Name: "bench"}, secret); err != nil {
				b.Fatal(err)
			}
			family, err := s.Sessions.StartSession(ctx, u.ID, "bench-hash", time.Now().Add(time.Hour), igny8.Client{}, false)
			if err != nil {
				b.Fatal(err)
			}
			b.Run("api_key", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, _, err := s.APIKeys.PrincipalForAPIKey(context.Background(), secret.Prefix, secret.Hash); err != nil {
							b.Fatal(err)
						}
					}
				})
			})
			b.Run("access_token", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, _, err := s.Sessions.PrincipalForToken(context.Background(), u.ID, family); err != nil {
							b.Fatal(err)
						}
					}
				})
			})
		})
	}
}
