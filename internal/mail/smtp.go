package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"

	gomail "github.com/wneessen/go-mail"

	"github.com/igny8/igny8"
)

// SMTPSettings is a parsed --smtp-url.
type SMTPSettings struct {
	Host string
	Port int
	// TLS is "starttls" (required, smtp://), "implicit" (smtps://) or
	// "none" (smtp://…?tls=none: a relay on the same host or a test server).
	TLS      string
	Username string
	Password string
}

// ParseSMTPURL reads --smtp-url: smtp://user:pass@host:587 (STARTTLS
// required), smtps://user:pass@host:465 (implicit TLS) or
// smtp://host:25?tls=none (no TLS, refused with credentials, which would
// cross the network in the clear). Errors name the flag and never repeat
// the password.
func ParseSMTPURL(raw string) (*SMTPSettings, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, errors.New("--smtp-url is not a URL, such as smtp://user:password@mail.example.com:587")
	}
	s := &SMTPSettings{Host: u.Hostname()}
	switch u.Scheme {
	case "smtp":
		s.TLS, s.Port = "starttls", 587
	case "smtps":
		s.TLS, s.Port = "implicit", 465
	default:
		return nil, fmt.Errorf("--smtp-url must start with smtp:// or smtps://, not %q", u.Scheme+"://")
	}
	if s.Host == "" {
		return nil, errors.New("--smtp-url needs a host, such as smtp://mail.example.com:587")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("--smtp-url has an invalid port %q", p)
		}
		s.Port = n
	}
	q := u.Query()
	for k := range q {
		if k != "tls" {
			return nil, fmt.Errorf("--smtp-url has an unknown parameter %q (only tls=none is known)", k)
		}
	}
	if t, ok := q["tls"]; ok {
		if len(t) != 1 || t[0] != "none" || u.Scheme != "smtp" {
			return nil, errors.New("--smtp-url: tls=none is the only tls parameter, and only with smtp://")
		}
		s.TLS = "none"
		if u.User != nil {
			return nil, errors.New("--smtp-url with tls=none must carry no user or password: they would cross the network unencrypted")
		}
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
		if s.Username == "" {
			return nil, errors.New("--smtp-url has a password but no user name")
		}
	}
	return s, nil
}

// Sender delivers messages to one SMTP server.
type Sender struct {
	settings SMTPSettings
	from     string
	// tlsConfig, when set by a test, replaces the system's TLS settings.
	tlsConfig *tls.Config
}

// NewSender returns a sender to the server of settings, from the address
// from (a bare address or "Name <address>").
func NewSender(settings SMTPSettings, from string) (*Sender, error) {
	if _, err := ParseFrom(from); err != nil {
		return nil, err
	}
	return &Sender{settings: settings, from: from}, nil
}

// ParseFrom checks --mail-from.
func ParseFrom(from string) (*mail.Address, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(from))
	if err != nil {
		return nil, fmt.Errorf("--mail-from must be an address such as \"igny8 <no-reply@example.com>\", not %q", from)
	}
	return a, nil
}

// SetTLSConfig replaces the TLS settings (tests trust their own server).
func (s *Sender) SetTLSConfig(c *tls.Config) { s.tlsConfig = c }

// ErrPermanent marks a delivery the server refused for good (a 5xx
// answer): trying again would not help.
var ErrPermanent = errors.New("refused permanently")

// Send delivers m. The error wraps ErrPermanent when the server refused
// it with a permanent (5xx) answer; any other error may pass on a retry.
func (s *Sender) Send(ctx context.Context, m igny8.Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("%w: sender %v", ErrPermanent, err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("%w: recipient %v", ErrPermanent, err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageIDWithValue(m.ID + "@igny8")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	c, err := s.client()
	if err != nil {
		return err
	}
	err = c.DialAndSendWithContext(ctx, msg)
	if err == nil {
		return nil
	}
	var se *gomail.SendError
	if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 {
		return fmt.Errorf("%w: %v", ErrPermanent, err)
	}
	return err
}

func (s *Sender) client() (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(s.settings.Port), gomail.WithTimeout(SendTimeout)}
	switch s.settings.TLS {
	case "implicit":
		opts = append(opts, gomail.WithSSL())
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.tlsConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(s.tlsConfig))
	}
	if s.settings.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.settings.Username), gomail.WithPassword(s.settings.Password))
	}
	c, err := gomail.NewClient(s.settings.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	return c, nil
}

// Address is host:port of the server, for the start-up log (no credentials).
func (s SMTPSettings) Address() string {
	return net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
}
