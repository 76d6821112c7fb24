package sqlstore

import (
	"context"
	"fmt"
	"sort"

	"github.com/igny8/igny8"
)

// Names of the checks LedgerVerify runs.
const (
	CheckBalanceSum     = "balance_equals_sum"
	CheckSequence       = "seq_runs_without_gaps"
	CheckBalanceAfter   = "balance_after_runs"
	CheckNegative       = "no_negative_balance"
	CheckIdempotencyKey = "idempotency_keys_unique"
	CheckDeductionUsage = "deduction_has_usage_log"
	CheckRefundFailed   = "refund_has_failed_operation"
	CheckUsageCharged   = "usage_log_has_deduction"
	CheckFailedRefunded = "failed_operation_refunded"
)

// LedgerVerify checks every invariant of the credits ledger (docs/design.md
// section 4 rule 3) for every account and returns each violation; none
// means the ledger is sound. It reads only. Errors: unauthenticated,
// forbidden, or a database error.
func (a *Admin) LedgerVerify(ctx context.Context) ([]igny8.LedgerViolation, error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	c := a.db.reader()
	out, err := verifyRuns(ctx, c)
	if err != nil {
		return nil, err
	}
	for _, chk := range reconcileChecks {
		vs, err := runCheck(ctx, c, chk)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].AccountID < out[j].AccountID })
	return out, nil
}

type ledgerAccount struct {
	credits, seq int64
	// what the transactions say
	sum, lastSeq, lastBalance int64
}

// violations collects what LedgerVerify finds.
type violations []igny8.LedgerViolation

func (vs *violations) add(accountID, check, format string, args ...any) {
	*vs = append(*vs, igny8.LedgerViolation{AccountID: accountID, Check: check, Detail: fmt.Sprintf(format, args...)})
}

// step checks one transaction against the run so far and advances it.
func (acc *ledgerAccount) step(vs *violations, accountID, id string, seq, amount, after int64) {
	if seq != acc.lastSeq+1 {
		vs.add(accountID, CheckSequence, "transaction %s has seq %d after seq %d", id, seq, acc.lastSeq)
	}
	if after != acc.lastBalance+amount {
		vs.add(accountID, CheckBalanceAfter, "transaction %s (seq %d): balance_after %d, but %d%+d = %d",
			id, seq, after, acc.lastBalance, amount, acc.lastBalance+amount)
	}
	if after < 0 {
		vs.add(accountID, CheckNegative, "transaction %s (seq %d) leaves balance %d", id, seq, after)
	}
	acc.sum, acc.lastSeq, acc.lastBalance = acc.sum+amount, seq, after
}

// finish checks the account's row against its whole run.
func (acc *ledgerAccount) finish(vs *violations, accountID string) {
	if acc.credits != acc.sum {
		vs.add(accountID, CheckBalanceSum, "balance %d, sum of transactions %d", acc.credits, acc.sum)
	}
	if acc.seq != acc.lastSeq {
		vs.add(accountID, CheckSequence, "ledger_seq %d, last transaction seq %d", acc.seq, acc.lastSeq)
	}
	if acc.credits < 0 {
		vs.add(accountID, CheckNegative, "balance %d", acc.credits)
	}
}

// verifyRuns walks every account's transactions in seq order once.
func verifyRuns(ctx context.Context, c conn) ([]igny8.LedgerViolation, error) {
	accounts, order, err := loadLedgerAccounts(ctx, c)
	if err != nil {
		return nil, err
	}
	rows, err := c.query(ctx, `SELECT account_id, id, seq, amount, balance_after FROM credit_transactions ORDER BY account_id, seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs violations
	for rows.Next() {
		var accountID, id string
		var seq, amount, after int64
		if err := rows.Scan(&accountID, &id, &seq, &amount, &after); err != nil {
			return nil, err
		}
		acc := accounts[accountID]
		if acc == nil { // only possible without the foreign key
			acc = &ledgerAccount{}
			accounts[accountID], order = acc, append(order, accountID)
		}
		acc.step(&vs, accountID, id, seq, amount, after)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range order {
		accounts[id].finish(&vs, id)
	}
	return vs, nil
}

func loadLedgerAccounts(ctx context.Context, c conn) (map[string]*ledgerAccount, []string, error) {
	rows, err := c.query(ctx, `SELECT id, credits, ledger_seq FROM accounts ORDER BY id`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	accounts := map[string]*ledgerAccount{}
	var order []string
	for rows.Next() {
		var id string
		acc := &ledgerAccount{}
		if err := rows.Scan(&id, &acc.credits, &acc.seq); err != nil {
			return nil, nil, err
		}
		accounts[id] = acc
		order = append(order, id)
	}
	return accounts, order, rows.Err()
}

// reconcileCheck is one query that lists (account_id, detail) violations.
type reconcileCheck struct {
	name, query string
}

var reconcileChecks = []reconcileCheck{
	{CheckIdempotencyKey, `SELECT account_id, 'transaction key ' || idempotency_key || ' used ' || CAST(COUNT(*) AS TEXT) || ' times'
		FROM credit_transactions WHERE idempotency_key IS NOT NULL
		GROUP BY account_id, idempotency_key HAVING COUNT(*) > 1`},
	{CheckIdempotencyKey, `SELECT account_id, 'operation key ' || idempotency_key || ' used ' || CAST(COUNT(*) AS TEXT) || ' times'
		FROM credit_usage_logs WHERE idempotency_key IS NOT NULL
		GROUP BY account_id, idempotency_key HAVING COUNT(*) > 1`},
	{CheckDeductionUsage, `SELECT t.account_id, 'deduction ' || t.id || ' has no usage log charging ' || CAST(-t.amount AS TEXT)
		FROM credit_transactions t LEFT JOIN credit_usage_logs u
			ON u.transaction_id = t.id AND u.account_id = t.account_id AND u.credits_used = -t.amount
		WHERE t.type = 'deduction' AND u.id IS NULL`},
	{CheckRefundFailed, `SELECT t.account_id, 'refund ' || t.id || ' has no failed operation of ' || CAST(t.amount AS TEXT) || ' credits'
		FROM credit_transactions t LEFT JOIN credit_usage_logs u
			ON u.refund_transaction_id = t.id AND u.account_id = t.account_id
			AND u.outcome = 'failed' AND u.credits_used = t.amount
		WHERE t.type = 'refund' AND u.id IS NULL`},
	{CheckUsageCharged, `SELECT u.account_id, 'operation ' || u.id || ' used ' || CAST(u.credits_used AS TEXT) || ' credits without a deduction'
		FROM credit_usage_logs u LEFT JOIN credit_transactions t
			ON t.id = u.transaction_id AND t.account_id = u.account_id AND t.type = 'deduction'
		WHERE u.credits_used > 0 AND t.id IS NULL`},
	{CheckFailedRefunded, `SELECT account_id, 'operation ' || id || ' is ' || outcome ||
		CASE WHEN outcome = 'failed' THEN ' without a refund' ELSE ' but was refunded' END
		FROM credit_usage_logs
		WHERE (outcome = 'failed' AND credits_used > 0 AND refund_transaction_id IS NULL)
			OR (outcome <> 'failed' AND refund_transaction_id IS NOT NULL)`},
}

func runCheck(ctx context.Context, c conn, chk reconcileCheck) ([]igny8.LedgerViolation, error) {
	out, err := queryAll(ctx, c, func(row scanner) (*igny8.LedgerViolation, error) {
		v := igny8.LedgerViolation{Check: chk.name}
		return &v, row.Scan(&v.AccountID, &v.Detail)
	}, chk.query)
	if err != nil {
		return nil, fmt.Errorf("ledger check %s: %w", chk.name, err)
	}
	return out, nil
}
