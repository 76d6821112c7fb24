package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

var auditEventRE = regexp.MustCompile(`data-testid="audit-event"[\s\S]*?<code>([a-z_.]+)</code>`)

// auditActionsOf lists the actions of a page of the audit log, in order.
func auditActionsOf(r *result) []string {
	var out []string
	for _, m := range auditEventRE.FindAllStringSubmatch(r.Body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestAdminAuditLogReadsLikeSentences: details are labelled values with
// money formatted, actors and targets are named and linked, events are
// newest first, filtered by account and action, paged, and a hostile
// account name is escaped.
func TestAdminAuditLogReadsLikeSentences(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		dev := e.Developer()
		var me struct{ User struct{ Email string } }
		e.As(dev, "GET", "/api/v1/auth/me", nil).JSON(t, &me)
		admin := developer(t, e)

		alice, bob := e.SignUp("Alice"), e.SignUp("Bob Blog")
		const hostile = `<script>alert("x")</script> & Co`
		if r := e.As(alice.Token, "PATCH", "/api/v1/account", map[string]string{"name": hostile}); r.Status != http.StatusOK {
			t.Fatalf("rename: %s", r)
		}
		r0 := e.As(alice.Token, "POST", "/api/v1/billing/checkout", map[string]string{"plan": "starter", "payment_method": "bank_transfer"})
		var pay struct {
			Payment struct{ ID, Reference string }
		}
		r0.JSON(t, &pay)
		if r := e.As(dev, "POST", "/api/v1/admin/payments/"+pay.Payment.ID+"/confirm", nil); r.Status != http.StatusOK {
			t.Fatalf("confirm: %s", r)
		}
		if r := e.As(dev, "POST", "/api/v1/admin/accounts/"+alice.AccountID+"/credits", map[string]any{"amount": 500, "description": "goodwill"}); r.Status != http.StatusCreated && r.Status != http.StatusOK {
			t.Fatalf("adjust: %s", r)
		}
		_, key := e.NewAPIKey(alice.Token, map[string]any{"name": "wordpress plugin", "role": "admin"})
		if r := e.Do("POST", "/api/v1/sites", map[string]string{"name": "Shop Blog"}, "X-API-Key", key); r.Status != http.StatusCreated {
			t.Fatalf("site by key: %s", r)
		}
		if code, _, errOut := e.CLI("accounts", "suspend", bob.AccountID, "--reason", "chargeback"); code != 0 {
			t.Fatal(errOut)
		}

		r := admin.get("/admin/audit")
		if r.Status != http.StatusOK {
			t.Fatalf("audit log: %d %s", r.Status, r.Body)
		}
		for _, bad := range []string{`<script>alert(`, "map[", "%!", "float64"} {
			if strings.Contains(r.Body, bad) {
				t.Fatalf("audit log shows %q:\n%s", bad, r.Body)
			}
		}
		accountLink := `href="/admin?q=` + alice.AccountID + `#account-` + alice.AccountID + `"`
		mustContain(t, r,
			`&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co`, // the account, and the renamed name in the details
			"<dt>Amount</dt><dd>$89.00</dd>", "<dt>Amount</dt><dd>&#43;500 credits</dd>", "<dt>Balance after</dt><dd>3,500 credits</dd>",
			"<dt>Credits</dt><dd>1,000 credits</dd>", "<dt>Description</dt><dd>goodwill</dd>",
			accountLink+`>`+`&lt;script&gt;`,
			`<span class="muted small">Administrator</span> `+me.User.Email,
			`<span class="muted small">User</span> <a `+accountLink+`>`+alice.Email+`</a>`,
			`<span class="muted small">API key</span> <a `+accountLink+`>wordpress plugin</a>`,
			`<span class="muted small">Site</span> <a `+accountLink+`>Shop Blog</a>`,
			`<span class="muted small">Payment</span> <a href="/admin/payments?status=&amp;reference=`+pay.Payment.Reference+`">`+pay.Payment.Reference+`</a>`,
			"System", "<dt>Reason</dt><dd>chargeback</dd>")
		got := strings.Join(auditActionsOf(r), " ")
		if !strings.HasPrefix(got, "account.suspended site.created api_key.created credits.adjusted payment.confirmed payment.created account.updated") {
			t.Errorf("events not newest first: %s", got)
		}

		// Filters: by account (id or e-mail) and by action.
		r = admin.get("/admin/audit?account=" + alice.AccountID + "&action=payment.created")
		if acts := auditActionsOf(r); len(acts) != 1 || acts[0] != "payment.created" || strings.Contains(r.Body, "Bob Blog") {
			t.Errorf("filtered by account and action: %v", acts)
		}
		mustContain(t, r, `data-testid="audit-filter">Events of account <strong>&lt;script&gt;`)
		r = admin.get("/admin/audit?account=" + url.QueryEscape(bob.Email))
		if acts := auditActionsOf(r); len(acts) != 1 || acts[0] != "account.suspended" || strings.Contains(r.Body, "&lt;script&gt;alert") {
			t.Errorf("filtered by e-mail: %v", acts)
		}
		mustContain(t, admin.get("/admin/audit?account=nobody-at-all"), "No account matches")
		mustContain(t, admin.get("/admin/audit?account=example.com&action=account.updated"), "Several accounts match; choose one:",
			`href="/admin/audit?account=`+bob.AccountID+`&amp;action=account.updated">Bob Blog</a>`)
		// Text that is not text is refused at the edge, naming the parameter.
		if r := admin.get("/admin/audit?account=%00%ff"); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "account") {
			t.Errorf("account with a NUL: %d", r.Status)
		}
		if r := admin.get("/admin/audit?action=%00"); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "action") {
			t.Errorf("action with a NUL: %d", r.Status)
		}

		// Pages of 50, newest first, each event once.
		for i := 0; i < 55; i++ {
			if r := e.As(alice.Token, "PATCH", "/api/v1/account", map[string]string{"billing_email": "billing@example.com"}); r.Status != http.StatusOK {
				t.Fatalf("update: %s", r)
			}
		}
		r = admin.get("/admin/audit?account=" + alice.AccountID)
		first := regexp.MustCompile(`id="event-([0-9a-f-]{36})"`).FindAllStringSubmatch(r.Body, -1)
		next := regexp.MustCompile(`<a href="(/admin/audit\?[^"]+)">Older events`).FindStringSubmatch(r.Body)
		if len(first) != 50 || next == nil {
			t.Fatalf("first page: %d events, next %v", len(first), next)
		}
		r = admin.get(strings.ReplaceAll(next[1], "&amp;", "&"))
		second := regexp.MustCompile(`id="event-([0-9a-f-]{36})"`).FindAllStringSubmatch(r.Body, -1)
		if len(second) != 61-50 || strings.Contains(r.Body, "Older events") || second[0][1] >= first[49][1] {
			t.Fatalf("second page: %d events", len(second))
		}

		// The API answers the same names.
		ar := e.As(dev, "GET", "/api/v1/admin/audit?action=payment.confirmed", nil)
		m := ar.Map(t)
		items, _ := m["items"].([]any)
		if ar.Status != http.StatusOK || len(items) != 1 {
			t.Fatalf("API audit by action: %s", ar)
		}
		ev := items[0].(map[string]any)
		if ev["account_name"] != hostile || ev["actor_type"] != "administrator" || ev["actor_name"] != me.User.Email ||
			ev["target_name"] != pay.Payment.Reference || ev["actor_account_id"] != nil {
			t.Errorf("API audit event: %v", ev)
		}
		if r := e.As(dev, "GET", "/api/v1/admin/audit?account_id=not-an-id", nil); r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusBadRequest {
			t.Errorf("API audit with a bad account id: %s", r)
		}
	})
}
