package apptest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/config"
	"github.com/stripe/stripe-go/v82/webhook"
)

// StripeMockVar names stripe-mock for the card payment tests: the URL of a
// running stripe-mock (http://127.0.0.1:12111), or the path of its binary,
// which the tests then start on a free port (`go install
// github.com/stripe/stripe-mock@v0.203.0`; .ci/run does both).
const StripeMockVar = "IGNY8_TEST_STRIPE_MOCK"

// StripeWebhookSecret is the webhook signing secret of WithStripe.
const StripeWebhookSecret = "whsec_igny8_test"

var stripeMock struct {
	once sync.Once
	url  string
	err  error
}

// StripeMock returns the URL of stripe-mock, starting it once per test
// binary when StripeMockVar names its binary; it skips the test when the
// variable is unset.
func StripeMock(t testing.TB) string {
	t.Helper()
	v := os.Getenv(StripeMockVar)
	if v == "" {
		t.Skipf("%s is not set (the URL of stripe-mock, or the path of its binary): card payment tests skipped", StripeMockVar)
	}
	if strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
		return strings.TrimRight(v, "/")
	}
	stripeMock.once.Do(func() { stripeMock.url, stripeMock.err = startStripeMock(v) })
	if stripeMock.err != nil {
		t.Fatalf("start stripe-mock (%s=%s): %v", StripeMockVar, v, stripeMock.err)
	}
	return stripeMock.url
}

// startStripeMock runs the binary on a free port and waits until it answers.
// It lives as long as the test binary and dies with it (no cleanup hook
// runs after every test of a package).
func startStripeMock(bin string) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	// Its HTTPS listener on a port of the system's choosing: the default
	// port may be taken by another stripe-mock.
	cmd := exec.Command(bin, "-http-addr", addr, "-https-addr", "127.0.0.1:0")
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return "", err
	}
	url := "http://" + addr
	// Loading Stripe's OpenAPI document takes a minute on a busy machine.
	for i := 0; i < 1800; i++ {
		if resp, err := http.Get(url + "/v1/customers"); err == nil {
			resp.Body.Close()
			return url, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	return "", fmt.Errorf("stripe-mock did not answer on %s", addr)
}

// WithStripe turns card payments on against stripe-mock at url.
func WithStripe(url string) func(*config.Config) {
	return func(c *config.Config) {
		c.StripeSecretKey = "sk_test_igny8"
		c.StripeWebhookSecret = StripeWebhookSecret
		c.StripeAPIURL = url
	}
}

// StripeEvent posts a Stripe event of type typ carrying object to the
// webhook, signed with the library's test helper, and returns the answer.
// created orders events (Stripe's event created time).
func (e *Env) StripeEvent(id, typ string, created time.Time, object map[string]any) *Response {
	e.T.Helper()
	return e.PostStripeBody(StripeEventBody(e.T, id, typ, created, object), StripeWebhookSecret)
}

// StripeEventBody is the JSON of a Stripe event.
func StripeEventBody(t testing.TB, id, typ string, created time.Time, object map[string]any) []byte {
	t.Helper()
	body, err := json.Marshal(map[string]any{"id": id, "object": "event", "type": typ, "created": created.Unix(),
		"api_version": "2025-08-27.basil", "livemode": false, "data": map[string]any{"object": object}})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// PostStripeBody posts body to the webhook signed with secret ("" sends
// no signature).
func (e *Env) PostStripeBody(body []byte, secret string) *Response {
	e.T.Helper()
	if secret == "" {
		return e.Do("POST", "/api/v1/webhooks/stripe", body, "Content-Type", "application/json")
	}
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret})
	return e.Do("POST", "/api/v1/webhooks/stripe", body, "Content-Type", "application/json", "Stripe-Signature", sp.Header)
}
