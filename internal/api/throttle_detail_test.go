package api_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// TestRateLimitedDetailCountsSeconds: the refusal said "retry after 1
// seconds". Its detail counts the seconds of its Retry-After header.
func TestRateLimitedDetailCountsSeconds(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0], throttleOn)
	owner := e.SignUp("Hasty")
	for i := 0; i < 1000; i++ {
		r := e.As(owner.Token, "GET", "/api/v1/account", nil)
		if r.Status != http.StatusTooManyRequests {
			continue
		}
		retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
		want := "Too many requests; retry after " + igny8.Plural(retry, "second") + "."
		if err != nil || r.Map(t)["detail"] != want {
			t.Fatalf("429 %s with Retry-After %q, want detail %q", r, r.Header.Get("Retry-After"), want)
		}
		return
	}
	t.Fatal("never throttled")
}
