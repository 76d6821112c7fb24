package sqlstore_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/ai"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// Another account's site, sector and ledger can be neither used nor seen;
// roles and site grants limit who may run operations.
func TestOperationScopeAndIsolation(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		a := seedTenant(t, db, "alpha", 100)
		other := seedTenant(t, db, "beta", 100)
		provider := &countingProvider{}
		ops := sqlstore.NewOperations(db, provider, 0)

		wantCode(t, err2(ops.RunOperation(a.owner(), clusterReq(other.SiteID))), igny8.ENotFound)
		req := clusterReq(a.SiteID)
		req.SectorID = other.SectorID
		wantCode(t, err2(ops.RunOperation(a.owner(), req)), igny8.ENotFound)

		viewer := seedUser(t, db, a.AccountID, "viewer@alpha.test", igny8.RoleViewer)
		wantCode(t, err2(ops.RunOperation(a.ctx(igny8.RoleViewer, viewer), clusterReq(a.SiteID))), igny8.EForbidden)
		editor := seedUser(t, db, a.AccountID, "editor@alpha.test", igny8.RoleEditor)
		wantCode(t, err2(ops.RunOperation(a.ctx(igny8.RoleEditor, editor), clusterReq(a.SiteID))), igny8.ENotFound)
		mustExec(t, db, `INSERT INTO site_user_access (account_id, site_id, user_id, granted_by, granted_at) VALUES (?, ?, ?, ?, ?)`,
			a.AccountID, a.SiteID, editor, a.OwnerID, time.Now().UTC())
		if _, err := ops.RunOperation(a.ctx(igny8.RoleEditor, editor), clusterReq(a.SiteID)); err != nil {
			t.Fatalf("granted editor: %v", err)
		}
		boundKey := igny8.WithPrincipal(context.Background(), &igny8.Principal{Kind: igny8.CredentialAPIKey,
			APIKeyID: "k1", AccountID: a.AccountID, Role: igny8.RoleEditor, SiteID: sqlstore.NewID()})
		wantCode(t, err2(ops.RunOperation(boundKey, clusterReq(a.SiteID))), igny8.ENotFound)
		mustExec(t, db, `UPDATE sites SET deleted_at = ? WHERE id = ?`, time.Now().UTC(), a.SiteID)
		wantCode(t, err2(ops.RunOperation(a.owner(), clusterReq(a.SiteID))), igny8.ENotFound)

		bad := clusterReq(a.SiteID)
		bad.Input.Keywords = nil
		wantCode(t, err2(ops.RunOperation(a.owner(), bad)), igny8.EValidation)
		wantCode(t, err2(ops.RunOperation(context.Background(), clusterReq(a.SiteID))), igny8.EUnauthenticated)

		if provider.count() != 1 || balance(t, db, a) != 90 || balance(t, db, other) != 100 {
			t.Fatalf("provider calls %d, balances %d/%d", provider.count(), balance(t, db, a), balance(t, db, other))
		}
		store := sqlstore.New(db, sqlstore.ServiceOptions{})
		page, err := store.Ledger.ListCreditTransactions(other.owner(), igny8.TransactionFilter{})
		if err != nil || len(page.Items) != 1 || page.Items[0].Amount != 100 {
			t.Fatalf("other account sees %+v, %v", page, err)
		}
		usage, err := store.Ledger.CreditUsage(other.owner(), igny8.UsageFilter{})
		if err != nil || len(usage.Items) != 0 {
			t.Fatalf("other account usage %+v, %v", usage, err)
		}
		wantCode(t, err2(sqlstore.NewAdmin(db).LedgerVerify(a.owner())), igny8.EForbidden)
		wantCode(t, err2(sqlstore.NewAdmin(db).AdjustCredits(a.owner(), a.AccountID,
			igny8.CreditAdjustment{Amount: 5, Description: "self-service"})), igny8.EForbidden)
		verifyClean(t, db)
	})
}

// Insufficient credits: refused with the numbers, provider never called,
// nothing charged or logged.
func TestOperationInsufficientCredits(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		tn := seedTenant(t, db, "poor", 12)
		provider := &countingProvider{}
		ops := sqlstore.NewOperations(db, provider, 0)
		req := igny8.OperationRequest{Operation: igny8.OpGenerateContent, SiteID: tn.SiteID,
			Input: igny8.OperationInput{Title: "A title"}}
		e := wantCode(t, err2(ops.RunOperation(tn.owner(), req)), igny8.EInsufficient)
		if e.Extra["required"] != int64(50) || e.Extra["available"] != int64(12) {
			t.Fatalf("extra = %v", e.Extra)
		}
		var logs int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM credit_usage_logs`).Scan(&logs); err != nil {
			t.Fatal(err)
		}
		if provider.count() != 0 || logs != 0 || balance(t, db, tn) != 12 {
			t.Fatalf("provider %d, logs %d, balance %d", provider.count(), logs, balance(t, db, tn))
		}
	})
}

// Transactions page newest first with type and date filters; usage sums by
// operation, day and site.
func TestLedgerReads(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		tn := seedTenant(t, db, "reader", 500)
		ops := sqlstore.NewOperations(db, ai.Local{}, 0)
		for i := 0; i < 5; i++ {
			if _, err := ops.RunOperation(tn.owner(), clusterReq(tn.SiteID)); err != nil {
				t.Fatal(err)
			}
		}
		store := sqlstore.New(db, sqlstore.ServiceOptions{})
		var seqs []int64
		f := igny8.TransactionFilter{Page: igny8.PageRequest{Limit: 2}}
		for {
			page, err := store.Ledger.ListCreditTransactions(tn.owner(), f)
			if err != nil {
				t.Fatal(err)
			}
			for _, tx := range page.Items {
				seqs = append(seqs, tx.Seq)
			}
			if page.NextCursor == nil {
				break
			}
			f.Page.Cursor = *page.NextCursor
		}
		if len(seqs) != 6 || seqs[0] != 6 || seqs[5] != 1 {
			t.Fatalf("paged seqs = %v", seqs)
		}
		page, err := store.Ledger.ListCreditTransactions(tn.owner(), igny8.TransactionFilter{Type: igny8.TxDeduction})
		if err != nil || len(page.Items) != 5 {
			t.Fatalf("deductions %+v, %v", page, err)
		}
		future := time.Now().Add(time.Hour)
		page, err = store.Ledger.ListCreditTransactions(tn.owner(), igny8.TransactionFilter{From: &future})
		if err != nil || len(page.Items) != 0 {
			t.Fatalf("future page %+v, %v", page, err)
		}
		wantCode(t, err2(store.Ledger.ListCreditTransactions(tn.owner(), igny8.TransactionFilter{Type: "gift"})), igny8.EValidation)
		wantCode(t, err2(store.Ledger.ListCreditTransactions(tn.owner(), igny8.TransactionFilter{Page: igny8.PageRequest{Cursor: "x"}})), igny8.EValidation)

		today := time.Now().UTC().Format("2006-01-02")
		for by, key := range map[string]string{igny8.GroupByOperation: "auto_cluster", igny8.GroupByDay: today, igny8.GroupBySite: tn.SiteID} {
			u, err := store.Ledger.CreditUsage(tn.owner(), igny8.UsageFilter{GroupBy: by})
			if err != nil || len(u.Items) != 1 || u.Items[0].Key != key || u.Items[0].Count != 5 ||
				u.Items[0].Credits != 50 || u.Total.Credits != 50 || u.Items[0].TokensOut == 0 {
				t.Fatalf("usage by %s = %+v, %v", by, u, err)
			}
		}
		wantCode(t, err2(store.Ledger.CreditUsage(tn.owner(), igny8.UsageFilter{GroupBy: "week"})), igny8.EValidation)
	})
}

// Costs: defaults, an admin change (audited) used by the next operation,
// and a free operation that needs no ledger entry.
func TestCreditCosts(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		tn := seedTenant(t, db, "costs", 100)
		store, admin := sqlstore.New(db, sqlstore.ServiceOptions{}), sqlstore.NewAdmin(db)
		costs, err := store.Ledger.CreditCosts(tn.owner())
		if err != nil || len(costs) != 5 || costs[2].Operation != "generate_content" || costs[2].Credits != 50 {
			t.Fatalf("costs = %+v, %v", costs, err)
		}
		wantCode(t, err2(admin.PutCreditCosts(adminCtx(), []igny8.CreditCost{{Operation: "teleport", Credits: 1}})), igny8.EValidation)
		wantCode(t, err2(admin.PutCreditCosts(tn.owner(), []igny8.CreditCost{{Operation: "auto_cluster", Credits: 1}})), igny8.EForbidden)
		costs, err = admin.PutCreditCosts(adminCtx(), []igny8.CreditCost{{Operation: "auto_cluster", Credits: 0}})
		if err != nil || costs[0].Credits != 0 || costs[0].UpdatedBy != "system" || costs[0].UpdatedAt == nil {
			t.Fatalf("put costs = %+v, %v", costs, err)
		}
		res, err := sqlstore.NewOperations(db, ai.Local{}, 0).RunOperation(tn.owner(), clusterReq(tn.SiteID))
		if err != nil || res.CreditsUsed != 0 || res.Balance != 100 {
			t.Fatalf("free operation = %+v, %v", res, err)
		}
		verifyClean(t, db)
	})
}

// LedgerVerify reports tampering that the constraints cannot catch.
func TestLedgerVerifyFindsViolations(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		tn := seedTenant(t, db, "tamper", 100)
		if _, err := sqlstore.NewOperations(db, ai.Local{}, 0).RunOperation(tn.owner(), clusterReq(tn.SiteID)); err != nil {
			t.Fatal(err)
		}
		mustExec(t, db, `UPDATE accounts SET credits = credits + 7 WHERE id = ?`, tn.AccountID)
		mustExec(t, db, `UPDATE credit_usage_logs SET outcome = 'failed' WHERE account_id = ?`, tn.AccountID)
		mustExec(t, db, `UPDATE credit_transactions SET seq = 5 WHERE account_id = ? AND seq = 2`, tn.AccountID)
		vs, err := sqlstore.NewAdmin(db).LedgerVerify(adminCtx())
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]bool{}
		for _, v := range vs {
			if v.AccountID != tn.AccountID {
				t.Fatalf("violation on another account: %s", v)
			}
			found[v.Check] = true
		}
		for _, c := range []string{sqlstore.CheckBalanceSum, sqlstore.CheckSequence, sqlstore.CheckFailedRefunded} {
			if !found[c] {
				t.Errorf("missing violation %s in %v", c, vs)
			}
		}
	})
}

// The OpenAI-compatible provider against a fake server, through the whole
// flow: success records model and tokens; an error and a timeout refund.
func TestOperationOpenAIProvider(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		tn := seedTenant(t, db, "openai", 100)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var body struct {
				Messages []struct{ Content string } `json:"messages"`
			}
			_ = json.NewDecoder(r.Body).Decode(&body)
			switch {
			case strings.Contains(body.Messages[1].Content, "explode"):
				http.Error(w, `{"error":{"message":"boom"}}`, http.StatusInternalServerError)
			case strings.Contains(body.Messages[1].Content, "slow"):
				time.Sleep(2 * time.Second)
			default:
				_, _ = w.Write([]byte(`{"model":"fake-1","choices":[{"message":{"role":"assistant","content":"{\"clusters\":[]}"}}],
					"usage":{"prompt_tokens":11,"completion_tokens":7}}`))
			}
		}))
		defer srv.Close()
		provider, err := ai.NewOpenAI(ai.OpenAIConfig{BaseURL: srv.URL, APIKey: "sk-test", Model: "fake", Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ops := sqlstore.NewOperations(db, provider, time.Second)
		res, err := ops.RunOperation(tn.owner(), clusterReq(tn.SiteID))
		if err != nil || res.Outcome != igny8.OutcomeSucceeded || res.Model != "fake-1" || res.TokensIn != 11 ||
			res.TokensOut != 7 || string(res.Output) != `{"clusters":[]}` || res.Balance != 90 {
			t.Fatalf("success = %+v, %v", res, err)
		}
		for _, kw := range []string{"explode", "slow"} {
			req := clusterReq(tn.SiteID)
			req.Input.Keywords = []string{kw}
			res, err := ops.RunOperation(tn.owner(), req)
			if err != nil || res.Outcome != igny8.OutcomeFailed || res.Balance != 90 {
				t.Fatalf("%s = %+v, %v", kw, res, err)
			}
		}
		if balance(t, db, tn) != 90 {
			t.Fatalf("balance = %d, want 90", balance(t, db, tn))
		}
		verifyClean(t, db)
	})
}

// An operation whose server stopped before recording its outcome is failed
// and refunded by FailStaleOperations; the late outcome then changes nothing.
func TestFailStaleOperations(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		tn := seedTenant(t, db, "stale", 100)
		admin := sqlstore.NewAdmin(db)
		reaped := -1
		provider := &countingProvider{run: func(ctx context.Context, req igny8.AIRequest) (*igny8.AIResponse, error) {
			var err error
			if reaped, err = admin.FailStaleOperations(adminCtx(), time.Now().Add(time.Minute)); err != nil {
				t.Error(err)
			}
			return ai.Local{}.Run(ctx, req)
		}}
		if _, err := sqlstore.NewOperations(db, provider, 0).RunOperation(tn.owner(), clusterReq(tn.SiteID)); err == nil {
			t.Fatal("the late outcome of a reaped operation was recorded")
		}
		if reaped != 1 || balance(t, db, tn) != 100 {
			t.Fatalf("reaped %d, balance %d", reaped, balance(t, db, tn))
		}
		if n, err := admin.FailStaleOperations(adminCtx(), time.Now().Add(time.Minute)); err != nil || n != 0 {
			t.Fatalf("second sweep failed %d, %v", n, err)
		}
		verifyClean(t, db)
	})
}
