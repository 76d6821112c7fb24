package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

func TestCreditsPage(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		b := newBrowser(t, e)
		b.signUp("Credit Watcher")
		r := b.get("/credits")
		if r.Status != http.StatusOK {
			t.Fatalf("credits: %d %s", r.Status, r.Body)
		}
		mustContain(t, r, `data-testid="credits-balance">2,000<`, "Trial grant", "+2,000", `data-testid="no-usage"`)
		r = b.get("/credits?type=deduction")
		mustContain(t, r, "No transactions match.")
		r = b.get("/credits?from=yesterday")
		mustContain(t, r, "Use a date like")
		if strings.Contains(r.Body, "Trial grant</span>") {
			t.Fatal("a bad filter still listed transactions")
		}
	})
}
