package apptest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// contract checks answers of the API against the OpenAPI document the
// server itself serves at /api/v1/openapi.json, so that a test fails as
// soon as an answer and the published contract disagree.
type contract struct {
	router routers.Router
}

// contracts caches the loaded documents by their bytes: every Env of a
// test binary serves the same one, and loading it takes a while.
var contracts sync.Map // string (document) -> *contract

// loadContract fetches and loads the document served at base.
func loadContract(base string) (*contract, error) {
	resp, err := http.Get(base + "/api/v1/openapi.json")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /api/v1/openapi.json: %d %s", resp.StatusCode, raw)
	}
	if c, ok := contracts.Load(string(raw)); ok {
		return c.(*contract), nil
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("load openapi.json: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("openapi.json is not a valid document: %w", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route openapi.json: %w", err)
	}
	c := &contract{router: router}
	contracts.Store(string(raw), c)
	return c, nil
}

// check validates one answer of the API; requests to other paths (pages)
// and to paths the document does not describe (tests of unknown routes)
// are not checked. It returns a description of the disagreement, or "".
func (c *contract) check(req *http.Request, status int, header http.Header, body []byte) string {
	if !strings.HasPrefix(req.URL.Path, "/api/v1/") {
		return ""
	}
	// The document's server is "/": match on the path alone.
	u := *req.URL
	u.Scheme, u.Host = "", ""
	rq := req.Clone(context.Background())
	rq.URL, rq.Host = &u, ""
	route, params, err := c.router.FindRoute(rq)
	if err != nil {
		return ""
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: rq, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Sprintf("%s %s (%s %s) answered %d, which does not match openapi.json: %v\nbody: %s",
			req.Method, route.Path, req.Method, req.URL.RequestURI(), status, err, truncate(body))
	}
	return ""
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// Transport validates every answer of the API that passes through it
// against the served OpenAPI document, failing t on any disagreement. The
// Env's own requests go through one; a test with its own client (cookies,
// redirects) sets its Transport to Env.Transport().
type Transport struct {
	T    testing.TB
	Base http.RoundTripper
	env  *Env
}

// Transport returns a validating transport for this Env's server.
func (e *Env) Transport() *Transport { return &Transport{T: e.T, Base: http.DefaultTransport, env: e} }

// Client returns an HTTP client whose answers are validated like Do's.
func (e *Env) Client() *http.Client { return &http.Client{Transport: e.Transport()} }

func (tr *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := tr.Base.RoundTrip(req)
	if err != nil || !strings.HasPrefix(req.URL.Path, "/api/v1/") || req.URL.Path == "/api/v1/openapi.json" {
		return resp, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	c, err := tr.env.contract()
	if err != nil {
		tr.T.Errorf("openapi.json: %v", err)
		return resp, nil
	}
	if msg := c.check(req, resp.StatusCode, resp.Header, raw); msg != "" {
		tr.T.Errorf("%s", msg)
	}
	return resp, nil
}

// contract loads the served document once per Env.
func (e *Env) contract() (*contract, error) {
	e.contractOnce.Do(func() { e.contractDoc, e.contractErr = loadContract(e.URL) })
	return e.contractDoc, e.contractErr
}
