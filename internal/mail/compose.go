// Package mail makes and delivers igny8's e-mail: the templates that render
// every message into a text and an HTML part (compose.go), the SMTP
// sender (smtp.go) and the outbox worker (worker.go).
package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"

	"github.com/igny8/igny8"
)

//go:embed templates
var templateFS embed.FS

var (
	textLayout = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/layout.txt"))
	htmlLayout = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/layout.html"))
)

// Composer renders messages with links on a public URL. It implements
// igny8.MailComposer.
type Composer struct {
	base    *url.URL
	bank    igny8.BankAccount
	support string
}

var _ igny8.MailComposer = (*Composer)(nil)

// NewComposer returns a composer whose links start with publicURL (an
// absolute http or https URL, see ParsePublicURL). bank is put into the
// bank-transfer instructions and support is named to suspended accounts.
func NewComposer(publicURL string, bank igny8.BankAccount, support string) (*Composer, error) {
	u, err := ParsePublicURL(publicURL)
	if err != nil {
		return nil, err
	}
	return &Composer{base: u, bank: bank, support: support}, nil
}

// ParsePublicURL checks the base of every link in every message: an
// absolute http(s) URL with a host and no query, user or fragment.
func ParsePublicURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err != nil:
		return nil, fmt.Errorf("--public-url: %w", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("--public-url must start with https:// (or http://), not %q", raw)
	case u.Host == "":
		return nil, fmt.Errorf("--public-url needs a host, such as https://app.example.com")
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("--public-url must be a plain base URL without user, query or fragment")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// fact is one labelled value of a message (a receipt line).
type fact struct{ Label, Value string }

// action is the message's one link.
type action struct{ Label, URL string }

// view is what the shared layout renders; every string in it is plain
// text, cleaned by plain and escaped by html/template in the HTML part.
type view struct {
	Subject    string
	Greeting   string
	Paragraphs []string
	Facts      []fact
	Action     action
	After      []string
	Home       string
}

// Compose renders c into a text and an HTML part. Errors only when c is
// of an unknown kind or a template fails.
func (c *Composer) Compose(content igny8.MailContent) (igny8.Mail, error) {
	var v view
	switch m := content.(type) {
	case igny8.InvitationMail:
		v = c.invitation(m)
	case igny8.BankTransferMail:
		v = c.bankTransfer(m)
	case igny8.ReceiptMail:
		v = c.receipt(m)
	case igny8.PaymentRejectedMail:
		v = c.paymentRejected(m)
	case igny8.AccountStatusMail:
		v = c.accountStatus(m)
	case igny8.PackReceiptMail:
		v = c.packReceipt(m)
	case igny8.PackRejectedMail:
		v = c.packRejected(m)
	case igny8.IncidentMail:
		v = c.incident(m)
	case igny8.EmailVerificationMail:
		v = c.emailVerification(m)
	case igny8.EmailChangedMail:
		v = c.emailChanged(m)
	case igny8.TrialEndingMail:
		v = c.trialEnding(m)
	case igny8.TrialEndedMail:
		v = c.trialEnded(m)
	case igny8.CreditsLowMail:
		v = c.creditsLow(m)
	case igny8.CreditsExhaustedMail:
		v = c.creditsExhausted(m)
	case igny8.PastDueMail:
		v = c.pastDue(m)
	case igny8.PasswordResetMail:
		v = c.passwordReset(m)
	case igny8.PasswordChangedMail:
		v = c.passwordChanged(m)
	case igny8.FactorResetMail:
		v = c.factorReset(m)
	case igny8.LoginFailuresMail:
		v = c.loginFailures(m)
	default:
		return igny8.Mail{}, fmt.Errorf("no template for %T", content)
	}
	v.Home = c.link("/", nil)
	v.Subject = oneLine(v.Subject)
	var text, html bytes.Buffer
	if err := textLayout.Execute(&text, v); err != nil {
		return igny8.Mail{}, err
	}
	if err := htmlLayout.Execute(&html, v); err != nil {
		return igny8.Mail{}, err
	}
	return igny8.Mail{Kind: content.MailKind(), Subject: v.Subject, Text: text.String(), HTML: html.String()}, nil
}

// link is the public URL of a page of igny8.
func (c *Composer) link(path string, q url.Values) string {
	u := *c.base
	u.Path = c.base.Path + path
	u.RawQuery = q.Encode()
	return u.String()
}

// plain makes a value safe to place in a line of text: control characters
// (line breaks included) become spaces, so a name cannot add lines, links
// or headers of its own; it is also bounded in length.
func plain(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

// oneLine is plain for a subject line.
func oneLine(s string) string { return plain(s) }

func day(t time.Time) string { return t.UTC().Format("2 January 2006") }

func (c *Composer) invitation(m igny8.InvitationMail) view {
	who := plain(m.InviterName)
	if who == "" {
		who = "A member"
	}
	acct := plain(m.AccountName)
	greeting := "Hello,"
	if n := plain(m.InviteeName); n != "" {
		greeting = "Hello " + n + ","
	}
	return view{
		Subject:  "You are invited to join " + acct + " on igny8",
		Greeting: greeting,
		Paragraphs: []string{
			fmt.Sprintf("%s invited you to join the account %s on igny8, as %s.", who, acct, plain(string(m.Role))),
			"Open the link below to choose your password and join. It works once, until " + day(m.ExpiresAt) + ".",
		},
		Action: action{Label: "Join " + acct, URL: c.link("/accept-invite", url.Values{"token": {m.Token}})},
		After:  []string{"If you did not expect this invitation, you can ignore this message."},
	}
}

func (c *Composer) bankTransfer(m igny8.BankTransferMail) view {
	acct := plain(m.AccountName)
	what, thanks, starts, back := plain(m.PlanName), fmt.Sprintf("Thank you for choosing the %s plan for %s.", plain(m.PlanName), acct),
		"Your plan starts when we have received it.", "/billing"
	if m.Credits > 0 {
		what = credits(m.Credits)
		thanks = fmt.Sprintf("Thank you for buying %s for %s.", what, acct)
		starts, back = "The credits are added to your balance when we have received it.", "/credits"
	}
	facts := []fact{
		{"Amount", igny8.FormatMoney(m.Amount, m.Currency)},
		{"Reference", plain(m.Reference)},
		{"Beneficiary", plain(c.bank.Beneficiary)},
		{"IBAN", plain(c.bank.IBAN)},
		{"BIC", plain(c.bank.BIC)},
		{"Bank", plain(c.bank.BankName)},
	}
	return view{
		Subject:  "How to pay for " + what + " (" + plain(m.Reference) + ")",
		Greeting: "Hello,",
		Paragraphs: []string{
			thanks + " Please make a bank transfer with these details.",
			"Quote the reference exactly, so that we can match your payment. " + starts,
		},
		Facts:  facts,
		Action: action{Label: "See your billing", URL: c.link(back, nil)},
	}
}

func (c *Composer) receipt(m igny8.ReceiptMail) view {
	paras := []string{fmt.Sprintf("We received your payment for %s. Thank you.", plain(m.AccountName))}
	if m.Reactivated {
		paras = append(paras, "The account "+plain(m.AccountName)+" is active again: you and your team can sign in and work as before.")
	}
	return view{
		Subject:    "Receipt for " + plain(m.PlanName) + " (" + plain(m.Reference) + ")",
		Greeting:   "Hello,",
		Paragraphs: paras,
		Facts: []fact{
			{"Plan", plain(m.PlanName)},
			{"Period", day(m.PeriodStart) + " to " + day(m.PeriodEnd)},
			{"Amount", igny8.FormatMoney(m.Amount, m.Currency)},
			{"Reference", plain(m.Reference)},
			{"Date", day(m.ConfirmedAt)},
		},
		Action: action{Label: "See your billing", URL: c.link("/billing", nil)},
	}
}

func (c *Composer) paymentRejected(m igny8.PaymentRejectedMail) view {
	return c.transferRejected(m.Reference, igny8.FormatMoney(m.Amount, m.Currency), "the "+plain(m.PlanName)+" plan", m.AccountName, m.Reason,
		"Your account stays as it was. You can start a new checkout from your billing page.",
		action{Label: "See your billing", URL: c.link("/billing", nil)})
}

// transferRejected tells that the bank transfer reference of amount for
// what (already plain) was not accepted, with the reason given, what
// follows and where to go.
func (c *Composer) transferRejected(reference, amount, what, account, reason, follows string, next action) view {
	reason = plain(reason)
	if reason == "" {
		reason = "No reason was given."
	}
	return view{
		Subject:  "Payment " + plain(reference) + " was not accepted",
		Greeting: "Hello,",
		Paragraphs: []string{
			fmt.Sprintf("We could not accept the bank transfer %s of %s for %s of %s.", plain(reference), amount, what, plain(account)),
			"The reason given: " + reason,
			follows,
		},
		Action: next,
		After:  []string{"Questions? Write to " + plain(c.support) + "."},
	}
}

// credits writes a number of credits: "1,000 credits".
func credits(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if n == 1 {
		return s + " credit"
	}
	return s + " credits"
}

// methodName is a payment method in customer words.
func methodName(m string) string {
	switch m {
	case igny8.MethodStripe:
		return "Card"
	case igny8.MethodBankTransfer:
		return "Bank transfer"
	}
	return plain(m)
}

func (c *Composer) packReceipt(m igny8.PackReceiptMail) view {
	return view{
		Subject:  "Receipt for " + credits(m.Credits) + " (" + plain(m.Reference) + ")",
		Greeting: "Hello,",
		Paragraphs: []string{
			fmt.Sprintf("We received your payment for %s of %s. Thank you. The credits are in your balance now.",
				credits(m.Credits), plain(m.AccountName)),
		},
		Facts: []fact{
			{"Credits", credits(m.Credits)},
			{"Amount", igny8.FormatMoney(m.Amount, m.Currency)},
			{"Paid by", methodName(m.Method)},
			{"Reference", plain(m.Reference)},
			{"Date", day(m.ConfirmedAt)},
		},
		Action: action{Label: "See your credits", URL: c.link("/credits", nil)},
	}
}

func (c *Composer) packRejected(m igny8.PackRejectedMail) view {
	return c.transferRejected(m.Reference, igny8.FormatMoney(m.Amount, m.Currency), credits(m.Credits), m.AccountName, m.Reason,
		"No credits were added. You can buy credits again from your credits page.",
		action{Label: "See your credits", URL: c.link("/credits", nil)})
}

// incident is the operators' notice of a refund or dispute.
func (c *Composer) incident(m igny8.IncidentMail) view {
	what, todo := "A card payment was refunded", "Decide whether credits should be adjusted; igny8 took none back."
	if m.Kind == igny8.IncidentDispute {
		what, todo = "A card payment is disputed", "Answer the dispute in Stripe before its deadline, and decide whether "+
			"credits should be adjusted; igny8 took none back."
	}
	acct := plain(m.AccountName)
	if acct == "" {
		acct = "no igny8 account (unknown Stripe customer)"
	}
	facts := []fact{
		{"Account", acct},
		{"Amount", igny8.FormatMoney(m.Amount, m.Currency)},
		{"Charge", plain(m.ChargeID)},
		{"Stripe event", plain(m.EventID)},
	}
	if m.AccountID != "" {
		facts = append(facts, fact{"Account id", plain(m.AccountID)})
	}
	if r := plain(m.Reason); r != "" {
		facts = append(facts, fact{"Reason", r})
	}
	return view{
		Subject:    what + ": " + igny8.FormatMoney(m.Amount, m.Currency) + " (" + plain(m.ChargeID) + ")",
		Greeting:   "Hello,",
		Paragraphs: []string{what + " in Stripe.", todo, "Resolve the incident in the admin console once it is handled."},
		Facts:      facts,
		Action:     action{Label: "Open the payment incidents", URL: c.link("/admin/incidents", nil)},
	}
}

func (c *Composer) accountStatus(m igny8.AccountStatusMail) view {
	acct := plain(m.AccountName)
	if !m.Suspended {
		return view{
			Subject:    "Your igny8 account " + acct + " is active again",
			Greeting:   "Hello,",
			Paragraphs: []string{"The account " + acct + " was reactivated. You and your team can sign in and work as before."},
			Action:     action{Label: "Open igny8", URL: c.link("/login", nil)},
		}
	}
	paras := []string{"The account " + acct + " was suspended: nobody can use it, and its API keys are refused, until it is reactivated."}
	if r := plain(m.Reason); r != "" {
		paras = append(paras, "The reason given: "+r)
	}
	return view{
		Subject:    "Your igny8 account " + acct + " was suspended",
		Greeting:   "Hello,",
		Paragraphs: paras,
		Action:     action{Label: "See your billing", URL: c.link("/billing", nil)},
		After:      []string{"To resolve this, write to " + plain(c.support) + "."},
	}
}

// greeting is "Hello NAME," or "Hello," without a name.
func greeting(name string) string {
	if n := plain(name); n != "" {
		return "Hello " + n + ","
	}
	return "Hello,"
}

func (c *Composer) emailVerification(m igny8.EmailVerificationMail) view {
	link := action{Label: "Confirm your e-mail address", URL: c.link("/verify-email", url.Values{"token": {m.Token}})}
	until := "The link works once, until " + day(m.ExpiresAt) + "."
	if m.Change {
		return view{
			Subject:  "Confirm your new e-mail address for igny8",
			Greeting: greeting(m.Name),
			Paragraphs: []string{
				"You asked to sign in to igny8 with " + plain(m.Email) + " from now on. Open the link below to confirm it; until you do, your old address stays in use.",
				until,
			},
			Action: link,
			After:  []string{"If you did not ask for this, ignore this message: nothing changes."},
		}
	}
	return view{
		Subject:  "Confirm your e-mail address for igny8",
		Greeting: greeting(m.Name),
		Paragraphs: []string{
			"Welcome to igny8. Please confirm that " + plain(m.Email) + " is your address: open the link below. Your trial works meanwhile; paying for a plan and inviting your team need a confirmed address.",
			until,
		},
		Action: link,
		After:  []string{"If you did not sign up for igny8, ignore this message."},
	}
}

func (c *Composer) emailChanged(m igny8.EmailChangedMail) view {
	return view{
		Subject:  "Your igny8 e-mail address was changed",
		Greeting: greeting(m.Name),
		Paragraphs: []string{
			"The e-mail address you sign in to igny8 with was changed from " + plain(m.OldEmail) + " to " + plain(m.NewEmail) + ". This address will get no more messages about the account.",
			"If you made this change, there is nothing to do.",
		},
		Action: action{Label: "Open igny8", URL: c.link("/login", nil)},
		After:  []string{"If you did not make it, someone may have your password: write to " + plain(c.support) + " at once."},
	}
}

// until says how long a link works: a time of day for the hour-long links,
// the day for the longer ones.
func until(t time.Time) string {
	return t.UTC().Format("15:04 MST on 2 January 2006")
}

func (c *Composer) passwordReset(m igny8.PasswordResetMail) view {
	link := c.link("/reset-password", url.Values{"token": {m.Token}})
	if m.Migration {
		return view{
			Subject:  "Choose your password for igny8",
			Greeting: greeting(m.Name),
			Paragraphs: []string{
				"Your account has moved to the new igny8. Your sites, credits and settings came across, but your old password could not, so please choose one.",
				"Open the link below to choose your password. It works once, until " + day(m.ExpiresAt) + ". After that, use \"Forgot your password?\" on the login page.",
			},
			Action: action{Label: "Choose your password", URL: link},
			After:  []string{"If you did not use igny8 before, you can ignore this message."},
		}
	}
	return view{
		Subject:  "Reset your igny8 password",
		Greeting: greeting(m.Name),
		Paragraphs: []string{
			"Someone, probably you, asked to reset the password of the igny8 login for this address.",
			"Open the link below to choose a new password. It works once, until " + until(m.ExpiresAt) + ". If you asked more than once, only the newest link works.",
		},
		Action: action{Label: "Choose a new password", URL: link},
		After:  []string{"If you did not ask for this, you can ignore this message: your password stays as it is."},
	}
}

func (c *Composer) passwordChanged(m igny8.PasswordChangedMail) view {
	how, after := " with a password reset link.", "Every device that was logged in has been logged out. Log in again with the new password."
	if m.WhileLoggedIn {
		how, after = " on your profile.", "Every other device that was logged in has been logged out; the one that changed it stays logged in."
	}
	return view{
		Subject:  "Your igny8 password was changed",
		Greeting: greeting(m.Name),
		Paragraphs: []string{
			"The password of the igny8 login " + plain(m.Email) + " was changed at " + until(m.ChangedAt) + how,
			after,
		},
		Action: action{Label: "Log in", URL: c.link("/login", nil)},
		After:  []string{"If you did not do this, reset your password now with \"Forgot your password?\" on the login page and write to " + plain(c.support) + "."},
	}
}

func (c *Composer) factorReset(m igny8.FactorResetMail) view {
	return view{
		Subject:  "Your igny8 two-step login was turned off",
		Greeting: greeting(m.Name),
		Paragraphs: []string{
			"An igny8 administrator turned off two-step login for you, as asked for a lost device. Your logins were ended: log in again with your password.",
			"Turn two-step login on again with your new device after you log in.",
		},
		Action: action{Label: "Log in", URL: c.link("/login", nil)},
		After:  []string{"If you did not ask for this, write to " + plain(c.support) + " at once."},
	}
}

func (c *Composer) loginFailures(m igny8.LoginFailuresMail) view {
	return view{
		Subject:  "Many failed logins to your igny8 account",
		Greeting: greeting(m.Name),
		Paragraphs: []string{
			fmt.Sprintf("%d logins with your e-mail and a wrong password failed in a short time. Further attempts from devices you have not logged in from are slowed down; your account is not locked, and you can log in as usual from a device you used before.", m.Failures),
			"If these were not you, someone may be guessing your password: choose a long password you use nowhere else, and turn on two-step login.",
		},
		Action: action{Label: "Turn on two-step login", URL: c.link("/profile", nil) + "#two-step"},
		After:  []string{"We send this once for a run of failed logins."},
	}
}
