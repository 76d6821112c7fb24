package api_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// addSite creates a site through the API and returns its id.
func addSite(t *testing.T, e *apptest.Env, token string) string {
	t.Helper()
	r := e.As(token, "POST", "/api/v1/sites", map[string]any{"name": "Blog"})
	if r.Status != 201 {
		t.Fatalf("create site: %s", r)
	}
	return r.Map(t)["id"].(string)
}

type opResult struct {
	ID          string         `json:"id"`
	Outcome     string         `json:"outcome"`
	CreditsUsed int64          `json:"credits_used"`
	Balance     int64          `json:"balance"`
	Output      map[string]any `json:"output"`
}

func TestCreditsAndOperationsOverHTTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Credit Owner")
		site := addSite(t, e, owner.Token)

		r := e.As(owner.Token, "GET", "/api/v1/credits/balance", nil)
		if r.Status != 200 || r.Map(t)["credits"] != float64(2000) {
			t.Fatalf("balance after sign-up: %s", r)
		}
		op := map[string]any{"operation": "auto_cluster", "site_id": site,
			"input": map[string]any{"keywords": []string{"coffee beans", "coffee grinder", "tea"}}}
		r = e.As(owner.Token, "POST", "/api/v1/ai/operations", op, "Idempotency-Key", "k-1")
		var first opResult
		r.JSON(t, &first)
		if r.Status != 201 || first.Outcome != "succeeded" || first.CreditsUsed != 10 || first.Balance != 1990 || first.Output["clusters"] == nil {
			t.Fatalf("operation: %s", r)
		}
		r = e.As(owner.Token, "POST", "/api/v1/ai/operations", op, "Idempotency-Key", "k-1")
		var again opResult
		r.JSON(t, &again)
		if r.Status != 201 || again.ID != first.ID || r.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %s", r)
		}
		op["operation"] = "generate_ideas"
		r = e.As(owner.Token, "POST", "/api/v1/ai/operations", op, "Idempotency-Key", "k-1")
		if r.Status != 422 || r.Code() != "validation_failed" || !strings.Contains(string(r.Body), `"field":"Idempotency-Key"`) {
			t.Fatalf("reused key: %s", r)
		}

		other := e.SignUp("Other Owner")
		op["site_id"] = addSite(t, e, other.Token)
		if r = e.As(owner.Token, "POST", "/api/v1/ai/operations", op); r.Status != 404 {
			t.Fatalf("other account's site: %s", r)
		}
		if r = e.As(other.Token, "GET", "/api/v1/credits/transactions", nil); !strings.Contains(string(r.Body), `"balance_after":2000`) ||
			strings.Contains(string(r.Body), "deduction") {
			t.Fatalf("other account's transactions: %s", r)
		}

		dev := e.Developer()
		r = e.As(dev, "POST", "/api/v1/admin/accounts/"+owner.AccountID+"/credits", map[string]any{"amount": -1985, "description": "test drain"})
		if r.Status != 201 || r.Map(t)["balance_after"] != float64(5) || r.Map(t)["type"] != "adjustment" {
			t.Fatalf("adjustment: %s", r)
		}
		if r = e.As(dev, "POST", "/api/v1/admin/accounts/"+owner.AccountID+"/credits", map[string]any{"amount": -6, "description": "too far"}); r.Status != 402 {
			t.Fatalf("adjustment below zero: %s", r)
		}
		if r = e.As(dev, "POST", "/api/v1/admin/accounts/"+sqlstore.NewID()+"/credits", map[string]any{"amount": 5, "description": "nobody"}); r.Status != 404 {
			t.Fatalf("adjustment of a missing account: %s", r)
		}
		if r = e.As(owner.Token, "POST", "/api/v1/admin/accounts/"+owner.AccountID+"/credits", map[string]any{"amount": 5, "description": "self"}); r.Status != 403 {
			t.Fatalf("tenant adjusting itself: %s", r)
		}
		r = e.As(owner.Token, "POST", "/api/v1/ai/operations", map[string]any{"operation": "teleport", "site_id": site, "input": map[string]any{}})
		if r.Status != 422 || !strings.Contains(string(r.Body), `"field":"operation"`) {
			t.Fatalf("unknown operation: %s", r)
		}
		r = e.As(owner.Token, "POST", "/api/v1/ai/operations", map[string]any{"operation": "generate_content", "site_id": site,
			"input": map[string]any{"title": "Brewing"}})
		if m := r.Map(t); r.Status != 402 || m["code"] != "insufficient_credits" || m["required"] != float64(50) || m["available"] != float64(5) {
			t.Fatalf("insufficient: %s", r)
		}

		r = e.As(owner.Token, "GET", "/api/v1/credits/transactions?type=deduction&limit=10", nil)
		var page struct {
			Items      []map[string]any `json:"items"`
			NextCursor *string          `json:"next_cursor"`
		}
		r.JSON(t, &page)
		if r.Status != 200 || len(page.Items) != 1 || page.Items[0]["amount"] != float64(-10) || page.NextCursor != nil {
			t.Fatalf("deductions: %s", r)
		}
		if r = e.As(owner.Token, "GET", "/api/v1/credits/transactions?from=yesterday", nil); r.Status != 422 {
			t.Fatalf("bad from: %s", r)
		}
		today := time.Now().UTC().Format("2006-01-02")
		r = e.As(owner.Token, "GET", "/api/v1/credits/usage?group_by=day&from="+today+"&to="+today, nil)
		if !strings.Contains(string(r.Body), `"key":"`+today+`"`) || !strings.Contains(string(r.Body), `"credits":10`) {
			t.Fatalf("usage: %s", r)
		}

		if code, out, _ := e.CLI("ledger", "verify"); code != 0 || !strings.Contains(out, "ledger ok") {
			t.Fatalf("ledger verify: %d %s", code, out)
		}
		db := e.App.DB()
		if _, err := db.SQL().Exec(db.Rebind(`UPDATE accounts SET credits = credits + 1 WHERE id = ?`), owner.AccountID); err != nil {
			t.Fatal(err)
		}
		if code, out, _ := e.CLI("ledger", "verify"); code != 1 || !strings.Contains(out, owner.AccountID+": balance_equals_sum") {
			t.Fatalf("ledger verify after tampering: %d %s", code, out)
		}
	})
}

func TestCreditCostsOverHTTP(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0])
	owner := e.SignUp("Cost Reader")
	dev := e.Developer()
	r := e.As(owner.Token, "GET", "/api/v1/credits/costs", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `{"operation":"generate_content","credits":50}`) {
		t.Fatalf("costs: %s", r)
	}
	put := map[string]any{"items": []map[string]any{{"operation": "generate_content", "credits": 40}}}
	if r = e.As(owner.Token, "PUT", "/api/v1/admin/credit-costs", put); r.Status != 403 {
		t.Fatalf("tenant put: %s", r)
	}
	if r = e.As(owner.Token, "GET", "/api/v1/admin/credit-costs", nil); r.Status != 403 {
		t.Fatalf("tenant get: %s", r)
	}
	if r = e.As(dev, "PUT", "/api/v1/admin/credit-costs", map[string]any{"items": []map[string]any{{"operation": "x", "credits": 1}}}); r.Status != 422 {
		t.Fatalf("bad put: %s", r)
	}
	if r = e.As(dev, "PUT", "/api/v1/admin/credit-costs", put); r.Status != 200 || !strings.Contains(string(r.Body), `"credits":40`) {
		t.Fatalf("put: %s", r)
	}
	r = e.As(owner.Token, "GET", "/api/v1/credits/costs", nil)
	if !strings.Contains(string(r.Body), `{"operation":"generate_content","credits":40,`) || strings.Contains(string(r.Body), "updated_by") {
		t.Fatalf("costs after put: %s", r)
	}
	if r = e.As(dev, "GET", "/api/v1/credits/balance", nil); r.Status != 403 {
		t.Fatalf("developer reading tenant balance: %s", r)
	}
}

func TestOpenAPIDocumentsIdempotencyKey(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0])
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name, In string }
		}
	}
	e.Do("GET", "/api/v1/openapi.json", nil).JSON(t, &doc)
	for _, path := range []string{"/api/v1/ai/operations", "/api/v1/admin/accounts/{id}/credits"} {
		found := false
		for _, p := range doc.Paths[path]["post"].Parameters {
			found = found || p.Name == "Idempotency-Key" && p.In == "header"
		}
		if !found {
			t.Errorf("POST %s does not document the Idempotency-Key header", path)
		}
	}
}

// Parallel retries of one operation over HTTP charge once: each answers
// the first result (201) or 409 while it is still running.
func TestOperationRetriesInParallelOverHTTP(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Parallel Owner")
		op := map[string]any{"operation": "generate_ideas", "site_id": addSite(t, e, owner.Token),
			"input": map[string]any{"topic": "espresso"}}
		var wg sync.WaitGroup
		ids := make(chan string, 10)
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := e.As(owner.Token, "POST", "/api/v1/ai/operations", op, "Idempotency-Key", "same")
				switch r.Status {
				case 201:
					var res opResult
					r.JSON(t, &res)
					ids <- res.ID
				case 409:
				default:
					t.Errorf("retry: %s", r)
				}
			}()
		}
		wg.Wait()
		close(ids)
		first := ""
		for id := range ids {
			if first != "" && id != first {
				t.Fatalf("retries answered different operations %s and %s", first, id)
			}
			first = id
		}
		if first == "" {
			t.Fatal("no retry ran the operation")
		}
		if r := e.As(owner.Token, "GET", "/api/v1/credits/balance", nil); r.Map(t)["credits"] != float64(2000-15) {
			t.Fatalf("balance after parallel retries: %s", r)
		}
	})
}

// API keys run operations with their role and site: a site-bound editor
// key on its site, not a viewer key, and never on another account's site.
func TestOperationsWithAPIKeys(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0])
	owner := e.SignUp("Key Owner")
	site := addSite(t, e, owner.Token)
	key := func(role string) string {
		r := e.As(owner.Token, "POST", "/api/v1/api-keys", map[string]any{"name": role + " key", "role": role, "site_id": site})
		if r.Status != 201 {
			t.Fatalf("create %s key: %s", role, r)
		}
		return r.Map(t)["key"].(string)
	}
	op := map[string]any{"operation": "generate_images", "site_id": site, "input": map[string]any{"title": "Latte art"}}
	if r := e.Do("POST", "/api/v1/ai/operations", op, "X-API-Key", key("editor")); r.Status != 201 {
		t.Fatalf("site-bound editor key: %s", r)
	}
	viewer := key("viewer")
	if r := e.Do("POST", "/api/v1/ai/operations", op, "X-API-Key", viewer); r.Status != 403 {
		t.Fatalf("viewer key: %s", r)
	}
	if r := e.Do("GET", "/api/v1/credits/balance", nil, "X-API-Key", viewer); r.Status != 200 || r.Map(t)["credits"] != float64(1980) {
		t.Fatalf("viewer key reading the balance: %s", r)
	}
	other := e.SignUp("Key Other")
	if r := e.As(other.Token, "POST", "/api/v1/ai/operations", op); r.Status != 404 {
		t.Fatalf("another account on this site: %s", r)
	}
}
