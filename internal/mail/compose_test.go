package mail_test

import (
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/mail"
)

const hostile = "<script>alert(\"x\")</script> & Co\r\nBcc: victim@example.com\n\nClick https://evil.example/login"

// TestComposeEscapesEveryValue: hostile names reach the HTML part only
// escaped, and the text part and subject only on one line, so a name can
// add no markup, header or line of its own; every kind has both parts.
func TestComposeEscapesEveryValue(t *testing.T) {
	c, err := mail.NewComposer("https://app.igny8.test/", igny8.BankAccount{Beneficiary: hostile, IBAN: "GB00"}, "help@igny8.test")
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, content := range []igny8.MailContent{
		igny8.InvitationMail{AccountName: hostile, InviterName: hostile, InviteeName: hostile, Role: igny8.RoleEditor, Token: "a&b<c", ExpiresAt: when},
		igny8.BankTransferMail{AccountName: hostile, PlanName: hostile, Reference: "IGNY8-AAAA-BBBB", Amount: 8900, Currency: "USD"},
		igny8.ReceiptMail{AccountName: hostile, PlanName: hostile, PeriodStart: when, PeriodEnd: when.AddDate(0, 1, 0), Amount: 8900, Currency: "USD", Reference: "R", ConfirmedAt: when},
		igny8.PaymentRejectedMail{AccountName: hostile, PlanName: hostile, Reference: "R", Reason: hostile},
		igny8.AccountStatusMail{AccountName: hostile, Suspended: true, Reason: hostile},
		igny8.AccountStatusMail{AccountName: hostile},
		igny8.BankTransferMail{AccountName: hostile, Credits: 5000, Reference: "IGNY8-AAAA-BBBB", Amount: 21900, Currency: "USD"},
		igny8.PackReceiptMail{AccountName: hostile, Credits: 1000, Amount: 4900, Currency: "USD", Reference: "R", Method: hostile, ConfirmedAt: when},
		igny8.PackRejectedMail{AccountName: hostile, Credits: 1000, Reference: "R", Amount: 4900, Currency: "USD", Reason: hostile},
		igny8.IncidentMail{Kind: igny8.IncidentDispute, AccountName: hostile, AccountID: hostile, ChargeID: hostile, Amount: 8900,
			Currency: "USD", Reason: hostile, EventID: hostile},
		igny8.EmailVerificationMail{Name: hostile, Email: hostile, Token: "a&b<c", ExpiresAt: when},
		igny8.EmailVerificationMail{Name: hostile, Email: hostile, Change: true, Token: "a&b<c", ExpiresAt: when},
		igny8.EmailChangedMail{Name: hostile, OldEmail: hostile, NewEmail: hostile},
		igny8.TrialEndingMail{AccountName: hostile, EndsAt: when, DaysLeft: 3},
		igny8.TrialEndedMail{AccountName: hostile, EndedAt: when},
		igny8.CreditsLowMail{AccountName: hostile, PlanName: hostile, Balance: 150, Included: 2000},
		igny8.CreditsExhaustedMail{AccountName: hostile},
		igny8.CreditsExhaustedMail{AccountName: hostile, Balance: 5, Required: 10},
		igny8.PastDueMail{AccountName: hostile, PlanName: hostile, PeriodEnd: when, Suspended: true},
		igny8.PastDueMail{AccountName: hostile, PlanName: hostile, PeriodEnd: when},
		igny8.PasswordResetMail{Name: hostile, Token: "a&b<c", ExpiresAt: when},
		igny8.PasswordResetMail{Name: hostile, Token: "a&b<c", ExpiresAt: when, Migration: true},
		igny8.PasswordChangedMail{Name: hostile, Email: hostile, ChangedAt: when},
		igny8.PasswordChangedMail{Name: hostile, Email: hostile, ChangedAt: when, WhileLoggedIn: true},
	} {
		m, err := c.Compose(content)
		if err != nil {
			t.Fatalf("%s: %v", content.MailKind(), err)
		}
		if m.Text == "" || m.HTML == "" || m.Subject == "" || m.Kind != content.MailKind() {
			t.Fatalf("%s: a part is missing: %+v", content.MailKind(), m)
		}
		if strings.ContainsAny(m.Subject, "\r\n") {
			t.Fatalf("%s: subject spans lines: %q", content.MailKind(), m.Subject)
		}
		if strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "&lt;script&gt;") {
			t.Fatalf("%s: HTML not escaped:\n%s", content.MailKind(), m.HTML)
		}
		for _, line := range strings.Split(m.Text, "\n") {
			if strings.HasPrefix(line, "Bcc:") || strings.HasPrefix(line, "Click https://evil") {
				t.Fatalf("%s: a name added the line %q", content.MailKind(), line)
			}
		}
		if !strings.Contains(m.Text, "https://app.igny8.test/") {
			t.Fatalf("%s: no link on the public URL:\n%s", content.MailKind(), m.Text)
		}
	}
	pack, _ := c.Compose(igny8.PackReceiptMail{AccountName: "A", Credits: 20000, Amount: 77900, Currency: "USD", Reference: "R",
		Method: igny8.MethodStripe, ConfirmedAt: when})
	if !strings.Contains(pack.Subject, "20,000 credits") || !strings.Contains(pack.Text, "Card") || !strings.Contains(pack.Text, "/credits") {
		t.Fatalf("pack receipt:\n%s\n%s", pack.Subject, pack.Text)
	}
	for days, want := range map[int]string{3: "ends in 3 days", 1: "ends tomorrow", 0: "ends today"} {
		m, _ := c.Compose(igny8.TrialEndingMail{AccountName: "Acme", EndsAt: when, DaysLeft: days})
		if m.Subject != "Your igny8 trial for Acme "+want || !strings.Contains(m.Text, "1 March 2026") {
			t.Errorf("%d days left: %q\n%s", days, m.Subject, m.Text)
		}
	}
	low, _ := c.Compose(igny8.CreditsLowMail{AccountName: "Acme", PlanName: "Growth", Balance: 1, Included: 12000})
	if !strings.Contains(low.Text, "Acme has 1 credit left, less than a tenth of the 12,000 credits the Growth plan includes.") {
		t.Errorf("credits low:\n%s", low.Text)
	}
	inv, _ := c.Compose(igny8.InvitationMail{AccountName: "A", Token: "a&b<c", ExpiresAt: when})
	if !strings.Contains(inv.Text, "https://app.igny8.test/accept-invite?token=a%26b%3Cc") {
		t.Fatalf("the token is not URL-encoded in the link:\n%s", inv.Text)
	}
	reset, _ := c.Compose(igny8.PasswordResetMail{Token: "a&b<c", ExpiresAt: when.Add(time.Hour)})
	if !strings.Contains(reset.Text, "https://app.igny8.test/reset-password?token=a%26b%3Cc") || !strings.Contains(reset.Text, "01:00 UTC on 1 March 2026") {
		t.Fatalf("reset link or its expiry missing:\n%s", reset.Text)
	}
}

// TestSMTPURL: the three accepted forms, and refusals that say what to do
// without repeating the password.
func TestSMTPURL(t *testing.T) {
	for raw, want := range map[string]mail.SMTPSettings{
		"smtp://user:secret@mail.example.com:587": {Host: "mail.example.com", Port: 587, TLS: "starttls", Username: "user", Password: "secret"},
		"smtp://user:secret@mail.example.com":     {Host: "mail.example.com", Port: 587, TLS: "starttls", Username: "user", Password: "secret"},
		"smtps://user:secret@mail.example.com":    {Host: "mail.example.com", Port: 465, TLS: "implicit", Username: "user", Password: "secret"},
		"smtp://localhost:25?tls=none":            {Host: "localhost", Port: 25, TLS: "none"},
	} {
		got, err := mail.ParseSMTPURL(raw)
		if err != nil || *got != want {
			t.Errorf("%s: %+v, %v", raw, got, err)
		}
	}
	for raw, want := range map[string]string{
		"smtp://user:secret@localhost:25?tls=none": "no user or password",
		"http://mail.example.com":                  "smtp:// or smtps://",
		"smtp://:25":                               "needs a host",
		"smtps://mail.example.com?tls=none":        "only with smtp://",
		"smtp://mail.example.com?tls=maybe":        "tls=none",
		"smtp://mail.example.com?auth=plain":       "unknown parameter",
		"smtp://mail.example.com:99999":            "invalid port",
	} {
		_, err := mail.ParseSMTPURL(raw)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: %v, want an error saying %q", raw, err, want)
		}
	}
}
