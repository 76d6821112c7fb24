package igny8

import (
	"context"
	"time"
)

// Credit transaction types (docs/design.md section 2). Grants and refunds are
// positive, deductions negative, adjustments either.
const (
	TxTrialGrant   = "trial_grant"
	TxSubscription = "subscription"
	TxPurchase     = "purchase"
	TxDeduction    = "deduction"
	TxRefund       = "refund"
	TxAdjustment   = "adjustment"
)

// ValidTransactionType reports whether t is one of the transaction types.
func ValidTransactionType(t string) bool {
	switch t {
	case TxTrialGrant, TxSubscription, TxPurchase, TxDeduction, TxRefund, TxAdjustment:
		return true
	}
	return false
}

// Reference types a credit transaction may point at.
const (
	RefAIOperation = "ai_operation" // a CreditUsageLog id
	RefPayment     = "payment"
	RefAccount     = "account"
	// RefSubscription marks the credits of a free plan's period, which has
	// no payment.
	RefSubscription = "subscription"
)

// IdempotencyKeyField names the Idempotency-Key header in validation errors.
const IdempotencyKeyField = "Idempotency-Key"

// MaxIdempotencyKeyLen bounds an Idempotency-Key.
const MaxIdempotencyKeyLen = 255

// CreditTransaction is one change of an account's balance. Every change is
// exactly one transaction; seq numbers an account's transactions 1, 2, 3, …
// and balance_after is the balance once this one was applied.
type CreditTransaction struct {
	ID             string    `json:"id"`
	Seq            int64     `json:"seq"`
	Type           string    `json:"type"`
	Amount         int64     `json:"amount"`
	BalanceAfter   int64     `json:"balance_after"`
	Description    string    `json:"description"`
	ReferenceType  string    `json:"reference_type"`
	ReferenceID    string    `json:"reference_id"`
	IdempotencyKey *string   `json:"idempotency_key"`
	Actor          string    `json:"actor"`
	CreatedAt      time.Time `json:"created_at"`
}

// CreditBalance is an account's balance.
type CreditBalance struct {
	Credits int64 `json:"credits"`
	// LastSeq is the seq of the latest transaction (0 when there is none).
	LastSeq int64 `json:"last_seq"`
}

// TransactionFilter selects credit transactions; the zero value lists the
// newest page of all types.
type TransactionFilter struct {
	Type string     // one of the Tx* types, or "" for all
	From *time.Time // created at or after
	To   *time.Time // created before
	Page PageRequest
}

// Usage groupings for UsageSummary.
const (
	GroupByOperation = "operation"
	GroupByDay       = "day"
	GroupBySite      = "site"
)

// UsageFilter selects the usage logs a summary covers.
type UsageFilter struct {
	From    *time.Time // created at or after
	To      *time.Time // created before
	GroupBy string     // operation (default), day or site
}

// UsageGroup sums the operations that share one key (an operation name, a
// day as YYYY-MM-DD, or a site id). Credits counts what was charged and not
// refunded.
type UsageGroup struct {
	Key       string `json:"key"`
	Count     int64  `json:"count"`
	Succeeded int64  `json:"succeeded"`
	Failed    int64  `json:"failed"`
	Credits   int64  `json:"credits"`
	TokensIn  int64  `json:"tokens_in"`
	TokensOut int64  `json:"tokens_out"`
}

// UsageSummary is the answer of GET /credits/usage.
type UsageSummary struct {
	GroupBy string       `json:"group_by"`
	From    *time.Time   `json:"from"`
	To      *time.Time   `json:"to"`
	Items   []UsageGroup `json:"items"`
	Total   UsageGroup   `json:"total"`
}

// UsageLog is the record of one AI operation (a CreditUsageLog).
type UsageLog struct {
	ID          string    `json:"id"`
	Operation   string    `json:"operation"`
	SiteID      string    `json:"site_id"`
	SectorID    string    `json:"sector_id"`
	CreditsUsed int64     `json:"credits_used"`
	Model       string    `json:"model"`
	TokensIn    int64     `json:"tokens_in"`
	TokensOut   int64     `json:"tokens_out"`
	DurationMS  int64     `json:"duration_ms"`
	Outcome     string    `json:"outcome"`
	CreatedAt   time.Time `json:"created_at"`
}

// Usage log outcomes.
const (
	OutcomePending   = "pending"
	OutcomeSucceeded = "succeeded"
	OutcomeFailed    = "failed"
)

// CreditCost is the price of one AI operation in credits.
type CreditCost struct {
	Operation string     `json:"operation" max:"64"`
	Credits   int64      `json:"credits" min:"0" max:"1000000"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	UpdatedBy string     `json:"updated_by,omitempty" max:"254"`
}

// CreditAdjustment is a system administrator's correction of a balance.
type CreditAdjustment struct {
	Amount         int64  `json:"amount" min:"-1000000000" max:"1000000000"`
	Description    string `json:"description" max:"500"`
	IdempotencyKey string `json:"-"`
}

// LedgerViolation is one broken ledger invariant found by LedgerVerify.
type LedgerViolation struct {
	AccountID string `json:"account_id"`
	Check     string `json:"check"`
	Detail    string `json:"detail"`
}

func (v LedgerViolation) String() string {
	return "account " + v.AccountID + ": " + v.Check + ": " + v.Detail
}

// LedgerService is the credits ledger as an account's members read it.
// Every method acts on the principal's account and needs ActReadAccount;
// errors: unauthenticated, forbidden, validation_failed for a bad filter.
type LedgerService interface {
	CreditBalance(ctx context.Context) (*CreditBalance, error)
	ListCreditTransactions(ctx context.Context, f TransactionFilter) (*Page[CreditTransaction], error)
	CreditUsage(ctx context.Context, f UsageFilter) (*UsageSummary, error)
	CreditCosts(ctx context.Context) ([]CreditCost, error)
}

// AIService runs metered AI operations for the principal's account.
type AIService interface {
	// RunOperation charges the operation's cost, runs it and records its
	// usage; a failed run is refunded, so it nets zero. Errors:
	// validation_failed (422 naming Idempotency-Key when the key was used
	// for a different request), forbidden, not_found (site or sector),
	// insufficient_credits (Extra: required, available), conflict (the
	// same key is still running).
	RunOperation(ctx context.Context, req OperationRequest) (*OperationResult, error)
}

// AdminLedgerService is the cross-tenant side of the ledger, for system
// administrators; every method needs AdminPrincipal (unauthenticated,
// forbidden otherwise).
type AdminLedgerService interface {
	// AdjustCredits records an audited adjustment. Errors: not_found,
	// validation_failed, insufficient_credits (it would go below zero).
	AdjustCredits(ctx context.Context, accountID string, in CreditAdjustment) (*CreditTransaction, error)
	AdminCreditCosts(ctx context.Context) ([]CreditCost, error)
	// PutCreditCosts sets the listed operations' costs. Errors: validation_failed.
	PutCreditCosts(ctx context.Context, costs []CreditCost) ([]CreditCost, error)
	// LedgerVerify checks every ledger invariant and lists the violations.
	LedgerVerify(ctx context.Context) ([]LedgerViolation, error)
}
