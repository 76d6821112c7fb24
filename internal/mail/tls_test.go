package mail_test

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/mail"
	"github.com/igny8/igny8/internal/mail/mailtest"
)

// TestSTARTTLSRequired: smtp:// sends only after STARTTLS: to a server
// that offers it (with a certificate the sender trusts) the message
// arrives; to one that does not, nothing is sent in the clear.
func TestSTARTTLSRequired(t *testing.T) {
	msg := igny8.Message{ID: "m1", To: "someone@example.com", Subject: "Hello", Text: "text", HTML: "<p>html</p>"}
	send := func(srv *mailtest.Server, tc *tls.Config) error {
		settings, err := mail.ParseSMTPURL("smtp://" + srv.Addr)
		if err != nil {
			t.Fatal(err)
		}
		s, err := mail.NewSender(*settings, "no-reply@igny8.test")
		if err != nil {
			t.Fatal(err)
		}
		if tc != nil {
			s.SetTLSConfig(tc)
		}
		return s.Send(context.Background(), msg)
	}

	secure, roots := mailtest.StartTLS(t)
	if err := send(secure, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}); err != nil {
		t.Fatalf("over STARTTLS: %v", err)
	}
	if got := secure.Messages(); len(got) != 1 || !strings.Contains(got[0].Text, "text") {
		t.Fatalf("received %d", len(got))
	}
	if err := send(secure, nil); err == nil {
		t.Fatal("sent to a server whose certificate is not trusted")
	}

	plain := mailtest.Start(t)
	if err := send(plain, nil); err == nil {
		t.Fatal("smtp:// sent to a server without STARTTLS")
	}
	if n := len(plain.Messages()); n != 0 {
		t.Fatalf("%d messages sent in the clear", n)
	}
}
