package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/igny8/igny8"
)

// MaxBodyBytes is the largest request body accepted; larger ones get 413.
const MaxBodyBytes = 1 << 20

// Decode reads r's JSON body into dst. Unknown fields, malformed JSON and
// trailing data are answered 400 validation_failed naming the problem;
// bodies over MaxBodyBytes are payload_too_large (413).
func Decode(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return &igny8.Error{Code: igny8.EValidation, Status: http.StatusUnsupportedMediaType,
			Message: "Send the request body as application/json."}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return badRequest("The request body must hold a single JSON object.", "")
	}
	return nil
}

func decodeError(err error) error {
	var maxErr *http.MaxBytesError
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &maxErr):
		return igny8.Errorf(igny8.ETooLarge, "The request body is larger than %d bytes.", maxErr.Limit)
	case errors.Is(err, io.EOF):
		return badRequest("The request body is empty; send a JSON object.", "")
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("The request body is not valid JSON.", "")
	case errors.As(err, &typeErr):
		return badRequest(fmt.Sprintf("Field %q must be of type %s.", typeErr.Field, typeErr.Type), typeErr.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badRequest(fmt.Sprintf("Unknown field %q.", field), field)
	default:
		return badRequest("The request body could not be read.", "")
	}
}

func badRequest(msg, field string) error {
	e := &igny8.Error{Code: igny8.EValidation, Message: msg, Status: http.StatusBadRequest}
	if field != "" {
		e.Fields = []igny8.FieldError{{Field: field, Message: msg}}
	}
	return e
}

// WriteJSON answers v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}
