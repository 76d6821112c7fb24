package web

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/igny8/igny8"
)

// adminAuditPage is one page of the audit log, newest first, filtered by
// account and action.
type adminAuditPage struct {
	Rows []auditRow
	// Account is the filter as typed (an id, a name or an e-mail);
	// AccountID and AccountName the account it selected.
	Account, AccountID, AccountName string
	Action                          string
	Actions                         []string
	Matches                         []igny8.Account // when the account filter matched several
	NextURL                         string
	FormError                       string
}

// auditRow is an event as the page shows it.
type auditRow struct {
	ID                     string
	When                   time.Time
	Action                 string
	Account, Actor, Target auditRef
	AccountFilterURL       string
	Details                []auditDetail
}

// auditRef names who or what an event is about, with a link to its admin
// page when there is one.
type auditRef struct {
	Kind, Label, URL string
}

// auditDetail is one labelled value of an event's details.
type auditDetail struct {
	Label, Value string
}

// auditActions are the actions the store records, offered by the action
// filter (any other action name can be typed).
var auditActions = []string{
	"account.cancelled", "account.deleted", "account.ownership_transferred", "account.reactivated", "account.restored",
	"account.suspended", "account.updated", "api_key.created", "api_key.revoked", "api_key.rotated",
	"credit_costs.updated", "credits.adjusted", "payment.confirmed", "payment.created", "payment.rejected",
	"plan.created", "plan.reset", "plan.updated", "retention.purged", "sector.created", "sector.deleted",
	"sector.restored", "sector.updated", "site.created", "site.deleted", "site.restored", "site.updated",
	"site_access.granted", "site_access.revoked", "subscription.cancel_requested", "subscription.ended",
	"subscription.past_due", "user.developer_created", "user.invitation_resent", "user.invitation_revoked", "user.invited",
	"user.logged_out", "user.logged_out_elsewhere", "user.password_changed", "user.password_reset", "user.password_setup_sent",
	"user.removed", "user.renamed", "user.role_changed",
}

func (h *Handler) adminAudit(w http.ResponseWriter, r *http.Request, v *visit) error {
	q := r.URL.Query()
	pg := &adminAuditPage{Account: strings.TrimSpace(q.Get("account")), Action: strings.TrimSpace(q.Get("action")), Actions: auditActions}
	status := http.StatusOK
	if bad, err := h.auditAccount(r, pg); err != nil {
		return err
	} else if bad {
		status = http.StatusUnprocessableEntity
	}
	if pg.FormError == "" && (pg.Account == "" || pg.AccountID != "") {
		page, err := h.AdminBilling.ListAudit(r.Context(), igny8.AuditFilter{AccountID: pg.AccountID, Action: pg.Action},
			igny8.PageRequest{Limit: 50, Cursor: q.Get("cursor")})
		if isCode(err, igny8.EValidation) {
			pg.FormError, status = igny8.ErrorMessage(err), http.StatusUnprocessableEntity
		} else if err != nil {
			return err
		}
		if page != nil {
			for i := range page.Items {
				pg.Rows = append(pg.Rows, auditRowOf(&page.Items[i]))
			}
			if page.NextCursor != nil {
				pg.NextURL = "/admin/audit?" + withCursor(q, *page.NextCursor)
			}
		}
	}
	return h.render(w, r, v, status, "admin_audit", "Admin · Audit log", pg)
}

// auditAccount resolves the account filter: an account id is taken as it
// is; a name or e-mail must match one account (several are offered). bad
// reports a filter that is no text.
func (h *Handler) auditAccount(r *http.Request, pg *adminAuditPage) (bad bool, err error) {
	if pg.Account == "" {
		return false, nil
	}
	if len(pg.Account) > 200 || !utf8.ValidString(pg.Account) || strings.ContainsRune(pg.Account, 0) {
		pg.FormError = "Enter an account's name, e-mail or id."
		return true, nil
	}
	if _, err := uuid.Parse(pg.Account); err == nil && len(pg.Account) == 36 {
		pg.AccountID = pg.Account
	}
	page, err := h.AdminAccounts.ListAccounts(r.Context(), igny8.AccountFilter{Search: pg.Account, Page: igny8.PageRequest{Limit: 10}})
	if isCode(err, igny8.EValidation) {
		pg.FormError = igny8.ErrorMessage(err)
		return true, nil
	}
	if err != nil {
		return false, err
	}
	switch {
	case pg.AccountID != "":
		for _, a := range page.Items {
			if a.ID == pg.AccountID {
				pg.AccountName = a.Name
			}
		}
	case len(page.Items) == 1:
		pg.AccountID, pg.AccountName = page.Items[0].ID, page.Items[0].Name
	case len(page.Items) == 0:
		pg.FormError = "No account matches " + strconv.Quote(pg.Account) + "."
	default:
		pg.Matches = page.Items
	}
	return false, nil
}

// adminAccountURL is the admin page of one account.
func adminAccountURL(id string) string {
	return "/admin?q=" + url.QueryEscape(id) + "#account-" + url.PathEscape(id)
}

func auditRowOf(e *igny8.AdminAuditEvent) auditRow {
	row := auditRow{ID: e.ID, When: e.CreatedAt, Action: e.Action, Actor: auditActor(e), Target: auditTarget(e),
		Details: auditDetails(e)}
	if e.AccountID != nil {
		row.Account = auditRef{Kind: "account", Label: "(deleted account)", URL: adminAccountURL(*e.AccountID)}
		if e.AccountName != nil {
			row.Account.Label = *e.AccountName
		}
		row.AccountFilterURL = "/admin/audit?account=" + url.QueryEscape(*e.AccountID)
	}
	return row
}

func auditActor(e *igny8.AdminAuditEvent) auditRef {
	ref := auditRef{Kind: e.ActorType, Label: e.ActorName}
	if e.ActorAccountID != nil {
		ref.URL = adminAccountURL(*e.ActorAccountID)
	}
	switch e.ActorType {
	case igny8.ActorSystem:
		ref.Kind, ref.Label = "", "System"
	case igny8.ActorAPIKey:
		ref.Kind = "API key"
		if ref.Label == "" {
			ref.Label = "(deleted key)"
		}
	case igny8.ActorUser:
		if ref.Label == "" {
			ref.Label = "(deleted user)"
		}
	}
	return ref
}

// targetKinds name the kinds of target in words.
var targetKinds = map[string]string{"api_key": "API key", "credit_transaction": "credit transaction", "credit_costs": "credit costs"}

func auditTarget(e *igny8.AdminAuditEvent) auditRef {
	ref := auditRef{Kind: e.TargetType, Label: e.TargetName}
	if k, ok := targetKinds[e.TargetType]; ok {
		ref.Kind = k
	}
	if ref.Label == "" {
		// A target since purged: what the event recorded of it, else its id.
		for _, k := range []string{"email", "reference", "slug", "name"} {
			if s, ok := e.Details[k].(string); ok && s != "" {
				ref.Label = s
				break
			}
		}
	}
	if ref.Label == "" && e.TargetID != "" {
		ref.Label = e.TargetID
	}
	switch e.TargetType {
	case "account":
		ref.URL = adminAccountURL(e.TargetID)
	case "payment":
		if e.TargetName != "" {
			ref.URL = "/admin/payments?status=&reference=" + url.QueryEscape(e.TargetName)
		}
	case "plan":
		ref.URL = "/admin/plans"
	case "credit_costs":
		ref.Label = ""
	case "":
	default:
		if e.AccountID != nil {
			ref.URL = adminAccountURL(*e.AccountID)
		}
	}
	return ref
}

// creditKeys are the details that count credits, not money.
var creditKeys = map[string]bool{"credits": true, "balance_after": true, "included_credits": true}

// skippedKeys are the details of nested objects that say nothing to a reader.
var skippedKeys = map[string]bool{"id": true, "created_at": true, "updated_at": true, "updated_by": true}

// auditDetails turns an event's details into labelled values: money in
// its currency, credits and counts with separators, times in UTC, nested
// objects flattened; empty values are left out. Keys are sorted, so a
// row reads the same every time.
func auditDetails(e *igny8.AdminAuditEvent) []auditDetail {
	currency, _ := e.Details["currency"].(string)
	if currency == "" {
		currency = e.Currency
	}
	money := strings.HasPrefix(e.Action, "payment.") || strings.HasPrefix(e.Action, "plan.")
	var out []auditDetail
	var walk func(prefix string, m map[string]any, currency string, nested bool)
	walk = func(prefix string, m map[string]any, currency string, nested bool) {
		if c, ok := m["currency"].(string); ok && c != "" {
			currency = c
		}
		for _, k := range sortedKeys(m) {
			if nested && skippedKeys[k] {
				continue
			}
			label := title(k)
			if prefix != "" {
				label = prefix + " · " + label
			}
			if sub, ok := m[k].(map[string]any); ok {
				walk(label, sub, currency, true)
				continue
			}
			var val string
			switch {
			case k == "currency" && money && currency != "":
				continue // shown with the amounts
			case e.Action == "credits.adjusted" && k == "amount":
				val = signedCredits(m[k])
			case money && (k == "amount" || k == "amount_received" || k == "price") && currency != "":
				if n, ok := wholeNumber(m[k]); ok {
					val = igny8.FormatMoney(n, currency)
				}
			case creditKeys[k]:
				if n, ok := wholeNumber(m[k]); ok {
					val = num(n) + " credits"
				}
			}
			if val == "" {
				val = auditValue(m[k])
			}
			if val != "" {
				out = append(out, auditDetail{Label: label, Value: val})
			}
		}
	}
	walk("", e.Details, currency, false)
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// wholeNumber reads a JSON number that is an integer.
func wholeNumber(v any) (int64, bool) {
	f, ok := v.(float64)
	if !ok || f != float64(int64(f)) {
		return 0, false
	}
	return int64(f), true
}

func signedCredits(v any) string {
	n, ok := wholeNumber(v)
	if !ok {
		return ""
	}
	if n > 0 {
		return "+" + num(n) + " credits"
	}
	return num(n) + " credits"
}

// auditValue writes one detail value for people; "" leaves it out.
func auditValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return t.UTC().Format("2 Jan 2006 15:04 UTC")
		}
		return x
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case float64:
		if n, ok := wholeNumber(x); ok {
			return num(n)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, 0, len(x))
		for _, item := range x {
			if s := auditItem(item); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		return auditItem(x)
	}
	return fmt.Sprint(v)
}

// auditItem writes one element of a list: an operation's cost as
// "auto_cluster: 10 credits", other objects as "Key: value; …".
func auditItem(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return auditValue(v)
	}
	if op, ok := m["operation"].(string); ok {
		if n, ok := wholeNumber(m["credits"]); ok {
			return op + ": " + num(n) + " credits"
		}
	}
	var parts []string
	for _, k := range sortedKeys(m) {
		if skippedKeys[k] {
			continue
		}
		if s := auditValue(m[k]); s != "" {
			parts = append(parts, title(k)+": "+s)
		}
	}
	return strings.Join(parts, "; ")
}
