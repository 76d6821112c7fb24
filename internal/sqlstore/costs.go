package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/igny8/igny8"
)

// maxCreditCost bounds what an administrator may set one operation to cost.
const maxCreditCost = 1_000_000

// creditCosts returns every operation's cost: the price an administrator
// stored, else the default of docs/design.md section 8.
func creditCosts(ctx context.Context, c conn) ([]igny8.CreditCost, error) {
	rows, err := c.query(ctx, `SELECT operation, credits, updated_at, updated_by FROM credit_costs`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	stored := map[igny8.Operation]igny8.CreditCost{}
	for rows.Next() {
		var cc igny8.CreditCost
		if err := rows.Scan(&cc.Operation, &cc.Credits, &cc.UpdatedAt, &cc.UpdatedBy); err != nil {
			return nil, err
		}
		stored[igny8.Operation(cc.Operation)] = cc
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]igny8.CreditCost, 0, len(igny8.Operations()))
	for _, op := range igny8.Operations() {
		cc, ok := stored[op]
		if !ok {
			cc = igny8.CreditCost{Operation: string(op), Credits: igny8.DefaultCreditCost(op)}
		}
		out = append(out, cc)
	}
	return out, nil
}

// costOf returns what op costs now.
func costOf(ctx context.Context, c conn, op igny8.Operation) (int64, error) {
	var credits int64
	err := c.queryRow(ctx, `SELECT credits FROM credit_costs WHERE operation = ?`, string(op)).Scan(&credits)
	if errors.Is(err, sql.ErrNoRows) {
		return igny8.DefaultCreditCost(op), nil
	}
	return credits, translate(err)
}

// CreditCosts lists what each AI operation costs, for the account's
// members. Errors: unauthenticated, forbidden.
func (s *Ledger) CreditCosts(ctx context.Context) ([]igny8.CreditCost, error) {
	p, _, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	if err := igny8.Authorize(p, igny8.ActReadAccount); err != nil {
		return nil, err
	}
	costs, err := creditCosts(ctx, s.db.reader())
	for i := range costs {
		costs[i].UpdatedBy = "" // who priced it is the operators' business
	}
	return costs, err
}

// AdminCreditCosts lists every operation's cost with who last changed it.
// Errors: unauthenticated, forbidden.
func (a *Admin) AdminCreditCosts(ctx context.Context) ([]igny8.CreditCost, error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	return creditCosts(ctx, a.db.reader())
}

// PutCreditCosts sets the costs of the listed operations (others keep
// theirs) in one transaction, audited, and returns the whole table.
// Errors: unauthenticated, forbidden, validation_failed.
func (a *Admin) PutCreditCosts(ctx context.Context, costs []igny8.CreditCost) ([]igny8.CreditCost, error) {
	p, err := igny8.AdminPrincipal(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateCosts(costs); err != nil {
		return nil, err
	}
	err = a.db.InTx(ctx, func(tx *Tx) error {
		for _, cc := range costs {
			if _, err := tx.exec(ctx, `INSERT INTO credit_costs (operation, credits, updated_at, updated_by)
				VALUES (?, ?, ?, ?) ON CONFLICT (operation) DO UPDATE SET credits = excluded.credits,
				updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
				cc.Operation, cc.Credits, tx.now, p.ActorID()); err != nil {
				return fmt.Errorf("store credit cost: %w", err)
			}
		}
		return audit(ctx, tx, noTenant, "credit_costs.updated", "credit_costs", "",
			map[string]any{"costs": costs})
	})
	if err != nil {
		return nil, err
	}
	return creditCosts(ctx, a.db.reader())
}

func validateCosts(costs []igny8.CreditCost) error {
	if len(costs) == 0 {
		return igny8.InvalidField("costs", "list at least one operation")
	}
	var fields []igny8.FieldError
	seen := map[string]bool{}
	for i, cc := range costs {
		field := fmt.Sprintf("costs[%d]", i)
		switch {
		case !igny8.Operation(cc.Operation).Valid():
			fields = append(fields, igny8.FieldError{Field: field + ".operation", Message: "is not a known operation"})
		case seen[cc.Operation]:
			fields = append(fields, igny8.FieldError{Field: field + ".operation", Message: "is listed twice"})
		case cc.Credits < 0 || cc.Credits > maxCreditCost:
			fields = append(fields, igny8.FieldError{Field: field + ".credits", Message: "must be between 0 and 1000000"})
		}
		seen[cc.Operation] = true
	}
	if len(fields) > 0 {
		return igny8.Invalid("The credit costs are not valid.", fields...)
	}
	return nil
}

// validDescription trims d and checks it is 1-500 characters.
func validDescription(d string) (string, error) {
	d = strings.TrimSpace(d)
	if d == "" || len([]rune(d)) > 500 {
		return "", igny8.InvalidField("description", "must be 1-500 characters")
	}
	return d, nil
}
