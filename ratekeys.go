package igny8

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"strings"
)

// Key kinds: what a budget is counted per. Budgets themselves come from
// RateFor.
const (
	KindAccount = "account" // an account id: every credential of it shares one budget
	KindUser    = "user"    // a user id (the admin scope counts per developer)
	KindIP      = "ip"      // a client address, see IPKey
	KindEmail   = "email"   // a sign-in email, see EmailKey
)

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
