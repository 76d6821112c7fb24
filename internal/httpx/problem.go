// Package httpx is the HTTP plumbing shared by the JSON API and the web
// pages: problem+json errors, JSON decoding with limits, request ids and
// request logging.
package httpx

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/igny8/igny8"
)

// statuses maps each error code to its HTTP status (docs/design.md section 7).
var statuses = map[string]int{
	igny8.EValidation:       http.StatusUnprocessableEntity,
	igny8.EUnauthenticated:  http.StatusUnauthorized,
	igny8.EForbidden:        http.StatusForbidden,
	igny8.EAccountSuspended: http.StatusForbidden,
	igny8.EAccountCancelled: http.StatusForbidden,
	igny8.EPlanInactive:     http.StatusForbidden,
	igny8.ENotFound:         http.StatusNotFound,
	igny8.EConflict:         http.StatusConflict,
	igny8.EPlanLimit:        http.StatusForbidden,
	igny8.EMFAEnrolment:     http.StatusForbidden,
	igny8.EEmailUnverified:  http.StatusForbidden,
	igny8.EInsufficient:     http.StatusPaymentRequired,
	igny8.ERateLimited:      http.StatusTooManyRequests,
	igny8.EPaymentMethod:    http.StatusUnprocessableEntity,
	igny8.ETooLarge:         http.StatusRequestEntityTooLarge,
	igny8.EMethodNotAllowed: http.StatusMethodNotAllowed,
	igny8.EUnavailable:      http.StatusServiceUnavailable,
	igny8.EInternal:         http.StatusInternalServerError,
}

// StatusOf returns the HTTP status for err.
func StatusOf(err error) int {
	var e *igny8.Error
	if errors.As(err, &e) && e.Status != 0 {
		return e.Status
	}
	if s, ok := statuses[igny8.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type      string             `json:"type"`
	Title     string             `json:"title"`
	Status    int                `json:"status"`
	Detail    string             `json:"detail"`
	Code      string             `json:"code"`
	Instance  string             `json:"instance,omitempty"`
	RequestID string             `json:"request_id,omitempty"`
	Errors    []igny8.FieldError `json:"errors,omitempty"`
}

// ProblemFor builds the problem body for err as the caller may see it:
// anything that is not an *igny8.Error becomes "Internal error.".
func ProblemFor(r *http.Request, err error) (Problem, map[string]any) {
	code := igny8.ErrorCode(err)
	status := StatusOf(err)
	p := Problem{
		Type:      "https://igny8.com/problems/" + code,
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    igny8.ErrorMessage(err),
		Code:      code,
		Instance:  r.URL.Path,
		RequestID: RequestID(r.Context()),
	}
	var e *igny8.Error
	if errors.As(err, &e) {
		p.Errors = e.Fields
		return p, e.Extra
	}
	return p, nil
}

// WriteError answers err as application/problem+json. Internal errors are
// logged with the request id and never shown; rate limits carry Retry-After.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	p, extra := ProblemFor(r, err)
	if p.Status >= 500 && log != nil {
		log.ErrorContext(r.Context(), "request failed", "request_id", p.RequestID,
			"method", r.Method, "path", r.URL.Path, "status", p.Status, "err", err.Error())
	}
	if p.Code == igny8.ERateLimited {
		if s, ok := extra["retry_after"].(int); ok {
			w.Header().Set("Retry-After", strconv.Itoa(s))
		}
	}
	var body any = p
	if len(extra) > 0 {
		m := map[string]any{}
		for k, v := range extra {
			m[k] = v
		}
		raw, _ := json.Marshal(p)
		_ = json.Unmarshal(raw, &m)
		body = m
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(body)
}
