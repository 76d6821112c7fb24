package sqlstore

import (
	"encoding/base64"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/igny8/igny8"
)

const (
	maxSiteNameLen = 100
	maxSlugLen     = 100
	maxDomainLen   = 255
)

var siteSlugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// siteFields is a validated site form.
type siteFields struct {
	Name, Slug, Domain string
	IndustryID         *string
	IsActive           bool
}

func validateSiteCreate(in igny8.SiteCreate) (*siteFields, error) {
	f := &siteFields{IsActive: in.IsActive == nil || *in.IsActive}
	var errs []igny8.FieldError
	add := func(field, msg string) { errs = append(errs, igny8.FieldError{Field: field, Message: msg}) }
	var err error
	if f.Name, err = checkDisplayName(in.Name, maxSiteNameLen); err != nil {
		add("name", err.Error())
	}
	if in.Slug != "" {
		if f.Slug, err = checkSlug(in.Slug); err != nil {
			add("slug", err.Error())
		}
	} else if f.Name != "" {
		f.Slug = generatedSlug(f.Name, "site")
	}
	if f.Domain, err = normalizeDomain(in.Domain); err != nil {
		add("domain", err.Error())
	}
	if in.IndustryID != nil && strings.TrimSpace(*in.IndustryID) != "" {
		id := strings.TrimSpace(*in.IndustryID)
		f.IndustryID = &id
	}
	if len(errs) > 0 {
		return nil, igny8.Invalid("The site has errors.", errs...)
	}
	return f, nil
}

type siteFieldErr string

func (e siteFieldErr) Error() string { return string(e) }

// checkDisplayName trims a display name and checks it (igny8.NameFault).
func checkDisplayName(s string, max int) (string, error) {
	s = igny8.TrimName(s)
	if msg := igny8.NameFault(s, max); msg != "" {
		return "", siteFieldErr(msg)
	}
	return s, nil
}

// validSlug accepts lowercase letters and digits joined by single hyphens.
func checkSlug(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxSlugLen || !siteSlugPattern.MatchString(s) {
		return "", siteFieldErr("must be 1-100 lowercase letters, digits and single hyphens")
	}
	return s, nil
}

// generatedSlug is Slugify(name), cut to length, or fallback when the name
// has no letters or digits to make one from.
func generatedSlug(name, fallback string) string {
	slug := strings.Trim(cutBytes(slugify(name), maxSlugLen), "-")
	if slug == "" {
		return fallback
	}
	return slug
}

// normalizeDomain checks that s is an http(s) URL of a host and returns it
// in one canonical form: lowercase scheme and host, no default port, no
// trailing slash, no query or fragment. A bare host means https. Empty
// stays empty (the domain is optional).
func normalizeDomain(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	bad := siteFieldErr("must be an http(s) URL such as https://example.com")
	if len(s) > maxDomainLen || strings.ContainsAny(s, " \t\r\n\\") {
		return "", bad
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" || u.User != nil {
		return "", bad
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", bad
	}
	host, port := strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")), u.Port()
	if !validHost(host) {
		return "", bad
	}
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", bad
		}
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	out := u.Scheme + "://" + host + strings.TrimRight(u.EscapedPath(), "/")
	if len(out) > maxDomainLen {
		return "", bad
	}
	return out, nil
}

var hostLabelPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// validHost accepts an IP address, localhost, or a dotted DNS name.
func validHost(host string) bool {
	if net.ParseIP(host) != nil || host == "localhost" {
		return true
	}
	labels := strings.Split(host, ".")
	if len(host) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if !hostLabelPattern.MatchString(l) {
			return false
		}
	}
	return true
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// likeContains is the LIKE pattern, for ESCAPE '\', that matches any text
// containing s: the wildcards of s are escaped.
func likeContains(s string) string {
	return "%" + likeEscaper.Replace(s) + "%"
}

// cutBytes cuts s to at most n bytes without splitting a character.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// decodeSitesCursor reads the opaque cursor of the site, sector and access
// lists: the last id of the previous page. Errors: validation_failed for
// anything that does not decode to an id.
func decodeSitesCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !igny8.IsID(string(raw)) {
		return "", igny8.InvalidField("cursor", "is not a cursor this list returned")
	}
	return string(raw), nil
}

// sitesPage is cutPage with the opaque cursor decodeSitesCursor reads:
// the key of the last item of the page.
func sitesPage[T any](items []T, limit int, key func(*T) string) *igny8.Page[T] {
	return cutPage(items, limit, func(x *T) string { return base64.RawURLEncoding.EncodeToString([]byte(key(x))) })
}

// checkIDCursor refuses a cursor of the lists keyed by id (the last id of
// the previous page) that is not an id. Errors: validation_failed.
func checkIDCursor(page igny8.PageRequest) error {
	if page.Cursor != "" && !igny8.IsID(page.Cursor) {
		return igny8.InvalidField("cursor", "must be the next_cursor of a previous page")
	}
	return nil
}
