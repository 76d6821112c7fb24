package httpx_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// sitePage is a page of n sites like GET /api/v1/sites answers (10 make
// 3.7 KB).
func sitePage(n int) *igny8.Page[igny8.Site] {
	created := time.Date(2026, 3, 14, 9, 26, 53, 589793238, time.UTC)
	industry := "6f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f"
	p := &igny8.Page[igny8.Site]{}
	for i := range n {
		p.Items = append(p.Items, igny8.Site{
			ID:         fmt.Sprintf("0c9a7e52-1f3b-4d8e-9a6c-%012d", i),
			AccountID:  "5b2f8c1d-7e4a-4f9b-8c3d-2e1f0a9b8c7d",
			Name:       fmt.Sprintf("Acme & Sons Gardening %d", i),
			Slug:       fmt.Sprintf("acme-gardening-%d", i),
			Domain:     fmt.Sprintf("https://acme-%d.example.com", i),
			IndustryID: &industry,
			IsActive:   i%3 != 0,
			CreatedAt:  created.Add(time.Duration(i) * time.Hour),
			UpdatedAt:  created.Add(time.Duration(i) * 90 * time.Minute),
		})
	}
	cursor := "eyJjIjoiMjAyNi0wMy0xNFQxODoyNjo1M1oiLCJpIjoiMGM5YSJ9"
	p.NextCursor = &cursor
	return p
}

// encoderBytes is what WriteJSON wrote before it buffered: the output of
// an Encoder with its defaults.
func encoderBytes(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriteJSONBytesAndHeaders(t *testing.T) {
	t.Parallel()
	page := sitePage(10)
	values := []any{page, *page, &page.Items[1], page.Items[1], (*igny8.Site)(nil), nil,
		map[string]any{"html": "<a href='x'>&</a>", "sep": "\u2028", "bad": "\xff", "n": 1.5},
		httpx.Problem{Type: "t", Title: "x<y", Status: 422}, []int{}, "text", 42}
	for i, v := range values {
		rec := httptest.NewRecorder()
		if err := httpx.WriteJSON(rec, http.StatusCreated, v); err != nil {
			t.Fatalf("value %d: %v", i, err)
		}
		want := encoderBytes(t, v)
		if got := rec.Body.Bytes(); !bytes.Equal(got, want) {
			t.Fatalf("value %d (%T): WriteJSON wrote\n%q\nthe Encoder writes\n%q", i, v, got, want)
		}
		h := rec.Result().Header
		if rec.Code != http.StatusCreated || h.Get("Content-Type") != "application/json" ||
			h.Get("Cache-Control") != "no-store" || h.Get("Content-Length") != strconv.Itoa(len(want)) {
			t.Fatalf("value %d (%T): status %d, headers %v for a %d byte body", i, v, rec.Code, h, len(want))
		}
	}
}

// An encoding error leaves the response untouched, so that the handler's
// error turns into a problem+json 500 like any other.
func TestWriteJSONEncodingErrorWritesNothing(t *testing.T) {
	t.Parallel()
	badTime := sitePage(3)
	badTime.Items[2].UpdatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, v := range []any{math.NaN(), map[string]any{"c": make(chan int)}, badTime, &badTime.Items[2]} {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := httpx.WriteJSON(w, http.StatusOK, v); err != nil {
				httpx.WriteError(w, r, slog.New(slog.DiscardHandler), err)
			}
		})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/sites", nil))
		var p httpx.Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatalf("%T: body %q is not one problem: %v", v, rec.Body.Bytes(), err)
		}
		if rec.Code != http.StatusInternalServerError || p.Code != igny8.EInternal ||
			rec.Header().Get("Content-Type") != "application/problem+json" || rec.Header().Get("Content-Length") != "" {
			t.Fatalf("%T: status %d, headers %v, problem %+v", v, rec.Code, rec.Header(), p)
		}
	}
}

// Responses larger than net/http's 2 KB chunking buffer still go out with
// a Content-Length, not chunked.
func TestWriteJSONNotChunked(t *testing.T) {
	t.Parallel()
	values := map[string]any{
		"/sites": sitePage(10),
		"/big":   map[string]string{"pad": strings.Repeat("x<", 4000)},
		"/small": map[string]int{"n": 1},
	}
	mux := http.NewServeMux()
	for path, v := range values {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			if err := httpx.WriteJSON(w, http.StatusOK, v); err != nil {
				t.Error(err)
			}
		})
	}
	srv := httptest.NewServer(httpx.Middleware(slog.New(slog.DiscardHandler), nil, mux))
	defer srv.Close()
	for path := range values {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			req, _ := http.NewRequest(method, srv.URL+path, nil)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			want := len(encoderBytes(t, values[path]))
			if method == http.MethodGet && len(body) != want {
				t.Errorf("GET %s: %d bytes, want %d", path, len(body), want)
			}
			if resp.ContentLength != int64(want) || len(resp.TransferEncoding) != 0 {
				t.Errorf("%s %s: Content-Length %d, Transfer-Encoding %v; want %d bytes unchunked",
					method, path, resp.ContentLength, resp.TransferEncoding, want)
			}
		}
	}
	if n := len(encoderBytes(t, values["/sites"])); n < 2048 {
		t.Fatalf("the site page is only %d bytes; it should be past net/http's 2 KB buffer", n)
	}
}

// discard is a ResponseWriter that keeps nothing, to time WriteJSON alone.
type discard struct{ h http.Header }

func (d discard) Header() http.Header         { return d.h }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

// BenchmarkWriteJSON times a page of 10 sites (about 3 KB): as WriteJSON
// was (streamed from an Encoder) and as it is (buffered, with a
// Content-Length).
func BenchmarkWriteJSON(b *testing.B) {
	page := sitePage(10)
	w := discard{h: http.Header{}}
	b.Run("streamed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w.h.Set("Content-Type", "application/json")
			w.h.Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusOK)
			if err := json.NewEncoder(w).Encode(page); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("buffered", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := httpx.WriteJSON(w, http.StatusOK, page); err != nil {
				b.Fatal(err)
			}
		}
	})
}
