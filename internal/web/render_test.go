package web

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8"
)

// TestTemplatesEscapeUserText renders pages with markup in every piece of
// user-typed text and checks that it comes out as text.
func TestTemplatesEscapeUserText(t *testing.T) {
	const evil = `<script>alert("x")</script>`
	h := &Handler{Deps: Deps{Now: time.Now}, pages: mustParsePages()}
	plan := igny8.FreeTrialPlan()
	ends := time.Now().Add(48 * time.Hour)
	acct := &igny8.Account{Name: evil, Plan: &plan, Credits: 2000, Status: igny8.StatusTrial, TrialEndsAt: &ends, BillingEmail: evil}
	v := &visit{P: &igny8.Principal{Kind: igny8.CredentialSession, AccountID: "a", Role: igny8.RoleOwner}, Account: acct,
		Session: &igny8.WebSession{CSRFToken: `"><script>`}}
	industry := "ind"
	pages := map[string]any{
		"sites": &sitesPage{Plan: &plan, Create: siteForm{Name: evil, Errors: formErrors{"name": evil}}, FormError: evil, ErrorFor: "create",
			Sites: []siteView{{Site: igny8.Site{ID: "s1", Name: evil, Domain: evil, IndustryID: &industry},
				Sectors: []igny8.Sector{{ID: "x1", Name: evil}}, IndustryName: evil}}},
		"signup":  signupPage{Name: evil, Email: evil, Errors: formErrors{"email": evil}, FormError: evil},
		"login":   loginPage{Email: evil, Next: evil, FormError: evil},
		"account": &accountPage{Account: acct, Users: []igny8.User{{ID: "u", Name: evil, Email: evil, Role: igny8.RoleEditor}}, NewKey: evil, InviteURL: evil},
		"error":   errorPage{Status: 404, Heading: evil, Message: evil, RequestID: evil},
	}
	for name, data := range pages {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/"+name, nil)
		if err := h.render(w, r, v, 200, name, evil, data); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		body := w.Body.String()
		if strings.Contains(body, "<script>alert") || strings.Contains(body, `"><script>`) {
			t.Errorf("%s renders user text as markup", name)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
			t.Errorf("%s does not show the escaped text", name)
		}
	}
}

func TestNumbersAndMoney(t *testing.T) {
	cases := map[string]string{num(0): "0", num(2000): "2,000", num(-1234567): "-1,234,567",
		igny8.FormatMoney(-8900, "USD"): "-$89.00", igny8.FormatMoney(0, "USD"): "$0.00",
		price(8900, "USD"): "$89.00", price(0, "USD"): "Free", price(13905, "EUR"): "€139.05"}
	for got, want := range cases {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	end := now.Add(13*24*time.Hour + time.Hour)
	if d := daysLeft(&end, now); d != 14 {
		t.Errorf("days left %d, want 14", d)
	}
	if d := daysLeft(&now, end); d != 0 {
		t.Errorf("days left after the end %d", d)
	}
}

func TestLocalPathKeepsRedirectsOnSite(t *testing.T) {
	for in, want := range map[string]string{"/sites": "/sites", "//evil.example": "/x", "https://evil.example": "/x",
		"/\\evil.example": "/x", "": "/x", "/credits?type=refund": "/credits?type=refund"} {
		if got := localPath(in, "/x"); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
