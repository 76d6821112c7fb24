package api

import (
	"net/http"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/httpx"
)

// Credit packs: one-off purchases of credits, by bank transfer or card,
// credited once on confirmation; the OpenAPI documentation of their
// handlers (the rows are in routes.go).
func init() {
	document(docs{
		"creditPacks": {summary: "The credit packs on sale (credits, price): a price list anyone may read, like the plans",
			out: igny8.Page[igny8.CreditPack]{}},
		"buyCredits": {summary: "Buy a credit pack: bank_transfer answers the reference and " +
			"instructions (credited when an administrator confirms the transfer); stripe answers checkout_url, Stripe's page to pay on " +
			"(credited when Stripe says it is paid); the credits arrive once, as one purchase entry",
			in: igny8.PackCheckout{}, out: igny8.PackCheckoutResult{}, status: http.StatusCreated},
		"adminCreditPacks": {summary: "Every credit pack, on sale or not", out: igny8.Page[igny8.CreditPack]{}},
		"createCreditPack": {summary: "Add a credit pack (size, price in minor units, currency, optional Stripe price); " +
			"on sale unless is_active is false", in: igny8.NewCreditPack{}, out: igny8.CreditPack{}, status: http.StatusCreated},
		"updateCreditPack": {summary: "Change a credit pack's size, price, Stripe price or sale (is_active false takes it off sale); " +
			"purchases made keep theirs", in: igny8.CreditPackPatch{}, out: igny8.CreditPack{}},
		"adminCreditPurchases": {summary: "Credit pack purchases across accounts, newest first",
			out: igny8.Page[igny8.CreditPurchase]{}, query: append([]param{{"status", "pending, confirmed or rejected"}}, pageParams...)},
		"confirmCreditPurchase": {summary: "Confirm a received transfer for a credit pack: " +
			"its credits are granted once",
			in: igny8.PaymentConfirmation{}, out: igny8.CreditPurchase{}},
		"rejectCreditPurchase": {summary: "Reject a pending bank-transfer purchase of a credit pack with a reason: " +
			"no credits, the owner is e-mailed", in: igny8.PaymentRejection{}, out: igny8.CreditPurchase{}},
	})
}

// errNoPacks answers the pack routes of a deployment that sells none.
var errNoPacks = igny8.Errorf(igny8.ENotFound, "Credit packs are not sold here.")

func (h *Handler) creditPacks(w http.ResponseWriter, r *http.Request) error {
	if h.Packs == nil {
		return errNoPacks
	}
	packs, err := h.Packs.CreditPacks(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, igny8.Page[igny8.CreditPack]{Items: packs})
}

func (h *Handler) buyCredits(w http.ResponseWriter, r *http.Request) error {
	var in igny8.PackCheckout
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	if h.Packs == nil {
		return errNoPacks
	}
	in.ReturnURL = h.origin(r) + "/credits"
	res, err := h.Packs.BuyCredits(r.Context(), in)
	if err != nil {
		return err
	}
	res.Purchase.AddInstructions(h.Config.Bank)
	return httpx.WriteJSON(w, http.StatusCreated, res)
}

func (h *Handler) adminCreditPacks(w http.ResponseWriter, r *http.Request) error {
	if h.AdminPacks == nil {
		return errNoPacks
	}
	packs, err := h.AdminPacks.AdminCreditPacks(r.Context())
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, igny8.Page[igny8.CreditPack]{Items: packs})
}

func (h *Handler) updateCreditPack(w http.ResponseWriter, r *http.Request) error {
	var in igny8.CreditPackPatch
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	if h.AdminPacks == nil {
		return errNoPacks
	}
	res, err := h.AdminPacks.UpdateCreditPack(r.Context(), r.PathValue("slug"), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, res)
}

func (h *Handler) adminCreditPurchases(w http.ResponseWriter, r *http.Request) error {
	page, err := pageFromQuery(r)
	if err != nil {
		return err
	}
	if h.AdminPacks == nil {
		return errNoPacks
	}
	res, err := h.AdminPacks.ListCreditPurchases(r.Context(), r.URL.Query().Get("status"), page)
	if err != nil {
		return err
	}
	for i := range res.Items {
		res.Items[i].AddInstructions(h.Config.Bank)
	}
	return httpx.WriteJSON(w, http.StatusOK, res)
}

func (h *Handler) confirmCreditPurchase(w http.ResponseWriter, r *http.Request) error {
	var in igny8.PaymentConfirmation
	if r.ContentLength != 0 {
		if err := httpx.Decode(w, r, &in); err != nil {
			return err
		}
	}
	if h.AdminPacks == nil {
		return errNoPacks
	}
	res, err := h.AdminPacks.ConfirmCreditPurchase(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	res.AddInstructions(h.Config.Bank)
	return httpx.WriteJSON(w, http.StatusOK, res)
}

func (h *Handler) createCreditPack(w http.ResponseWriter, r *http.Request) error {
	var in igny8.NewCreditPack
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	if h.AdminPacks == nil {
		return errNoPacks
	}
	res, err := h.AdminPacks.CreateCreditPack(r.Context(), in)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusCreated, res)
}

func (h *Handler) rejectCreditPurchase(w http.ResponseWriter, r *http.Request) error {
	var in igny8.PaymentRejection
	if err := httpx.Decode(w, r, &in); err != nil {
		return err
	}
	if h.AdminPacks == nil {
		return errNoPacks
	}
	res, err := h.AdminPacks.RejectCreditPurchase(r.Context(), r.PathValue("id"), in)
	if err != nil {
		return err
	}
	res.AddInstructions(h.Config.Bank)
	return httpx.WriteJSON(w, http.StatusOK, res)
}
