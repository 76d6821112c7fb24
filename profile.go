package igny8

import (
	"context"
	"net"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ProfileService is the logged-in person's own profile: every method acts
// on the user of the principal in ctx (a person: an access token or a web
// session, never an API key) and on no one else, whether they belong to
// an account or are a developer. Errors: unauthenticated when ctx holds
// no person.
type ProfileService interface {
	// Rename sets the person's name, trimmed (TrimName) and under the rule
	// of sign-up (NameFault), and returns them. Errors: validation_failed.
	Rename(ctx context.Context, name string) (*User, error)
	// ChangePassword stores passwordHash, the hash of a new password the
	// caller has checked (the current one and the rule), and in the same
	// transaction ends every other login of the person (refresh-token
	// families with their access tokens, web sessions), keeps the one of
	// ctx, writes the "your password was changed" notice to their e-mail
	// and an audit event. It answers how many logins it ended.
	ChangePassword(ctx context.Context, passwordHash string) (ended int, err error)
	// Logins lists a page of the person's active logins, newest first,
	// the one of ctx marked Current. Errors: validation_failed (cursor).
	Logins(ctx context.Context, page PageRequest) (*Page[Login], error)
	// EndLogin ends the person's login id (the one of ctx too: that is
	// logging out). Errors: not_found, also for another person's login.
	EndLogin(ctx context.Context, id string) error
	// EndOtherLogins ends every login of the person but the one of ctx and
	// answers how many it ended.
	EndOtherLogins(ctx context.Context) (ended int, err error)
}

// LoginKind is how a login is held.
type LoginKind string

// The kinds of login.
const (
	// LoginAPI is a refresh-token family and its access tokens (API
	// clients: login, register and accept-invite of the API).
	LoginAPI LoginKind = "api"
	// LoginWeb is a browser's session cookie (the pages).
	LoginWeb LoginKind = "web"
)

// Login is one of a person's active logins: a refresh-token family or a
// web session, named by the id the API's sid claim and the session carry
// (Principal.SessionID).
type Login struct {
	ID        string    `json:"id"`
	Kind      LoginKind `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
	// LastUsedAt is the last request made with it (written at most once a
	// minute), or its creation when none was recorded.
	LastUsedAt time.Time `json:"last_used_at"`
	// ClientAddress and UserAgent are those of the request that logged
	// in, when known (logins made before they were recorded have none).
	ClientAddress *string `json:"client_address"`
	UserAgent     *string `json:"user_agent"`
	// SecondFactor says the login proved a second factor (TOTP or a
	// recovery code) besides the password.
	SecondFactor bool `json:"second_factor"`
	// Current is the login of the request that lists them.
	Current bool `json:"current"`
}

// Client is where a login comes from, as the request that logs in says:
// its client address (httpx.ClientIP) and its User-Agent header.
type Client struct {
	Address   string
	UserAgent string
}

// MaxUserAgentLen is the most characters of a user agent kept with a login.
const MaxUserAgentLen = 256

// NewClient is the client of a login with addr and userAgent as a request
// gave them: an address that is no IP address is left out, the user agent is made one line of valid text (control
// characters become spaces) of at most MaxUserAgentLen characters, so
// that whatever a client sends is stored and shown safely.
func NewClient(addr, userAgent string) Client {
	ua := strings.ToValidUTF8(userAgent, "\uFFFD")
	ua = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, ua)
	ua = strings.Join(strings.Fields(ua), " ")
	if utf8.RuneCountInString(ua) > MaxUserAgentLen {
		ua = string([]rune(ua)[:MaxUserAgentLen])
	}
	c := Client{UserAgent: ua}
	if ip := net.ParseIP(strings.TrimSpace(addr)); ip != nil {
		c.Address = ip.String()
	}
	return c
}
