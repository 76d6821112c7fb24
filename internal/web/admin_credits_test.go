package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// The admin console manages credit packs (a new pack, a price change,
// taking one off sale) and decides bank-transfer purchases: a rejection
// with its reason, a confirmation that credits the pack.
func TestAdminConsoleCreditPacks(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be)
		admin := developer(t, e)
		r := admin.get("/admin/credits")
		mustContain(t, r, `<a href="/admin/credits">Credit packs</a>`, `data-testid="pack-price-credits-1000">$49.00<`,
			`data-testid="pack-price-credits-5000">$219.00<`, `data-testid="pack-price-credits-20000">$779.00<`)
		if r := admin.post("/admin/credits/packs", url.Values{"slug": {"credits-50000"}, "credits": {"50000"}, "price": {"1799.00"},
			"currency": {"USD"}, "is_active": {"yes"}}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("unconfirmed: %d", r.Status)
		}
		r = admin.post("/admin/credits/packs", url.Values{"slug": {"Bad Slug"}, "credits": {"50000"}, "price": {"1799.00"},
			"currency": {"USD"}, "is_active": {"yes"}, "confirm": {"yes"}})
		mustContain(t, r, "lowercase letters")
		r = admin.post("/admin/credits/packs", url.Values{"slug": {"credits-50000"}, "credits": {"50000"}, "price": {"1799.00"},
			"currency": {"USD"}, "is_active": {"yes"}, "confirm": {"yes"}})
		mustContain(t, r, "The credit pack was saved.", `data-testid="pack-price-credits-50000">$1,799.00<`)
		r = admin.post("/admin/credits/packs/credits-1000", url.Values{"credits": {"1000"}, "price": {"45.00"}, "confirm": {"yes"}})
		mustContain(t, r, `data-testid="pack-price-credits-1000">$45.00<`)

		owner := newBrowser(t, e)
		owner.signUp("Console Packs")
		r = owner.get("/credits")
		mustContain(t, r, `aria-label="Buy 50000 credits by bank transfer"`)
		mustNotContain(t, r, `aria-label="Buy 1000 credits by bank transfer"`)
		first := owner.post("/credits/buy", url.Values{"pack": {"credits-5000"}, "payment_method": {"bank_transfer"}})
		owner.get("/credits")
		second := owner.post("/credits/buy", url.Values{"pack": {"credits-50000"}, "payment_method": {"bank_transfer"}})
		refRE := regexp.MustCompile(`data-testid="purchase-reference">(IGNY8-[A-Z0-9-]+)<`)
		ref1, ref2 := refRE.FindStringSubmatch(first.Body), refRE.FindStringSubmatch(second.Body)
		if ref1 == nil || ref2 == nil {
			t.Fatalf("no references:\n%s", first.Body)
		}
		var id1, id2 string
		db := e.App.DB()
		for ref, id := range map[string]*string{ref1[1]: &id1, ref2[1]: &id2} {
			if err := db.SQL().QueryRow(db.Rebind(`SELECT id FROM credit_purchases WHERE reference = ?`), ref).Scan(id); err != nil {
				t.Fatal(err)
			}
		}
		r = admin.get("/admin/credits")
		mustContain(t, r, ref1[1], ref2[1], `action="/admin/credits/purchases/`+id1+`/reject"`)
		r = admin.post("/admin/credits/purchases/"+id1+"/reject", url.Values{"reason": {""}, "confirm": {"yes"}})
		mustContain(t, r, "must be 1-500 characters")
		r = admin.post("/admin/credits/purchases/"+id1+"/reject", url.Values{"reason": {"No transfer arrived"}, "confirm": {"yes"}})
		mustContain(t, r, "The purchase was rejected")
		mustNotContain(t, r, ref1[1])
		r = admin.post("/admin/credits/purchases/"+id2+"/confirm", url.Values{"confirm": {"yes"}})
		mustContain(t, r, "its credits were added")
		r = admin.get("/admin/credits?status=rejected")
		mustContain(t, r, ref1[1], "No transfer arrived")
		r = owner.get("/credits")
		mustContain(t, r, "50000 credits bought")
		if n := e.Count(`SELECT COUNT(*) FROM messages WHERE kind IN ('pack_rejected', 'pack_receipt')`); n != 2 {
			t.Fatalf("%d pack messages", n)
		}
	})
}

// A refund reported by Stripe shows on the admin console: the accounts page
// says an incident is open, the incidents page lists it and resolves it.
func TestAdminConsolePaymentIncidents(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, be storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, be, apptest.WithStripe(apptest.StripeMock(t)))
		admin := developer(t, e)
		mustNotContain(t, admin.get("/admin"), `data-testid="open-incidents"`)
		if r := e.StripeEvent("evt_refund", "charge.refunded", time.Now(), map[string]any{"id": "ch_web", "object": "charge",
			"customer": "cus_nobody", "amount_refunded": 4900, "currency": "usd"}); r.Status != 200 {
			t.Fatalf("event: %s", r)
		}
		r := admin.get("/admin")
		mustContain(t, r, `data-testid="open-incidents"`, "1 open payment incident")
		r = admin.get("/admin/incidents")
		mustContain(t, r, "ch_web", "$49.00", `data-testid="incident-kind">Refund`)
		id := regexp.MustCompile(`action="/admin/incidents/([0-9a-f-]{36})/resolve"`).FindStringSubmatch(r.Body)
		if id == nil {
			t.Fatalf("no resolve form:\n%s", r.Body)
		}
		r = admin.post("/admin/incidents/"+id[1]+"/resolve", url.Values{"note": {"Refunded by support; no credits spent"}, "confirm": {"yes"}})
		mustContain(t, r, "The incident was resolved.", "No incidents open.")
		mustContain(t, admin.get("/admin/incidents?status=resolved"), "Refunded by support; no credits spent")
		mustNotContain(t, admin.get("/admin"), `data-testid="open-incidents"`)
	})
}
