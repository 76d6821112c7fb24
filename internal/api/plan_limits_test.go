package api_test

import (
	"net/http"
	"testing"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// A plan's counted limits are bounded (0 or 1 up to 1,000,000): a number
// past the database column's range is a validation error naming the field,
// not a 500 on PostgreSQL, and the plan is left as it was.
func TestPlanLimitsOutOfRangeAreRefused(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		dev := e.Developer()
		before := string(must(t, e.As(dev, "GET", "/api/v1/admin/plans", nil), http.StatusOK).Body)
		for _, field := range []string{"max_sites", "max_users", "max_sectors_per_site", "api_requests_per_minute"} {
			for _, n := range []int64{2147483648, 9223372036854775807, 1_000_001} {
				r := e.As(dev, "PATCH", "/api/v1/admin/plans/growth", map[string]any{field: n})
				if r.Status != http.StatusUnprocessableEntity || r.Code() != igny8.EValidation || !namesRef(r, []string{field}) {
					t.Errorf("PATCH %s=%d: got %s, want 422 validation_failed naming %s", field, n, r, field)
				}
				plan := map[string]any{"slug": "huge", "name": "Huge", "price": 100, "currency": "USD", "included_credits": 1,
					"max_sites": 1, "max_users": 1, "max_sectors_per_site": 1, "api_requests_per_minute": 1}
				plan[field] = n
				if r := e.As(dev, "POST", "/api/v1/admin/plans", plan); r.Status != http.StatusUnprocessableEntity || !namesRef(r, []string{field}) {
					t.Errorf("POST %s=%d: got %s, want 422 naming %s", field, n, r, field)
				}
			}
		}
		if after := string(must(t, e.As(dev, "GET", "/api/v1/admin/plans", nil), http.StatusOK).Body); after != before {
			t.Errorf("refused plan edits changed the catalogue:\nbefore %s\nafter  %s", before, after)
		}
		must(t, e.As(dev, "PATCH", "/api/v1/admin/plans/growth", map[string]any{"api_requests_per_minute": 1_000_000}), http.StatusOK)
	})
}
