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
		ledgerClean(t, e)
	})
}
