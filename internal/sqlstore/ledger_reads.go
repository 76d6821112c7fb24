package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/igny8/igny8"
)

// readLedger returns the principal of ctx when it may read the account's
// credits. Errors: unauthenticated, forbidden.
func readLedger(ctx context.Context) (*igny8.Principal, error) {
	p, _, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	return p, igny8.Authorize(p, igny8.ActReadAccount)
}

// CreditBalance returns the account's balance. Errors: unauthenticated,
// forbidden, not_found.
func (s *Ledger) CreditBalance(ctx context.Context) (*igny8.CreditBalance, error) {
	p, err := readLedger(ctx)
	if err != nil {
		return nil, err
	}
	var b igny8.CreditBalance
	err = s.db.reader().queryRow(ctx, `SELECT credits, ledger_seq FROM accounts WHERE id = ?`, p.AccountID).
		Scan(&b.Credits, &b.LastSeq)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, igny8.NotFound("Account")
	}
	return &b, translate(err)
}

// ListCreditTransactions returns one page of the account's transactions,
// newest first, optionally of one type and within [From, To). Errors:
// unauthenticated, forbidden, validation_failed (type, limit, cursor, range).
func (s *Ledger) ListCreditTransactions(ctx context.Context, f igny8.TransactionFilter) (*igny8.Page[igny8.CreditTransaction], error) {
	p, err := readLedger(ctx)
	if err != nil {
		return nil, err
	}
	limit, before, err := validateTxFilter(&f)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + creditTxColumns + ` FROM credit_transactions WHERE account_id = ?`
	args := []any{p.AccountID}
	if f.Type != "" {
		q, args = q+` AND type = ?`, append(args, f.Type)
	}
	q, args = timeRange(q, args, f.From, f.To)
	if before > 0 {
		q, args = q+` AND seq < ?`, append(args, before)
	}
	q, args = q+` ORDER BY seq DESC LIMIT ?`, append(args, limit+1)
	items, err := queryAll(ctx, s.db.reader(), func(row scanner) (*igny8.CreditTransaction, error) {
		var t igny8.CreditTransaction
		return &t, scanCreditTx(row, &t)
	}, q, args...)
	if err != nil {
		return nil, err
	}
	return cutPage(items, limit, func(t *igny8.CreditTransaction) string { return strconv.FormatInt(t.Seq, 10) }), nil
}

// validateTxFilter returns the page size and the seq to list below.
func validateTxFilter(f *igny8.TransactionFilter) (limit int, before int64, err error) {
	var fields []igny8.FieldError
	if f.Type != "" && !igny8.ValidTransactionType(f.Type) {
		fields = append(fields, igny8.FieldError{Field: "type", Message: "is not a transaction type"})
	}
	page := f.Page.Normalized()
	limit = page.Limit
	if page.Cursor != "" {
		if before, err = strconv.ParseInt(page.Cursor, 10, 64); err != nil || before < 1 {
			fields = append(fields, igny8.FieldError{Field: "cursor", Message: "is not a cursor from this list"})
		}
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		fields = append(fields, igny8.FieldError{Field: "to", Message: "must be after from"})
	}
	if len(fields) > 0 {
		return 0, 0, igny8.Invalid("The filter is not valid.", fields...)
	}
	return limit, before, nil
}

// timeRange adds created_at >= from and created_at < to when given.
func timeRange(q string, args []any, from, to *time.Time) (string, []any) {
	if from != nil {
		q, args = q+` AND created_at >= ?`, append(args, from.UTC())
	}
	if to != nil {
		q, args = q+` AND created_at < ?`, append(args, to.UTC())
	}
	return q, args
}

// usageKeys maps group_by to the SQL of its key; substr of the timestamp
// text is the UTC day on both databases.
var usageKeys = map[string]string{
	igny8.GroupByOperation: `operation`,
	igny8.GroupByDay:       `substr(CAST(created_at AS TEXT), 1, 10)`,
	igny8.GroupBySite:      `COALESCE(site_id, '')`,
}

// CreditUsage sums the account's AI operations within [From, To), grouped
// by operation, day or site. Errors: unauthenticated, forbidden,
// validation_failed (group_by, range).
func (s *Ledger) CreditUsage(ctx context.Context, f igny8.UsageFilter) (*igny8.UsageSummary, error) {
	p, err := readLedger(ctx)
	if err != nil {
		return nil, err
	}
	if f.GroupBy == "" {
		f.GroupBy = igny8.GroupByOperation
	}
	key, ok := usageKeys[f.GroupBy]
	if !ok {
		return nil, igny8.InvalidField("group_by", "must be operation, day or site")
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		return nil, igny8.InvalidField("to", "must be after from")
	}
	q := `SELECT ` + key + `, COUNT(*),
		CAST(COALESCE(SUM(CASE WHEN outcome = 'succeeded' THEN 1 ELSE 0 END), 0) AS BIGINT),
		CAST(COALESCE(SUM(CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END), 0) AS BIGINT),
		CAST(COALESCE(SUM(CASE WHEN outcome = 'failed' THEN 0 ELSE credits_used END), 0) AS BIGINT),
		CAST(COALESCE(SUM(tokens_in), 0) AS BIGINT), CAST(COALESCE(SUM(tokens_out), 0) AS BIGINT)
		FROM credit_usage_logs WHERE account_id = ?`
	q, args := timeRange(q, []any{p.AccountID}, f.From, f.To)
	rows, err := s.db.reader().query(ctx, q+` GROUP BY 1 ORDER BY 1`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	sum := &igny8.UsageSummary{GroupBy: f.GroupBy, From: f.From, To: f.To, Items: []igny8.UsageGroup{}}
	for rows.Next() {
		var g igny8.UsageGroup
		if err := rows.Scan(&g.Key, &g.Count, &g.Succeeded, &g.Failed, &g.Credits, &g.TokensIn, &g.TokensOut); err != nil {
			return nil, err
		}
		sum.Items = append(sum.Items, g)
		t := &sum.Total
		t.Count, t.Succeeded, t.Failed = t.Count+g.Count, t.Succeeded+g.Succeeded, t.Failed+g.Failed
		t.Credits, t.TokensIn, t.TokensOut = t.Credits+g.Credits, t.TokensIn+g.TokensIn, t.TokensOut+g.TokensOut
	}
	sum.Total.Key = "total"
	return sum, rows.Err()
}

var _ igny8.LedgerService = (*Ledger)(nil)
