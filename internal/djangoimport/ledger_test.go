package djangoimport_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/djangoimport"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// ledgerDump is a dump of three accounts on plan 1 whose transactions are
// given as (pk, account, type, amount, minute) and whose usage logs as
// (pk, account, credits, minute).
func ledgerDump(credits [3]int, txns [][5]any, logs [][4]int) string {
	var objs []string
	objs = append(objs, `{"model":"x.plan","pk":1,"fields":{"name":"Growth","slug":"growth","price":"139.00"}}`)
	for i, c := range credits {
		objs = append(objs, fmt.Sprintf(`{"model":"x.account","pk":%d,"fields":{"name":"A%d","slug":"ledger-%d","plan":1,
			"owner":%d,"credits":%d,"status":"active","created_at":"2025-01-01T00:00:00Z"}}`, i+1, i+1, i+1, i+1, c))
		objs = append(objs, fmt.Sprintf(`{"model":"x.user","pk":%d,"fields":{"email":"ledger-%d@example.com","password":"!",
			"role":"owner","account":%d}}`, i+1, i+1, i+1))
	}
	for _, t := range txns {
		objs = append(objs, fmt.Sprintf(`{"model":"x.credittransaction","pk":%d,"fields":{"account":%d,
			"transaction_type":%q,"amount":%d,"balance_after":0,"created_at":"2025-02-01T00:%02d:00Z"}}`, t[0], t[1], t[2], t[3], t[4]))
	}
	for _, l := range logs {
		objs = append(objs, fmt.Sprintf(`{"model":"x.creditusagelog","pk":%d,"fields":{"account":%d,"operation_type":"ideas",
			"credits_used":%d,"created_at":"2025-02-01T00:%02d:30Z"}}`, l[0], l[1], l[2], l[3]))
	}
	return "[" + strings.Join(objs, ",\n") + "]"
}

func TestImportLedgerReconciles(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		e := apptest.New(t, b)
		dump := ledgerDump([3]int{100, 0, 0}, [][5]any{
			// account 1: a deduction before any credit; stored 100 -> opening +50 first
			{1, 1, "deduction", -50, 1}, {2, 1, "purchase", 100, 2},
			// account 2: +100 -300 +7 +5 and stored 0: +200 before (the -300 needs it), -12 at the import
			{3, 2, "purchase", 100, 1}, {4, 2, "usage", -300, 2}, {5, 2, "refund", 7, 3}, {6, 2, "deduction", 5, 4},
			{7, 2, "bonus", 0, 5},
			// account 3: -50 +100 and stored 0: +50 before, -100 at the import
			{8, 3, "deduction", -50, 1}, {9, 3, "subscription", 100, 2},
		}, [][4]int{{1, 1, 50, 1}, {2, 2, 300, 2}, {3, 2, 999, 9}, {4, 3, 0, 3}})
		rep, err := djangoimport.Run(igny8.SystemContext(context.Background()), e.App.DB(), strings.NewReader(dump),
			djangoimport.Options{})
		if err != nil {
			t.Fatalf("import: %v\n%+v", err, rep)
		}
		got := map[string][]int64{}
		for _, r := range rep.OpeningBalances {
			got[r.Account] = append(got[r.Account], r.Amount)
		}
		want := map[string][]int64{"ledger-1": {50}, "ledger-2": {200, -12}, "ledger-3": {50, -100}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("reconciliations %v, want %v", got, want)
		}
		if code, out, errOut := e.CLI("ledger", "verify"); code != 0 {
			t.Fatalf("ledger verify: %s %s", out, errOut)
		}
		for slug, credits := range map[string]int{"ledger-1": 100, "ledger-2": 0, "ledger-3": 0} {
			if n := e.Count(`SELECT credits FROM accounts WHERE slug = ?`, slug); n != credits {
				t.Errorf("%s: %d credits, want %d", slug, n, credits)
			}
		}
		types := map[string]string{}
		rows, err := e.App.DB().SQL().Query(`SELECT legacy_id, type FROM credit_transactions WHERE legacy_id IS NOT NULL`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			var typ string
			if err := rows.Scan(&id, &typ); err != nil {
				t.Fatal(err)
			}
			types[fmt.Sprint(id)] = typ
		}
		rows.Close()
		// 7 (amount 0) is skipped; 5 (refund) and 6 (a deduction of +5) are adjustments.
		wantTypes := map[string]string{"1": "deduction", "2": "purchase", "3": "purchase", "4": "deduction",
			"5": "adjustment", "6": "adjustment", "8": "deduction", "9": "subscription"}
		if fmt.Sprint(types) != fmt.Sprint(wantTypes) {
			t.Errorf("types %v, want %v", types, wantTypes)
		}
		// Deductions 1 and 4 took usage logs 1 and 2; 8 got one of its own;
		// log 3 charged credits no deduction took; log 4 charged nothing.
		if n := e.Count(`SELECT COUNT(*) FROM credit_usage_logs WHERE legacy_id IN (1, 2, 4)`); n != 3 {
			t.Errorf("%d of the usage logs 1, 2, 4 came across", n)
		}
		if n := e.Count(`SELECT COUNT(*) FROM credit_usage_logs WHERE legacy_id IS NULL AND operation = 'imported' AND credits_used = 50`); n != 1 {
			t.Errorf("deduction 8 has no usage log of its own")
		}
		for model, reason := range map[string]string{"credittransaction": "amount 0", "creditusagelog": "no deduction"} {
			found := false
			for _, m := range rep.Models {
				for r := range m.Skipped {
					found = found || (m.Model == model && strings.HasPrefix(r, reason))
				}
			}
			if !found {
				t.Errorf("%s: no skip %q in %+v", model, reason, rep.Models)
			}
		}
	})
}

func TestImportUnknownTransactionTypeIsAConflict(t *testing.T) {
	e := apptest.New(t, storetest.Backends()[0])
	dump := ledgerDump([3]int{10, 0, 0}, [][5]any{{1, 1, "gift", 10, 1}}, nil)
	rep, err := djangoimport.Run(igny8.SystemContext(context.Background()), e.App.DB(), strings.NewReader(dump), djangoimport.Options{})
	if igny8.ErrorCode(err) != igny8.EConflict || len(rep.Conflicts) != 1 || !strings.Contains(rep.Conflicts[0], `"gift"`) {
		t.Fatalf("err %v, conflicts %v", err, rep.Conflicts)
	}
	if n := e.Count(`SELECT COUNT(*) FROM accounts WHERE legacy_id IS NOT NULL`); n != 0 {
		t.Fatalf("%d accounts written", n)
	}
}
