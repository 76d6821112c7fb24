package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"

	"github.com/igny8/igny8"
)

// creditChange is one change of an account's balance, as applyCredit takes it.
type creditChange struct {
	Type   string // one of the igny8.Tx* types
	Amount int64  // signed: negative takes credits away
	// Description is shown to the account in its transaction list.
	Description   string
	ReferenceType string // igny8.Ref*, or ""
	ReferenceID   string
	// IdempotencyKey, when set, makes the change happen at most once per
	// account: a retry answers with the first transaction.
	IdempotencyKey string
	// RequestHash identifies the request the key was first used for; when
	// empty it is computed from the change itself.
	RequestHash string
	Actor       string // igny8.Principal.ActorID(), or "system"
}

// requestHash is the fingerprint of the change stored beside its key.
func (ch *creditChange) requestHash() string {
	if ch.RequestHash != "" {
		return ch.RequestHash
	}
	return hashParts(ch.Type, strconv.FormatInt(ch.Amount, 10), ch.Description, ch.ReferenceType, ch.ReferenceID)
}

// hashParts hashes length-prefixed parts, so that no two lists collide.
func hashParts(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (ch *creditChange) validate() error {
	switch {
	case !igny8.ValidTransactionType(ch.Type):
		return fmt.Errorf("credit change: unknown type %q", ch.Type)
	case ch.Amount == 0:
		return igny8.InvalidField("amount", "must not be zero")
	case ch.Type == igny8.TxDeduction && ch.Amount > 0,
		ch.Type != igny8.TxDeduction && ch.Type != igny8.TxAdjustment && ch.Amount < 0:
		return fmt.Errorf("credit change: amount %d has the wrong sign for %s", ch.Amount, ch.Type)
	case len(ch.IdempotencyKey) > igny8.MaxIdempotencyKeyLen:
		return igny8.InvalidField(igny8.IdempotencyKeyField, "must be at most 255 characters")
	}
	return nil
}

// applyCredit is the one function through which every credit change passes
// (trial grants at sign-up, subscription grants at payment confirmation,
// deductions and refunds of AI operations, admin adjustments). It runs in
// the caller's transaction, so the change commits or rolls back with the
// caller's other writes:
//
//  1. with an idempotency key, it locks the account row and looks the key
//     up; a stored transaction with the same request hash is returned with
//     replayed=true and nothing changes, a different hash is refused with
//     validation_failed naming Idempotency-Key;
//  2. one guarded UPDATE moves the balance and the account's ledger_seq, and
//     only if the balance stays >= 0;
//  3. one credit_transactions row is inserted with that seq and balance;
//  4. a deduction that takes the balance below a tenth of the plan's
//     included credits, or to 0, writes the "credits low" or "credits
//     exhausted" notice (once per period, creditNotices); the UPDATE
//     answers the plan's credits, so a deduction that crosses no line
//     costs no query. A deduction refused for want of credits writes
//     "credits exhausted" after its transaction has rolled back.
//
// Errors: insufficient_credits (Extra: required, available), not_found (no
// such account), validation_failed (zero amount, key reused). An error
// leaves the caller's transaction to be rolled back. Because the account
// row is locked before the key is looked up, two applyCredit calls racing
// with one key cannot both insert it. Should the unique key still be hit
// (a writer that bypassed applyCredit, another isolation level), the error
// matches errKeyRace: the caller rolls back and answers with the stored
// transaction (creditByKey), as applyCreditOnce does.
func applyCredit(ctx context.Context, tx *Tx, tn tenant, ch creditChange) (t *igny8.CreditTransaction, replayed bool, err error) {
	if err := ch.validate(); err != nil {
		return nil, false, err
	}
	if ch.IdempotencyKey != "" {
		if err := lockAccount(ctx, tx, tn); err != nil {
			return nil, false, err
		}
		prev, err := creditByKey(ctx, tx.conn, tn, ch.IdempotencyKey, ch.requestHash())
		if err == nil || !errors.Is(err, sql.ErrNoRows) {
			return prev, err == nil, err
		}
	}
	var balance, seq, included int64
	err = tx.queryRow(ctx, `UPDATE accounts SET credits = credits + ?, ledger_seq = ledger_seq + 1, updated_at = ?
		WHERE id = ? AND credits + ? >= 0
		RETURNING credits, ledger_seq, (SELECT included_credits FROM plans WHERE plans.id = accounts.plan_id)`,
		ch.Amount, tx.now, tn.id, ch.Amount).Scan(&balance, &seq, &included)
	if errors.Is(err, sql.ErrNoRows) {
		err := refusedChange(ctx, tx, tn, ch.Amount)
		if ch.Type == igny8.TxDeduction && igny8.ErrorCode(err) == igny8.EInsufficient {
			tx.onRollback(func() { tx.db.refusedNotice(ctx, tn, -ch.Amount) })
		}
		return nil, false, err
	}
	if err != nil {
		return nil, false, translate(err)
	}
	if t, err = insertCreditTx(ctx, tx, tn, seq, balance, &ch); err != nil {
		return nil, false, err
	}
	if ch.Type == igny8.TxDeduction {
		err = creditNotices(ctx, tx, tn, balance-ch.Amount, balance, included)
	}
	return t, false, err
}

// errKeyRace marks a unique violation on an idempotency key: another
// transaction committed the same key first.
var errKeyRace = errors.New("idempotency key taken by a concurrent request")

func insertCreditTx(ctx context.Context, tx *Tx, tn tenant, seq, balance int64, ch *creditChange) (*igny8.CreditTransaction, error) {
	t := &igny8.CreditTransaction{ID: newID(), Seq: seq, Type: ch.Type, Amount: ch.Amount, BalanceAfter: balance,
		Description: ch.Description, ReferenceType: ch.ReferenceType, ReferenceID: ch.ReferenceID,
		Actor: ch.Actor, CreatedAt: tx.now}
	var hash string
	if ch.IdempotencyKey != "" {
		key := ch.IdempotencyKey
		t.IdempotencyKey, hash = &key, ch.requestHash()
	}
	_, err := tx.exec(ctx, `INSERT INTO credit_transactions (id, account_id, seq, type, amount, balance_after,
		description, reference_type, reference_id, idempotency_key, request_hash, actor, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, tn.id, seq, t.Type, t.Amount, balance, t.Description, t.ReferenceType, t.ReferenceID,
		t.IdempotencyKey, hash, t.Actor, t.CreatedAt)
	if IsConstraint(err, "unique") && t.IdempotencyKey != nil {
		return nil, fmt.Errorf("%w: %w", errKeyRace, err)
	}
	if err != nil {
		return nil, fmt.Errorf("insert credit transaction: %w", err)
	}
	return t, nil
}

// lockAccount takes the account row's lock until the transaction ends
// (SQLite's write transactions are serialized already). On PostgreSQL it is
// the lock the balance UPDATE takes anyway (FOR NO KEY UPDATE), so it
// serializes ledger writers without blocking inserts of rows that merely
// reference the account. Errors: not_found.
func lockAccount(ctx context.Context, tx *Tx, tn tenant) error {
	var id string
	err := tx.queryRow(ctx, `SELECT id FROM accounts WHERE id = ?`+tx.db.forNoKeyUpdate(), tn.id).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return igny8.NotFound("Account")
	}
	return translate(err)
}

// refusedChange explains why the guarded UPDATE changed no row.
func refusedChange(ctx context.Context, tx *Tx, tn tenant, amount int64) error {
	var available int64
	err := tx.queryRow(ctx, `SELECT credits FROM accounts WHERE id = ?`, tn.id).Scan(&available)
	if errors.Is(err, sql.ErrNoRows) {
		return igny8.NotFound("Account")
	}
	if err != nil {
		return translate(err)
	}
	return insufficient(-amount, available)
}

// insufficient is the insufficient_credits error with the numbers a client
// needs to explain it.
func insufficient(required, available int64) *igny8.Error {
	return &igny8.Error{Code: igny8.EInsufficient,
		Message: fmt.Sprintf("Not enough credits: this needs %d, the balance is %d.", required, available),
		Extra:   map[string]any{"required": required, "available": available}}
}

// keyReused is the answer to an Idempotency-Key sent again with a
// different request.
func keyReused() *igny8.Error {
	return igny8.InvalidField(igny8.IdempotencyKeyField, "was already used for a different request")
}

// creditTxColumns selects created_at as siteColumns selects timestamps.
const creditTxColumns = `id, seq, type, amount, balance_after, description, reference_type, reference_id,
	idempotency_key, actor, COALESCE(created_at, NULL)`

func scanCreditTx(row scanner, t *igny8.CreditTransaction, extra ...any) error {
	dest := append([]any{&t.ID, &t.Seq, &t.Type, &t.Amount, &t.BalanceAfter, &t.Description, &t.ReferenceType,
		&t.ReferenceID, &t.IdempotencyKey, &t.Actor, timestamp{&t.CreatedAt}}, extra...)
	return row.Scan(dest...)
}

// creditByKey returns the account's transaction stored under key. It
// returns sql.ErrNoRows when there is none, and validation_failed naming
// Idempotency-Key when it was stored for a request other than hash.
func creditByKey(ctx context.Context, c conn, tn tenant, key, hash string) (*igny8.CreditTransaction, error) {
	var t igny8.CreditTransaction
	var stored string
	err := scanCreditTx(c.queryRow(ctx, `SELECT `+creditTxColumns+`, request_hash FROM credit_transactions
		WHERE account_id = ? AND idempotency_key = ?`, tn.id, key), &t, &stored)
	if err != nil {
		return nil, translate(err)
	}
	if stored != hash {
		return nil, keyReused()
	}
	return &t, nil
}

// applyCreditOnce runs applyCredit in a transaction of its own together
// with then (for audit rows and the like, skipped on a replay), and turns a
// lost key race into the first request's answer.
func (db *DB) applyCreditOnce(ctx context.Context, tn tenant, ch creditChange,
	then func(tx *Tx, t *igny8.CreditTransaction) error) (*igny8.CreditTransaction, bool, error) {
	var out *igny8.CreditTransaction
	var replayed bool
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		out, replayed, err = applyCredit(ctx, tx, tn, ch)
		if err != nil || replayed || then == nil {
			return err
		}
		return then(tx, out)
	})
	if errors.Is(err, errKeyRace) {
		out, err = creditByKey(ctx, db.reader(), tn, ch.IdempotencyKey, ch.requestHash())
		return out, err == nil, err
	}
	return out, replayed, err
}
