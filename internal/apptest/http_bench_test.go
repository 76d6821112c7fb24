package apptest_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// BenchmarkListSites measures the server's own cost of GET /api/v1/sites
// (10 sites) in process, without a network or load generator, beside a
// bare handler writing the same bytes; bench/run.sh measures the same over
// TCP. Run with -cpuprofile to see where the time goes:
//
//	go test -run '^$' -bench ListSites -cpuprofile cpu.out ./internal/apptest
func BenchmarkListSites(b *testing.B) {
	for _, bk := range storetest.Backends() {
		b.Run(bk.Name, func(b *testing.B) {
			e := apptest.New(b, bk)
			owner := e.SignUp("Bench")
			db := e.App.DB()
			if _, err := db.SQL().Exec(db.Rebind(`UPDATE accounts SET plan_id = (SELECT id FROM plans WHERE slug = 'enterprise') WHERE id = ?`), owner.AccountID); err != nil {
				b.Fatal(err)
			}
			var site struct{ ID string }
			for i := 0; i < 10; i++ {
				r := e.As(owner.Token, "POST", "/api/v1/sites", map[string]string{"name": "Bench site " + string(rune('a'+i))})
				if r.Status != http.StatusCreated {
					b.Fatalf("create site: %s", r)
				}
				r.JSON(b, &site)
			}
			key := findString(e.As(owner.Token, "POST", "/api/v1/api-keys", map[string]any{"name": "wp", "site_id": site.ID}).Body, apiKeyRe)
			body := e.As(owner.Token, "GET", "/api/v1/sites", nil).Body
			h := e.Handler
			b.Run("jwt", func(b *testing.B) { serveParallel(b, h, "Authorization", "Bearer "+owner.Token) })
			b.Run("site-key", func(b *testing.B) { serveParallel(b, h, "X-API-Key", key) })
			b.Run("bare", func(b *testing.B) {
				serveParallel(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write(body)
				}), "X-API-Key", key)
			})
		})
	}
}

func serveParallel(b *testing.B, h http.Handler, name, value string) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest("GET", "/api/v1/sites", nil)
			r.Header.Set(name, value)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatalf("%d %s", w.Code, w.Body)
			}
		}
	})
}
