package httpx

import (
	"net/url"
	"strings"
)

// Redacted replaces a secret in what is logged.
const Redacted = "REDACTED"

// secretParamWords mark a query parameter whose value is a credential
// (token=, api_key=, refresh_token=, password=, sig=, code=...).
var secretParamWords = []string{"token", "key", "secret", "pass", "session", "auth", "sig", "code", "cred", "jwt"}

// maxLoggedValue is the longest query value logged as it is: longer ones
// may be credentials under names nobody foresaw, and are redacted too.
const maxLoggedValue = 40

// RedactQuery returns a raw query string fit for a log line: the value of
// every parameter whose name suggests a credential, every value longer than
// 40 bytes and every bare part without a name is replaced by REDACTED;
// names and the other values are kept as sent.
func RedactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, part := range parts {
		name, value, hasValue := strings.Cut(part, "=")
		if !hasValue {
			if part != "" {
				parts[i] = Redacted
			}
			continue
		}
		if secretParam(name) || len(value) > maxLoggedValue {
			parts[i] = name + "=" + Redacted
		}
	}
	return strings.Join(parts, "&")
}

func secretParam(name string) bool {
	if n, err := url.QueryUnescape(name); err == nil {
		name = n
	}
	name = strings.ToLower(name)
	for _, w := range secretParamWords {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}
