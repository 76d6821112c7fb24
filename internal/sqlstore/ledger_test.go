package sqlstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/ai"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// Many operations race for an account with room for exactly k of them:
// exactly k succeed, the rest are refused, and the ledger stays sound.
func TestLedgerConcurrentOperations(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		const n, k, cost = 24, 7, 10 // auto_cluster costs 10
		tn := seedTenant(t, db, "hot", k*cost+cost-1)
		provider := &countingProvider{}
		ops := sqlstore.NewOperations(db, provider, 0)
		var ok, refused atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := ops.RunOperation(tn.owner(), clusterReq(tn.SiteID))
				switch {
				case err == nil && res.Outcome == igny8.OutcomeSucceeded:
					ok.Add(1)
				case igny8.ErrorCode(err) == igny8.EInsufficient:
					refused.Add(1)
				default:
					t.Errorf("operation: %v %+v", err, res)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != k || refused.Load() != n-k {
			t.Fatalf("succeeded %d, refused %d; want %d and %d", ok.Load(), refused.Load(), k, n-k)
		}
		if provider.count() != k {
			t.Fatalf("provider called %d times, want %d", provider.count(), k)
		}
		if got := balance(t, db, tn); got != cost-1 {
			t.Fatalf("balance = %d, want %d", got, cost-1)
		}
		verifyClean(t, db)
	})
}

// Direct ledger changes under contention: deductions of 1 from many
// goroutines never take the balance below zero.
func TestApplyCreditConcurrentDeductions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		const n, k = 30, 11
		tn := seedTenant(t, db, "direct", k)
		var ok atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := sqlstore.ApplyCredit(context.Background(), db, tn.AccountID,
					sqlstore.CreditChange{Type: igny8.TxAdjustment, Amount: -1, Description: "take one", Actor: "test"})
				if err == nil {
					ok.Add(1)
				} else if igny8.ErrorCode(err) != igny8.EInsufficient {
					t.Errorf("deduct: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != k || balance(t, db, tn) != 0 {
			t.Fatalf("succeeded %d (want %d), balance %d", ok.Load(), k, balance(t, db, tn))
		}
		_, _, err := sqlstore.ApplyCredit(context.Background(), db, tn.AccountID,
			sqlstore.CreditChange{Type: igny8.TxAdjustment, Amount: -5, Description: "too much"})
		e := wantCode(t, err, igny8.EInsufficient)
		if e.Extra["required"] != int64(5) || e.Extra["available"] != int64(0) {
			t.Fatalf("insufficient extra = %v", e.Extra)
		}
		verifyClean(t, db)
	})
}

// Parallel retries with one Idempotency-Key charge once and all answer
// with the first transaction; the key with another request is refused.
func TestLedgerIdempotentRetries(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		tn := seedTenant(t, db, "idem", 100)
		admin := sqlstore.NewAdmin(db)
		const n = 16
		ids := make([]string, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tx, err := admin.AdjustCredits(adminCtx(), tn.AccountID,
					igny8.CreditAdjustment{Amount: -30, Description: "correction", IdempotencyKey: "adj-1"})
				if err != nil {
					t.Errorf("adjust: %v", err)
					return
				}
				ids[i] = tx.ID
			}()
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("retries answered with different transactions: %v", ids)
			}
		}
		if got := balance(t, db, tn); got != 70 {
			t.Fatalf("balance = %d, want 70 (charged once)", got)
		}
		_, err := admin.AdjustCredits(adminCtx(), tn.AccountID,
			igny8.CreditAdjustment{Amount: -31, Description: "correction", IdempotencyKey: "adj-1"})
		e := wantCode(t, err, igny8.EValidation)
		if len(e.Fields) != 1 || e.Fields[0].Field != "Idempotency-Key" {
			t.Fatalf("fields = %+v", e.Fields)
		}
		var audits int
		if err := db.SQL().QueryRow(db.Rebind(`SELECT COUNT(*) FROM audit_events WHERE account_id = ? AND action = 'credits.adjusted'`),
			tn.AccountID).Scan(&audits); err != nil {
			t.Fatal(err)
		}
		if audits != 2 { // the seeding grant and the one correction
			t.Fatalf("audit events = %d, want 2", audits)
		}
		verifyClean(t, db)
	})
}

// Operations with one Idempotency-Key, in parallel and one after another,
// run and charge once.
func TestOperationIdempotency(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		tn := seedTenant(t, db, "opidem", 100)
		provider := &countingProvider{}
		ops := sqlstore.NewOperations(db, provider, 0)
		req := clusterReq(tn.SiteID)
		req.IdempotencyKey = "op-1"
		var wg sync.WaitGroup
		var first atomic.Value
		for i := 0; i < 12; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := ops.RunOperation(tn.owner(), req)
				if err == nil {
					first.CompareAndSwap(nil, res.ID)
					if res.ID != first.Load() || res.Outcome != igny8.OutcomeSucceeded {
						t.Errorf("retry answered %+v, first %v", res, first.Load())
					}
				} else if igny8.ErrorCode(err) != igny8.EConflict {
					t.Errorf("retry: %v", err)
				}
			}()
		}
		wg.Wait()
		res, err := ops.RunOperation(tn.owner(), req)
		if err != nil || !res.Replayed || res.CreditsUsed != 10 || res.Balance != 90 || len(res.Output) == 0 {
			t.Fatalf("replay = %+v, %v", res, err)
		}
		if provider.count() != 1 || balance(t, db, tn) != 90 {
			t.Fatalf("provider calls %d, balance %d; want 1 and 90", provider.count(), balance(t, db, tn))
		}
		other := req
		other.Input.Keywords = []string{"something else"}
		e := wantCode(t, err2(ops.RunOperation(tn.owner(), other)), igny8.EValidation)
		if e.Fields[0].Field != igny8.IdempotencyKeyField {
			t.Fatalf("fields = %+v", e.Fields)
		}
		verifyClean(t, db)
	})
}

func err2[T any](_ T, err error) error { return err }

// A failed or timed-out provider call is refunded: the operation nets zero.
func TestOperationProviderFailureRefunds(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		tn := seedTenant(t, db, "fail", 100)
		failing := &countingProvider{run: func(ctx context.Context, req igny8.AIRequest) (*igny8.AIResponse, error) {
			return nil, fmt.Errorf("upstream exploded")
		}}
		slow := &countingProvider{run: func(ctx context.Context, req igny8.AIRequest) (*igny8.AIResponse, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}}
		for name, ops := range map[string]*sqlstore.Operations{
			"error":   sqlstore.NewOperations(db, failing, 0),
			"timeout": sqlstore.NewOperations(db, slow, 50*1e6),
		} {
			res, err := ops.RunOperation(tn.owner(), clusterReq(tn.SiteID))
			if err != nil || res.Outcome != igny8.OutcomeFailed || res.CreditsUsed != 0 || res.Balance != 100 || res.Error == "" {
				t.Fatalf("%s: result %+v, err %v", name, res, err)
			}
		}
		if got := balance(t, db, tn); got != 100 {
			t.Fatalf("balance = %d, want 100", got)
		}
		page, err := sqlstore.New(db, sqlstore.ServiceOptions{}).Ledger.ListCreditTransactions(tn.owner(), igny8.TransactionFilter{})
		if err != nil {
			t.Fatal(err)
		}
		types := ""
		for _, tx := range page.Items {
			types += tx.Type + " "
		}
		if types != "refund deduction refund deduction adjustment " {
			t.Fatalf("transactions newest first = %q", types)
		}
		verifyClean(t, db)
	})
}

// The local provider answers every operation through the whole flow.
func TestOperationEveryOperationLocal(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		tn := seedTenant(t, db, "local", 1000)
		ops := sqlstore.NewOperations(db, ai.Local{}, 0)
		in := igny8.OperationInput{Keywords: []string{"coffee beans", "coffee roast"}, Topic: "coffee",
			Title: "Brewing coffee", Content: "# Coffee\n\nCoffee beans are roasted."}
		spent := int64(0)
		for _, op := range igny8.Operations() {
			res, err := ops.RunOperation(tn.owner(), igny8.OperationRequest{Operation: op, SiteID: tn.SiteID,
				SectorID: tn.SectorID, Input: in})
			if err != nil || res.Outcome != igny8.OutcomeSucceeded || res.Model != ai.LocalModel {
				t.Fatalf("%s: %+v, %v", op, res, err)
			}
			spent += igny8.DefaultCreditCost(op)
			if res.CreditsUsed != igny8.DefaultCreditCost(op) || res.Balance != 1000-spent {
				t.Fatalf("%s: credits %d balance %d", op, res.CreditsUsed, res.Balance)
			}
		}
		verifyClean(t, db)
	})
}

// A writer that commits the same key while this change is between its key
// lookup and its insert (here one that bypassed applyCredit) makes the
// insert hit the unique key on PostgreSQL: the change is rolled back and
// answers with the committed transaction instead of charging twice. On
// SQLite the writer lock serializes the two, and the lookup finds the key.
func TestApplyCreditKeyRaceFallsBackToFirstResult(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		db := b.Open(t)
		tn := seedTenant(t, db, "race", 100)
		ch := sqlstore.CreditChange{Type: igny8.TxAdjustment, Amount: -10, Description: "once", IdempotencyKey: "race-1", Actor: "test"}
		ctx := context.Background()
		other, err := db.SQL().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		firstID := sqlstore.NewID()
		if _, err := other.ExecContext(ctx, db.Rebind(`INSERT INTO credit_transactions (id, account_id, seq, type, amount,
			balance_after, description, idempotency_key, request_hash, actor, created_at)
			VALUES (?, ?, 99, 'adjustment', -10, 90, 'once', 'race-1', ?, 'test', ?)`),
			firstID, tn.AccountID, ch.RequestHashForTest(), time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		go func() {
			time.Sleep(200 * time.Millisecond)
			if err := other.Commit(); err != nil {
				t.Error(err)
			}
		}()
		got, replayed, err := sqlstore.ApplyCredit(ctx, db, tn.AccountID, ch)
		if err != nil || !replayed || got.ID != firstID {
			t.Fatalf("racing change = %+v, replayed %v, %v; want the committed %s", got, replayed, err, firstID)
		}
		if bal := balance(t, db, tn); bal != 100 {
			t.Fatalf("balance = %d: the racing change was applied too", bal)
		}
	})
}
