package throttle

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"strings"

	"github.com/igny8/igny8"
)

// Fixed rates of the scopes that do not follow the plan (per minute).
const (
	AuthPerMinute  = 10  // per client IP and per email (DESIGN.md section 8)
	AdminPerMinute = 600 // per developer
	AnonPerMinute  = 60  // per client IP
)

// minBurst lets a few requests through at once (a page loading several
// resources, a mistyped password) wherever the rate allows it.
const minBurst = 3

// Key kinds: what a budget is counted per.
const (
	KindAccount = "account" // an account id: every credential of it shares one budget
	KindUser    = "user"    // a user id (the admin scope counts per developer)
	KindIP      = "ip"      // a client address, see IPKey
	KindEmail   = "email"   // a sign-in email, see EmailKey
)

// RateFor returns the budget of scope for an account whose plan allows
// planPerMinute API requests a minute: ScopeAPI is the plan's rate and
// ScopeAI a tenth of it (at least 1); ScopeAuth, ScopeAdmin and ScopeAnon
// have fixed rates and ignore planPerMinute. An unknown scope gets the
// anonymous rate, and a plan rate below 1 counts as 1, so a mistake is
// strict rather than unlimited. The burst is a tenth of the rate, at least
// 3 and at most the rate.
func RateFor(scope string, planPerMinute int) igny8.Rate {
	var perMinute int
	switch scope {
	case igny8.ScopeAPI:
		perMinute = planPerMinute
	case igny8.ScopeAI:
		perMinute = planPerMinute / 10
	case igny8.ScopeAuth:
		perMinute = AuthPerMinute
	case igny8.ScopeAdmin:
		perMinute = AdminPerMinute
	default:
		perMinute = AnonPerMinute
	}
	perMinute = max(perMinute, 1)
	return igny8.Rate{PerMinute: perMinute, Burst: min(max(perMinute/10, minBurst), perMinute)}
}

// Key returns the limiter key of scope counted per kind id, as
// "scope:kind:id". Scopes and kinds never contain ':', so distinct inputs
// give distinct keys whatever id holds.
func Key(scope, kind, id string) string {
	return scope + ":" + kind + ":" + id
}

// IPKey returns the key of scope for a client address (an IP, with or
// without a port). IPv4 addresses count one by one; IPv6 addresses count
// per /64, the block one subscriber usually holds, so that rotating
// addresses inside it buys no extra budget. Text that is no address is
// used as given.
func IPKey(scope, addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		ap, perr := netip.ParseAddrPort(addr)
		if perr != nil {
			return Key(scope, KindIP, addr)
		}
		ip = ap.Addr()
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		return Key(scope, KindIP, netip.PrefixFrom(ip, 64).Masked().String())
	}
	return Key(scope, KindIP, ip.String())
}

// EmailKey returns the key of scope for a sign-in email. The email is
// trimmed and lower-cased, so case variants share one budget, and hashed,
// so addresses are not stored in Redis.
func EmailKey(scope, email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return Key(scope, KindEmail, hex.EncodeToString(sum[:16]))
}
