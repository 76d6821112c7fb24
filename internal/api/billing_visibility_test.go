package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/apptest"
	"github.com/igny8/igny8/internal/sqlstore/storetest"
)

// TestPendingPaymentIsTheOwners: GET /billing/subscription shows the
// payment awaiting a transfer (reference, bank instructions) to the owner
// only; admins, editors, viewers and every kind of API key see the plan and
// status, and nothing of the payment.
func TestPendingPaymentIsTheOwners(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, b storetest.Backend) {
		t.Parallel()
		e := apptest.New(t, b)
		owner := e.SignUp("Payer")
		r := e.As(owner.Token, "POST", "/api/v1/billing/checkout", map[string]string{"plan": "starter", "payment_method": "bank_transfer"})
		if r.Status != http.StatusCreated {
			t.Fatalf("checkout: %s", r)
		}
		var res struct{ Payment struct{ Reference string } }
		r.JSON(t, &res)
		ref := res.Payment.Reference
		if ref == "" {
			t.Fatalf("checkout answered no reference: %s", r)
		}

		got := e.As(owner.Token, "GET", "/api/v1/billing/subscription", nil)
		if got.Status != http.StatusOK || !strings.Contains(string(got.Body), ref) || !strings.Contains(string(got.Body), e.Cfg.BankIBAN) {
			t.Fatalf("owner: %s, want the pending payment %s with the bank instructions", got, ref)
		}

		site := e.AddSite(owner.AccountID, "Blog")
		creds := map[string]string{}
		for _, role := range []igny8.Role{igny8.RoleAdmin, igny8.RoleEditor, igny8.RoleViewer} {
			creds[string(role)+" member"] = "Bearer " + e.RawMember(owner.AccountID, role).Token
		}
		for _, role := range []string{"admin", "editor", "viewer"} {
			_, key := e.NewAPIKey(owner.Token, map[string]any{"name": role, "role": role})
			creds[role+" key"] = key
			_, key = e.NewAPIKey(owner.Token, map[string]any{"name": role + " blog", "role": role, "site_id": site})
			creds[role+" site-bound key"] = key
		}
		for who, cred := range creds {
			hdr := []string{"X-API-Key", cred}
			if strings.HasPrefix(cred, "Bearer ") {
				hdr = []string{"Authorization", cred}
			}
			r := e.Do("GET", "/api/v1/billing/subscription", nil, hdr...)
			if r.Status != http.StatusOK {
				t.Errorf("%s: %s, want 200 with the plan and status", who, r)
				continue
			}
			var sum struct {
				Subscription *struct {
					Status string
					Plan   *struct{ Slug string }
				}
				PendingPayment *map[string]any `json:"pending_payment"`
			}
			r.JSON(t, &sum)
			if sum.Subscription == nil || sum.Subscription.Status == "" || sum.Subscription.Plan == nil {
				t.Errorf("%s: %s, want the subscription's plan and status", who, r)
			}
			if sum.PendingPayment != nil || strings.Contains(string(r.Body), ref) || strings.Contains(string(r.Body), e.Cfg.BankIBAN) {
				t.Errorf("%s sees the owner's payment details: %s", who, r)
			}
		}
	})
}
