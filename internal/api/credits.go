package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// idempotencyHeader carries a client's key for a retry-safe POST.
const idempotencyHeader = "Idempotency-Key"

var idempotencyParams = []param{{idempotencyHeader,
	"optional, up to 255 characters, unique per account: a retry answers with the first result; the same key with another request is refused (422)"}}

var rangeParams = []param{
	{"from", "start, inclusive: RFC 3339 time or YYYY-MM-DD (UTC)"},
	{"to", "end, exclusive: RFC 3339 time, or YYYY-MM-DD for the end of that day (UTC)"},
}

// The OpenAPI documentation of this file's handlers (the rows are in routes.go).
func init() {
	document(docs{
		"creditBalance": {summary: "The account's credit balance", out: igny8.CreditBalance{}},
		"creditTransactions": {summary: "The account's credit transactions, newest first",
			out: igny8.Page[igny8.CreditTransaction]{}, query: append(append([]param{{"type", "trial_grant, subscription, purchase, deduction, refund or adjustment"}}, rangeParams...), pageParams...)},
		"creditUsage": {summary: "AI usage sums and counts, grouped by operation, day or site",
			out: igny8.UsageSummary{}, query: append([]param{{"group_by", "operation (default), day or site"}}, rangeParams...)},
		"creditCosts": {summary: "What each AI operation costs in credits", out: igny8.Page[igny8.CreditCost]{}},
		"runOperation": {summary: "Run a metered AI operation",
			in: igny8.OperationRequest{}, out: igny8.OperationResult{}, status: http.StatusCreated, headers: idempotencyParams},
		"adminCreditCosts": {summary: "The credit cost table with who changed it", out: igny8.Page[igny8.CreditCost]{}},
		"putCreditCosts": {summary: "Set the credit cost of the listed operations",
			in: igny8.Page[igny8.CreditCost]{}, out: igny8.Page[igny8.CreditCost]{}},
		"adjustCredits": {summary: "Adjust an account's credits (audited)",
			in: igny8.CreditAdjustment{}, out: igny8.CreditTransaction{}, status: http.StatusCreated, headers: idempotencyParams},
	})
}

func (h *Handler) creditBalance(w http.ResponseWriter, r *http.Request) error {
	b, err := h.Ledger.CreditBalance(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, b)
}

func (h *Handler) creditTransactions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	from, to, err := timeRangeQuery(r)
	if err != nil {
		return err
	}
	limit, err := intQuery(r, "limit")
	if err != nil {
		return err
	}
	page, err := h.Ledger.ListCreditTransactions(r.Context(), igny8.TransactionFilter{Type: q.Get("type"), From: from, To: to,
		Page: igny8.PageRequest{Limit: limit, Cursor: q.Get("cursor")}})
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, page)
}

func (h *Handler) creditUsage(w http.ResponseWriter, r *http.Request) error {
	from, to, err := timeRangeQuery(r)
	if err != nil {
		return err
	}
	sum, err := h.Ledger.CreditUsage(r.Context(), igny8.UsageFilter{From: from, To: to, GroupBy: r.URL.Query().Get("group_by")})
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, sum)
}

func (h *Handler) creditCosts(w http.ResponseWriter, r *http.Request) error {
	costs, err := h.Ledger.CreditCosts(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, igny8.Page[igny8.CreditCost]{Items: nonNil(costs)})
}

// runOperation answers 201 with the outcome, also for a failed (refunded)
// run and for a replay of an Idempotency-Key, which is marked by the
// Idempotent-Replayed header.
func (h *Handler) runOperation(w http.ResponseWriter, r *http.Request) error {
	var req igny8.OperationRequest
	if err := httpx.Decode(w, r, &req); err != nil {
		return err
	}
	req.IdempotencyKey = r.Header.Get(idempotencyHeader)
	res, err := h.AI.RunOperation(r.Context(), req)
	if err != nil {
		return err
	}
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	return httpx.WriteJSON(w, http.StatusCreated, res)
}

func (h *Handler) adminCreditCosts(w http.ResponseWriter, r *http.Request) error {
	costs, err := h.AdminLedger.AdminCreditCosts(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, igny8.Page[igny8.CreditCost]{Items: nonNil(costs)})
}

// putCreditCosts takes the shape GET answers ({items: [...]}), so that a
// client can read, edit and send back the table.
func (h *Handler) putCreditCosts(w http.ResponseWriter, r *http.Request) error {
	var in igny8.Page[igny8.CreditCost]
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	costs, err := h.AdminLedger.PutCreditCosts(r.Context(), in.Items)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, igny8.Page[igny8.CreditCost]{Items: nonNil(costs)})
}

func (h *Handler) adjustCredits(w http.ResponseWriter, r *http.Request) error {
	var in igny8.CreditAdjustment
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	in.IdempotencyKey = r.Header.Get(idempotencyHeader)
	t, err := h.AdminLedger.AdjustCredits(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, t)
}

// timeRangeQuery reads the from and to query parameters.
func timeRangeQuery(r *http.Request) (from, to *time.Time, err error) {
	if from, err = timeQuery(r, "from", false); err != nil {
		return nil, nil, err
	}
	to, err = timeQuery(r, "to", true)
	return from, to, err
}

// timeQuery parses an RFC 3339 time or a UTC date; a date given as an end
// means the end of that day.
func timeQuery(r *http.Request, name string, end bool) (*time.Time, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		t = t.UTC()
		return &t, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return nil, igny8.InvalidField(name, "must be an RFC 3339 time or a date (YYYY-MM-DD)")
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return &t, nil
}

// intQuery reads an integer query parameter; absent is 0.
func intQuery(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, igny8.InvalidField(name, "must be a positive whole number")
	}
	return n, nil
}
