package sqlstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/ai"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// BenchmarkDeductions measures deductions per second through the ledger
// (applyCredit in a transaction of its own) beside the bare database doing
// the same guarded UPDATE and INSERT in one transaction, on one hot account
// and spread over 1,000 accounts, with 8 goroutines. Run:
//
//	IGNY8_TEST_POSTGRES_URL=... go test ./internal/sqlstore -run '^$' -bench Deductions -benchtime 3s
func BenchmarkDeductions(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			db := be.Open(b)
			accounts := benchAccounts(b, db, 1000)
			for _, shape := range []struct {
				name     string
				accounts []string
			}{{"hot", accounts[:1]}, {"spread1000", accounts}} {
				b.Run(shape.name+"/bare", func(b *testing.B) { runDeductions(b, shape.accounts, bareDeduct(db)) })
				b.Run(shape.name+"/ledger", func(b *testing.B) { runDeductions(b, shape.accounts, ledgerDeduct(db)) })
				b.Run(shape.name+"/interleaved", func(b *testing.B) {
					runInterleaved(b, shape.accounts, bareDeduct(db), ledgerDeduct(db))
				})
			}
			tn := seedTenantB(b, db)
			b.Run("hot/operation", func(b *testing.B) {
				ops := sqlstore.NewOperations(db, ai.Local{}, 0)
				runDeductions(b, []string{tn.AccountID}, func(ctx context.Context, _ string) error {
					_, err := ops.RunOperation(tn.owner(), clusterReq(tn.SiteID))
					return err
				})
			})
		})
	}
}

func runDeductions(b *testing.B, accounts []string, deduct func(ctx context.Context, accountID string) error) {
	var next atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			id := accounts[int(next.Add(1))%len(accounts)]
			if err := deduct(ctx, id); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deductions/s")
}

// runInterleaved alternates bare and ledger deductions in one loop, so that
// both see the same machine load, and reports their mean latencies and the
// ledger's rate relative to the bare one.
func runInterleaved(b *testing.B, accounts []string, bare, ledger func(ctx context.Context, accountID string) error) {
	var next atomic.Int64
	var ns, n [2]atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			i := next.Add(1)
			kind, f := i%2, bare
			if kind == 1 {
				f = ledger
			}
			start := time.Now()
			if err := f(ctx, accounts[int(i)%len(accounts)]); err != nil {
				b.Error(err)
				return
			}
			ns[kind].Add(int64(time.Since(start)))
			n[kind].Add(1)
		}
	})
	bareMean := float64(ns[0].Load()) / float64(max(n[0].Load(), 1))
	ledgerMean := float64(ns[1].Load()) / float64(max(n[1].Load(), 1))
	b.ReportMetric(bareMean/1e3, "bare-µs/op")
	b.ReportMetric(ledgerMean/1e3, "ledger-µs/op")
	b.ReportMetric(bareMean/ledgerMean, "ledger/bare-rate")
}

func ledgerDeduct(db *sqlstore.DB) func(ctx context.Context, accountID string) error {
	return func(ctx context.Context, accountID string) error {
		_, _, err := sqlstore.ApplyCredit(ctx, db, accountID, sqlstore.CreditChange{Type: igny8.TxDeduction, Amount: -1,
			Description: "AI operation auto_cluster", ReferenceType: igny8.RefAIOperation, ReferenceID: sqlstore.NewID(), Actor: "bench"})
		return err
	}
}

// bareDeduct is the floor: the same two statements on database/sql directly.
func bareDeduct(db *sqlstore.DB) func(ctx context.Context, accountID string) error {
	update := db.Rebind(`UPDATE accounts SET credits = credits + ?, ledger_seq = ledger_seq + 1, updated_at = ?
		WHERE id = ? AND credits + ? >= 0 RETURNING credits, ledger_seq`)
	insert := db.Rebind(`INSERT INTO credit_transactions (id, account_id, seq, type, amount, balance_after,
		description, reference_type, reference_id, idempotency_key, request_hash, actor, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	return func(ctx context.Context, accountID string) error {
		tx, err := db.SQL().BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		now := time.Now().UTC()
		var balance, seq int64
		if err := tx.QueryRowContext(ctx, update, int64(-1), now, accountID, int64(-1)).Scan(&balance, &seq); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, insert, sqlstore.NewID(), accountID, seq, "deduction", int64(-1), balance,
			"AI operation auto_cluster", "ai_operation", sqlstore.NewID(), nil, "", "bench", now); err != nil {
			return err
		}
		return tx.Commit()
	}
}

// benchAccounts inserts n accounts holding plenty of credits.
func benchAccounts(b *testing.B, db *sqlstore.DB, n int) []string {
	b.Helper()
	ctx := context.Background()
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = sqlstore.NewID()
		if _, err := tx.ExecContext(ctx, db.Rebind(`INSERT INTO accounts (id, name, slug, plan_id, credits, status, created_at, updated_at)
			SELECT ?, ?, ?, id, 1000000000, 'active', ?, ? FROM plans WHERE slug = 'scale'`),
			ids[i], "Bench", fmt.Sprintf("bench-%d", i), now, now); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return ids
}

func seedTenantB(b *testing.B, db *sqlstore.DB) tenant {
	b.Helper()
	id := sqlstore.NewID()
	now := time.Now().UTC()
	tn := tenant{AccountID: id, OwnerID: sqlstore.NewID(), SiteID: sqlstore.NewID()}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO accounts (id, name, slug, plan_id, credits, status, created_at, updated_at)
			SELECT ?, 'Op bench', 'op-bench', id, 1000000000, 'active', ?, ? FROM plans WHERE slug = 'scale'`, []any{id, now, now}},
		{`INSERT INTO users (id, email, role, account_id, created_at, updated_at) VALUES (?, 'op@bench.test', 'owner', ?, ?, ?)`,
			[]any{tn.OwnerID, id, now, now}},
		{`INSERT INTO sites (id, account_id, name, slug, created_at, updated_at) VALUES (?, ?, 'Site', 'site', ?, ?)`,
			[]any{tn.SiteID, id, now, now}},
	} {
		if _, err := db.SQL().Exec(db.Rebind(q.sql), q.args...); err != nil {
			b.Fatal(err)
		}
	}
	return tn
}
