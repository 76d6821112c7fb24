// Package igny8 holds the domain of the igny8 tenancy core: accounts, plans,
// users, roles, sites, API keys, the credits ledger and billing, the rules
// that must always hold between them, and the service interfaces that the
// adapters (sqlstore, auth, throttle, api, web) implement or consume.
//
// It imports only the standard library.
package igny8

import (
	"errors"
	"fmt"
)

// Error codes. Each is a stable, documented string that clients match on;
// the HTTP layer maps each to one status (see docs/design.md section 7).
const (
	EValidation       = "validation_failed"
	EUnauthenticated  = "unauthenticated"
	EForbidden        = "forbidden"
	EAccountSuspended = "account_suspended"
	EAccountCancelled = "account_cancelled"
	EPlanInactive     = "plan_inactive"
	// EMFAEnrolment refuses a person who must use a second factor and
	// whose login has not proved one (ErrEnrolmentRequired).
	EMFAEnrolment     = "mfa_enrolment_required"
	ENotFound         = "not_found"
	EConflict         = "conflict"
	EPlanLimit        = "plan_limit_reached"
	EEmailUnverified  = "email_unverified"
	EInsufficient     = "insufficient_credits"
	ERateLimited      = "rate_limited"
	EPaymentMethod    = "payment_method_unavailable"
	ETooLarge         = "payload_too_large"
	EMethodNotAllowed = "method_not_allowed"
	EUnavailable      = "service_unavailable"
	EInternal         = "internal"
)

// FieldError names one invalid input field and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an error meant for the caller: its Code and Message are safe to
// show. Any other error reaching the HTTP layer is an internal error and is
// shown only as "Internal error."
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	// Extra holds additional problem members (for example required and
	// available credits on insufficient_credits).
	Extra map[string]any
	// Status overrides the code's usual HTTP status where the code allows
	// two (validation_failed is 400 for unreadable input, 422 otherwise).
	Status int
}

func (e *Error) Error() string {
	return fmt.Sprintf("igny8 error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a validation_failed error naming the fields at fault.
func Invalid(message string, fields ...FieldError) *Error {
	return &Error{Code: EValidation, Message: message, Fields: fields}
}

// InvalidField is Invalid for a single field. A message that reads after
// the field's name ("must be true or false") becomes the sentence "The
// field is_active must be true or false." in the detail.
func InvalidField(field, message string) *Error {
	detail := message
	if message != "" && message[0] >= 'a' && message[0] <= 'z' {
		detail = "The field " + field + " " + message + "."
	}
	return Invalid(detail, FieldError{Field: field, Message: message})
}

// NotFound returns the not_found error used for missing rows and for rows
// of another account alike, so the two can never be told apart.
func NotFound(what string) *Error {
	return &Error{Code: ENotFound, Message: what + " not found."}
}

// ErrorCode returns the code of err when it is (or wraps) an *Error, and
// EInternal otherwise.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EInternal
}

// ErrorMessage returns the caller-safe message of err, or "Internal error."
// for anything that is not an *Error.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
