package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/igny8/igny8"
)

// MaxBodyBytes is the largest request body accepted; larger ones get 413.
const MaxBodyBytes = 1 << 20

// Decode reads r's JSON body into dst. Unknown fields, malformed JSON and
// trailing data are answered 400 validation_failed naming the problem;
// bodies over MaxBodyBytes are payload_too_large (413); a Content-Type
// other than application/json is 415. Every string of the body must be
// text (CheckText: valid UTF-8, no NUL), and the fields of dst must keep
// the limits of their struct tags (CheckLimits); both name every field at
// fault at once.
func Decode(w http.ResponseWriter, r *http.Request, dst any) error {
	if err := CheckJSONContentType(r.Header.Get("Content-Type")); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		return decodeError(err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return badRequest("The request body must hold a single JSON object.", "")
	}
	if err := CheckText(body); err != nil {
		return err
	}
	return CheckLimits(dst)
}

// CheckJSONContentType accepts an empty Content-Type or exactly the media
// type application/json, with parameters (charset=utf-8); anything else
// (application/jsonx, text/plain, another charset) is 415.
func CheckJSONContentType(ct string) error {
	if ct == "" {
		return nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil && mt == "application/json" {
		if cs, ok := params["charset"]; !ok || strings.EqualFold(cs, "utf-8") {
			return nil
		}
	}
	return &igny8.Error{Code: igny8.EValidation, Status: http.StatusUnsupportedMediaType,
		Message: "Send the request body as application/json (UTF-8)."}
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
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return badRequest("The request body must be a JSON object.", "")
	case errors.As(err, &typeErr):
		return badRequest(fmt.Sprintf("Field %q must be of type %s.", typeErr.Field, jsonType(typeErr.Type)), typeErr.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badRequest(fmt.Sprintf("Unknown field %q.", field), field)
	default:
		return badRequest("The request body could not be read.", "")
	}
}

// jsonType names t as JSON does (never a Go type's name).
func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return jsonType(t.Elem())
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	}
	return t.Kind().String()
}

func badRequest(msg, field string) error {
	e := &igny8.Error{Code: igny8.EValidation, Message: msg, Status: http.StatusBadRequest}
	if field != "" {
		e.Fields = []igny8.FieldError{{Field: field, Message: msg}}
	}
	return e
}

// WriteJSON answers v as JSON with the given status: the bytes of
// encoding/json's Encoder (HTML-safe, newline-terminated), sent with a
// Content-Length in one write. v is encoded before anything is written, so
// an encoding error is returned with the response untouched and the caller
// can still answer a problem. A failed write means the client went away
// after the status went out: no answer can follow, so it is not an error
// for the caller to report.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	buf := jsonBufs.Get().(*jsonBuf)
	defer buf.release()
	if err := buf.encode(v); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(buf.b)))
	w.WriteHeader(status)
	_, _ = w.Write(buf.b)
	return nil
}

// maxPooledJSON is the largest buffer kept for reuse; a rare huge response
// should not pin its memory in the pool.
const maxPooledJSON = 64 << 10

var jsonBufs = sync.Pool{New: func() any {
	buf := &jsonBuf{}
	buf.enc = json.NewEncoder(buf)
	return buf
}}

// jsonBuf is a reusable response buffer with an Encoder that writes into
// it. Reusing the Encoder is safe: it keeps only write errors, and Write
// here never fails.
type jsonBuf struct {
	b   []byte
	enc *json.Encoder
}

// Write appends p; the Encoder writes each value once, whole.
func (buf *jsonBuf) Write(p []byte) (int, error) {
	buf.b = append(buf.b, p...)
	return len(p), nil
}

// encode replaces the buffer's bytes with v's JSON and a newline.
func (buf *jsonBuf) encode(v any) error {
	buf.b = buf.b[:0]
	return buf.enc.Encode(v)
}

// release returns buf to the pool unless it grew too large to keep.
func (buf *jsonBuf) release() {
	if cap(buf.b) > maxPooledJSON {
		return
	}
	jsonBufs.Put(buf)
}
