package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

type purchaseJSON struct {
	Purchase struct {
		ID, Pack, Status, Method, Reference string
		Credits, Amount                     int64
		Instructions                        *struct{ Reference string }
	}
	CheckoutURL *string `json:"checkout_url"`
}

func purchaseEntries(t *testing.T, e *apptest.Env, accountID string) int {
	t.Helper()
	return e.Count(`SELECT COUNT(*) FROM credit_transactions WHERE account_id = ? AND type = 'purchase'`, accountID)
}

// A pack bought by bank transfer: pending with a reference until an
// administrator confirms it; confirming twice credits once. PayPal stays
// unavailable, and the administrator's price applies to new purchases.
func TestCreditPackByBankTransfer(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner, dev := e.SignUp("Pack Buyer"), e.Developer()
		var packs struct {
			Items []struct {
				Slug           string
				Credits, Price int64
			}
		}
		must(t, e.As(owner.Token, "GET", "/api/v1/credits/packs", nil), http.StatusOK).JSON(t, &packs)
		if len(packs.Items) != 3 || packs.Items[0].Credits != 1000 || packs.Items[1].Credits != 5000 || packs.Items[2].Credits != 20000 {
			t.Fatalf("packs: %+v", packs)
		}
		must(t, e.As(dev, "PATCH", "/api/v1/admin/credit-packs/credits-1000", map[string]any{"price": 2500}), http.StatusOK)
		if r := e.As(owner.Token, "POST", "/api/v1/credits/packs/checkout", map[string]string{"pack": "credits-1000", "payment_method": "paypal"}); r.Code() != "payment_method_unavailable" {
			t.Fatalf("paypal: %s", r)
		}
		if r := e.As(owner.Token, "POST", "/api/v1/credits/packs/checkout", map[string]string{"pack": "credits-1000", "payment_method": "stripe"}); r.Code() != "payment_method_unavailable" {
			t.Fatalf("stripe without Stripe: %s", r)
		}
		if r := e.As(owner.Token, "POST", "/api/v1/credits/packs/checkout", map[string]string{"pack": "nope", "payment_method": "bank_transfer"}); r.Status != 422 {
			t.Fatalf("unknown pack: %s", r)
		}
		before := getAccount(t, e, owner).Credits
		var res purchaseJSON
		must(t, e.As(owner.Token, "POST", "/api/v1/credits/packs/checkout", map[string]string{"pack": "credits-1000", "payment_method": "bank_transfer"}),
			http.StatusCreated).JSON(t, &res)
		if res.Purchase.Status != "pending" || res.Purchase.Amount != 2500 || res.Purchase.Instructions == nil ||
			!refRE.MatchString(res.Purchase.Reference) || res.CheckoutURL != nil {
			t.Fatalf("purchase: %+v", res)
		}
		if a := getAccount(t, e, owner); a.Credits != before {
			t.Fatalf("credited before the transfer: %+v", a)
		}
		var queue struct{ Items []struct{ ID string } }
		must(t, e.As(dev, "GET", "/api/v1/admin/credit-purchases?status=pending", nil), http.StatusOK).JSON(t, &queue)
		if len(queue.Items) != 1 || queue.Items[0].ID != res.Purchase.ID {
			t.Fatalf("queue: %+v", queue)
		}
		for i := 0; i < 2; i++ {
			must(t, e.As(dev, "POST", "/api/v1/admin/credit-purchases/"+res.Purchase.ID+"/confirm", nil), http.StatusOK)
		}
		if a := getAccount(t, e, owner); a.Credits != before+1000 {
			t.Fatalf("after confirming twice: %+v", a)
		}
		if n := purchaseEntries(t, e, owner.AccountID); n != 1 {
			t.Fatalf("%d purchase entries", n)
		}
		ledgerClean(t, e)
	})
}

// A pack paid by card: Stripe Checkout in payment mode; the paid session
// credits the pack once however often, and under however many event ids,
// Stripe reports it.
func TestCreditPackByCard(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e, _ := cardEnv(t, b)
		owner := e.SignUp("Card Pack")
		before := getAccount(t, e, owner).Credits
		var res purchaseJSON
		must(t, e.As(owner.Token, "POST", "/api/v1/credits/packs/checkout", map[string]string{"pack": "credits-5000", "payment_method": "stripe"}),
			http.StatusCreated).JSON(t, &res)
		if res.CheckoutURL == nil || !strings.HasPrefix(*res.CheckoutURL, "https://") || res.Purchase.Status != "pending" || res.Purchase.Instructions != nil {
			t.Fatalf("card purchase: %+v", res)
		}
		session := map[string]any{"id": "cs_pack", "object": "checkout.session", "mode": "payment", "payment_status": "paid",
			"client_reference_id": res.Purchase.ID, "metadata": map[string]any{"igny8_credit_purchase_id": res.Purchase.ID},
			"customer": "cus_test", "amount_total": res.Purchase.Amount, "currency": "usd"}
		for i, id := range []string{"evt_pack", "evt_pack", "evt_pack_again"} {
			if ack := deliver(t, e, id, "checkout.session.completed", time.Now(), session); ack.Duplicate != (i == 1) {
				t.Fatalf("delivery %d: %+v", i, ack)
			}
		}
		if a := getAccount(t, e, owner); a.Credits != before+5000 {
			t.Fatalf("credits: %+v", a)
		}
		if n := purchaseEntries(t, e, owner.AccountID); n != 1 {
			t.Fatalf("%d purchase entries", n)
		}
		if n := e.Count(`SELECT COUNT(*) FROM credit_purchases WHERE id = ? AND status = 'confirmed'`, res.Purchase.ID); n != 1 {
			t.Fatal("purchase not confirmed")
		}
		if n := messages(t, e, "pack_receipt", owner.AccountID); n != 1 {
			t.Fatalf("%d receipts for one card purchase", n)
		}
		if n := messages(t, e, "bank_transfer", owner.AccountID); n != 0 {
			t.Fatal("bank instructions sent for a card purchase")
		}
		// A card purchase is Stripe's to decide, not an administrator's.
		var other purchaseJSON
		must(t, e.As(owner.Token, "POST", "/api/v1/credits/packs/checkout", map[string]string{"pack": "credits-1000", "payment_method": "stripe"}),
			http.StatusCreated).JSON(t, &other)
		if r := e.As(e.Developer(), "POST", "/api/v1/admin/credit-purchases/"+other.Purchase.ID+"/reject",
			map[string]string{"reason": "x"}); r.Status != 409 {
			t.Fatalf("reject a card purchase: %s", r)
		}
		// Stripe expires the unpaid session: the purchase is rejected, once.
		expired := map[string]any{"id": "cs_pack2", "object": "checkout.session", "mode": "payment", "payment_status": "unpaid",
			"status": "expired", "client_reference_id": other.Purchase.ID,
			"metadata": map[string]any{"igny8_credit_purchase_id": other.Purchase.ID}, "customer": "cus_test"}
		deliver(t, e, "evt_pack2_expired", "checkout.session.expired", time.Now(), expired)
		if n := e.Count(`SELECT COUNT(*) FROM credit_purchases WHERE id = ? AND status = 'rejected' AND rejected_reason = 'checkout_expired'`,
			other.Purchase.ID); n != 1 {
			t.Fatal("expired card purchase still pending")
		}
		// An expiry never undoes a paid purchase.
		deliver(t, e, "evt_pack_expired", "checkout.session.expired", time.Now(), session)
		if a := getAccount(t, e, owner); a.Credits != before+5000 {
			t.Fatalf("credits after a late expiry: %+v", a)
		}
		ledgerClean(t, e)
	})
}

type packJSON struct {
	Slug, Currency string
	StripePriceID  string `json:"stripe_price_id"`
	Credits, Price int64
	IsActive       bool `json:"is_active"`
}

func messages(t *testing.T, e *apptest.Env, kind, accountID string) int {
	t.Helper()
	return e.Count(`SELECT COUNT(*) FROM messages WHERE kind = ? AND account_id = ?`, kind, accountID)
}

// Administrators manage the packs: the documented default prices, a new
// pack with a Stripe price, changes and deactivation, each audited; bad
// input changes nothing; only administrators may.
func TestCreditPackAdministration(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner, dev := e.SignUp("Pack Admin"), e.Developer()
		var all struct{ Items []packJSON }
		must(t, e.As(dev, "GET", "/api/v1/admin/credit-packs", nil), http.StatusOK).JSON(t, &all)
		want := map[string]int64{"credits-1000": 4900, "credits-5000": 21900, "credits-20000": 77900}
		if len(all.Items) != 3 {
			t.Fatalf("packs: %+v", all)
		}
		for _, k := range all.Items {
			if want[k.Slug] != k.Price || k.Currency != "USD" || !k.IsActive {
				t.Fatalf("default pack %+v", k)
			}
		}
		if r := e.As(owner.Token, "POST", "/api/v1/admin/credit-packs", map[string]any{"slug": "x", "credits": 1, "price": 1}); r.Status != 403 {
			t.Fatalf("owner creates a pack: %s", r)
		}
		for name, body := range map[string]map[string]any{
			"bad slug":     {"slug": "Big Pack", "credits": 50000, "price": 150000},
			"no credits":   {"slug": "big", "credits": 0, "price": 150000},
			"bad currency": {"slug": "big", "credits": 50000, "price": 150000, "currency": "dollars"},
			"bad price id": {"slug": "big", "credits": 50000, "price": 150000, "stripe_price_id": "prod_1"},
			"taken slug":   {"slug": "credits-1000", "credits": 50000, "price": 150000},
		} {
			r := e.As(dev, "POST", "/api/v1/admin/credit-packs", body)
			if r.Status != 422 && r.Status != 409 {
				t.Fatalf("%s: %s", name, r)
			}
		}
		if n := e.Count(`SELECT COUNT(*) FROM credit_packs`); n != 3 {
			t.Fatalf("refused packs stored: %d", n)
		}
		var big packJSON
		must(t, e.As(dev, "POST", "/api/v1/admin/credit-packs", map[string]any{"slug": "credits-50000", "credits": 50000,
			"price": 179900, "stripe_price_id": "price_big"}), http.StatusCreated).JSON(t, &big)
		if big.Credits != 50000 || big.Price != 179900 || big.Currency != "USD" || big.StripePriceID != "price_big" || !big.IsActive {
			t.Fatalf("created: %+v", big)
		}
		var k packJSON
		must(t, e.As(dev, "PATCH", "/api/v1/admin/credit-packs/credits-50000", map[string]any{"price": 169900, "stripe_price_id": ""}),
			http.StatusOK).JSON(t, &k)
		if k.Price != 169900 || k.StripePriceID != "" || k.Credits != 50000 {
			t.Fatalf("updated: %+v", k)
		}
		if r := e.As(dev, "PATCH", "/api/v1/admin/credit-packs/credits-50000", map[string]any{"stripe_price_id": "nope"}); r.Status != 422 {
			t.Fatalf("bad price id: %s", r)
		}
		if r := e.As(dev, "PATCH", "/api/v1/admin/credit-packs/none", map[string]any{"price": 100}); r.Status != 404 {
			t.Fatalf("unknown pack: %s", r)
		}
		must(t, e.As(dev, "PATCH", "/api/v1/admin/credit-packs/credits-1000", map[string]any{"is_active": false}), http.StatusOK)
		var sale struct{ Items []packJSON }
		must(t, e.As(owner.Token, "GET", "/api/v1/credits/packs", nil), http.StatusOK).JSON(t, &sale)
		if len(sale.Items) != 3 || sale.Items[0].Slug != "credits-5000" || sale.Items[2].Slug != "credits-50000" {
			t.Fatalf("on sale: %+v", sale)
		}
		if r := e.As(owner.Token, "POST", "/api/v1/credits/packs/checkout", map[string]string{"pack": "credits-1000",
			"payment_method": "bank_transfer"}); r.Status != 422 {
			t.Fatalf("off-sale pack bought: %s", r)
		}
		for action, n := range map[string]int{"credit_pack.created": 1, "credit_pack.updated": 1, "credit_pack.deactivated": 1} {
			if got := e.Count(`SELECT COUNT(*) FROM audit_events WHERE action = ?`, action); got != n {
				t.Fatalf("%s audited %d times", action, got)
			}
		}
	})
}

// A pending transfer for a pack: its instructions are e-mailed; an
// administrator rejects it with a reason (no credits, the owner told,
// audited; it can no longer be confirmed); a confirmed one sends a receipt
// and can no longer be rejected.
func TestCreditPackRejectAndReceipt(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner, dev := e.SignUp("Pack Rejected"), e.Developer()
		before := getAccount(t, e, owner).Credits
		buy := func() purchaseJSON {
			var res purchaseJSON
			must(t, e.As(owner.Token, "POST", "/api/v1/credits/packs/checkout", map[string]string{"pack": "credits-5000",
				"payment_method": "bank_transfer"}), http.StatusCreated).JSON(t, &res)
			return res
		}
		first := buy()
		if n := messages(t, e, "bank_transfer", owner.AccountID); n != 1 {
			t.Fatalf("%d instruction mails", n)
		}
		if n := e.Count(`SELECT COUNT(*) FROM messages WHERE kind = 'bank_transfer' AND subject LIKE '%5,000 credits%'`); n != 1 {
			t.Fatal("the instructions do not name the pack")
		}
		if r := e.As(owner.Token, "POST", "/api/v1/admin/credit-purchases/"+first.Purchase.ID+"/reject", map[string]string{"reason": "x"}); r.Status != 403 {
			t.Fatalf("owner rejects: %s", r)
		}
		if r := e.As(dev, "POST", "/api/v1/admin/credit-purchases/"+first.Purchase.ID+"/reject", map[string]string{"reason": " "}); r.Status != 422 {
			t.Fatalf("no reason: %s", r)
		}
		var rej struct {
			Status         string
			RejectedReason string `json:"rejected_reason"`
			Instructions   any
		}
		for i := 0; i < 2; i++ {
			must(t, e.As(dev, "POST", "/api/v1/admin/credit-purchases/"+first.Purchase.ID+"/reject",
				map[string]string{"reason": "No transfer arrived"}), http.StatusOK).JSON(t, &rej)
		}
		if rej.Status != "rejected" || rej.RejectedReason != "No transfer arrived" || rej.Instructions != nil {
			t.Fatalf("rejected: %+v", rej)
		}
		if n := messages(t, e, "pack_rejected", owner.AccountID); n != 1 {
			t.Fatalf("%d rejection mails", n)
		}
		if n := e.Count(`SELECT COUNT(*) FROM audit_events WHERE action = 'credit_purchase.rejected'`); n != 1 {
			t.Fatalf("rejection audited %d times", n)
		}
		if r := e.As(dev, "POST", "/api/v1/admin/credit-purchases/"+first.Purchase.ID+"/confirm", nil); r.Status != 409 {
			t.Fatalf("confirm a rejected purchase: %s", r)
		}
		if r := e.As(dev, "POST", "/api/v1/admin/credit-purchases/00000000-0000-0000-0000-000000000000/reject",
			map[string]string{"reason": "x"}); r.Status != 404 {
			t.Fatalf("unknown purchase: %s", r)
		}
		second := buy()
		must(t, e.As(dev, "POST", "/api/v1/admin/credit-purchases/"+second.Purchase.ID+"/confirm", nil), http.StatusOK)
		must(t, e.As(dev, "POST", "/api/v1/admin/credit-purchases/"+second.Purchase.ID+"/confirm", nil), http.StatusOK)
		if r := e.As(dev, "POST", "/api/v1/admin/credit-purchases/"+second.Purchase.ID+"/reject",
			map[string]string{"reason": "late"}); r.Status != 409 {
			t.Fatalf("reject a confirmed purchase: %s", r)
		}
		if n := messages(t, e, "pack_receipt", owner.AccountID); n != 1 {
			t.Fatalf("%d receipts", n)
		}
		if a := getAccount(t, e, owner); a.Credits != before+5000 {
			t.Fatalf("credits: %+v", a)
		}
		var rejected struct{ Items []struct{ ID string } }
		must(t, e.As(dev, "GET", "/api/v1/admin/credit-purchases?status=rejected", nil), http.StatusOK).JSON(t, &rejected)
		if len(rejected.Items) != 1 || rejected.Items[0].ID != first.Purchase.ID {
			t.Fatalf("rejected list: %+v", rejected)
		}
		ledgerClean(t, e)
	})
}
