package igny8

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// Operation names a metered AI operation.
type Operation string

// The AI operations and their default costs (docs/design.md section 8).
const (
	OpAutoCluster     Operation = "auto_cluster"
	OpGenerateIdeas   Operation = "generate_ideas"
	OpGenerateContent Operation = "generate_content"
	OpGenerateImages  Operation = "generate_images"
	OpOptimizeContent Operation = "optimize_content"
)

// Operations lists every operation in a stable order.
func Operations() []Operation {
	return []Operation{OpAutoCluster, OpGenerateIdeas, OpGenerateContent, OpGenerateImages, OpOptimizeContent}
}

// Valid reports whether o is a known operation.
func (o Operation) Valid() bool {
	_, ok := defaultCosts[o]
	return ok
}

var defaultCosts = map[Operation]int64{
	OpAutoCluster:     10,
	OpGenerateIdeas:   15,
	OpGenerateContent: 50,
	OpGenerateImages:  20,
	OpOptimizeContent: 25,
}

// DefaultCreditCost returns the cost of o before any administrator change.
func DefaultCreditCost(o Operation) int64 { return defaultCosts[o] }

// Limits on operation input, so that one request cannot send a book.
const (
	MaxOperationKeywords = 200
	MaxOperationText     = 100_000 // bytes of content
	MaxOperationCount    = 20
)

// OperationInput is what an operation works on. Which fields it needs
// depends on the operation (see Validate).
type OperationInput struct {
	Keywords []string `json:"keywords,omitempty" max:"200"`
	Topic    string   `json:"topic,omitempty" max:"500"`
	Title    string   `json:"title,omitempty" max:"500"`
	Content  string   `json:"content,omitempty" max:"100000"`
	// Count is how many ideas or image prompts to make (default 5).
	Count int `json:"count,omitempty" min:"0" max:"20"`
}

// OperationRequest is POST /ai/operations.
type OperationRequest struct {
	Operation Operation      `json:"operation" max:"64"`
	SiteID    string         `json:"site_id" max:"36"`
	SectorID  string         `json:"sector_id,omitempty" max:"36"`
	Input     OperationInput `json:"input"`
	// IdempotencyKey comes from the Idempotency-Key header.
	IdempotencyKey string `json:"-"`
}

// Validate checks the request's shape; it returns validation_failed
// naming each field at fault.
func (r *OperationRequest) Validate() error {
	var fields []FieldError
	add := func(f, m string) { fields = append(fields, FieldError{Field: f, Message: m}) }
	if !r.Operation.Valid() {
		add("operation", "must be one of auto_cluster, generate_ideas, generate_content, generate_images, optimize_content")
	}
	if strings.TrimSpace(r.SiteID) == "" {
		add("site_id", "is required")
	}
	if len(r.IdempotencyKey) > MaxIdempotencyKeyLen {
		add(IdempotencyKeyField, "must be at most 255 characters")
	}
	in := &r.Input
	if len(in.Keywords) > MaxOperationKeywords {
		add("input.keywords", "must list at most 200 keywords")
	}
	if len(in.Content)+len(in.Title)+len(in.Topic) > MaxOperationText {
		add("input", "is too long")
	}
	if in.Count < 0 || in.Count > MaxOperationCount {
		add("input.count", "must be between 1 and 20 (default 5)")
	}
	switch r.Operation {
	case OpAutoCluster:
		if len(in.NonEmptyKeywords()) == 0 {
			add("input.keywords", "lists the keywords to cluster")
		}
	case OpGenerateIdeas:
		if len(in.NonEmptyKeywords()) == 0 && strings.TrimSpace(in.Topic) == "" {
			add("input.topic", "a topic or keywords are required")
		}
	case OpGenerateContent, OpGenerateImages:
		if strings.TrimSpace(in.Title) == "" && strings.TrimSpace(in.Topic) == "" {
			add("input.title", "a title or topic is required")
		}
	case OpOptimizeContent:
		if strings.TrimSpace(in.Content) == "" {
			add("input.content", "is required")
		}
	}
	if len(fields) > 0 {
		return Invalid("The operation request is not valid.", fields...)
	}
	return nil
}

// NonEmptyKeywords returns the keywords trimmed, without blanks.
func (in *OperationInput) NonEmptyKeywords() []string {
	out := make([]string, 0, len(in.Keywords))
	for _, k := range in.Keywords {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// OperationResult is the answer of POST /ai/operations. CreditsUsed is what
// the operation finally cost (0 when it failed and was refunded); Balance
// is the account's balance after the operation's last ledger change.
type OperationResult struct {
	ID          string          `json:"id"`
	Operation   Operation       `json:"operation"`
	SiteID      string          `json:"site_id"`
	SectorID    string          `json:"sector_id"`
	Outcome     string          `json:"outcome"`
	CreditsUsed int64           `json:"credits_used"`
	Balance     int64           `json:"balance"`
	Output      json.RawMessage `json:"output"`
	Error       string          `json:"error,omitempty"`
	Model       string          `json:"model"`
	TokensIn    int64           `json:"tokens_in"`
	TokensOut   int64           `json:"tokens_out"`
	DurationMS  int64           `json:"duration_ms"`
	CreatedAt   time.Time       `json:"created_at"`
	// Replayed is set when the answer is the stored result of an earlier
	// request with the same Idempotency-Key.
	Replayed bool `json:"-"`
}

// AIRequest is what a provider is asked to do.
type AIRequest struct {
	Operation Operation
	Input     OperationInput
}

// AIResponse is a provider's answer: Output is a JSON value.
type AIResponse struct {
	Output    json.RawMessage
	Model     string
	TokensIn  int64
	TokensOut int64
}

// AIProvider runs operations. Implementations live in internal/ai; the
// store calls them outside any database transaction, with a deadline.
type AIProvider interface {
	Run(ctx context.Context, req AIRequest) (*AIResponse, error)
}
