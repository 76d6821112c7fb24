package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/igny8/igny8"
)

// Credit packs: one-off purchases of credits. A purchase is pending until
// its bank transfer is confirmed by an administrator (ConfirmCreditPurchase)
// or Stripe says its Checkout is paid (ProcessCardEvent); confirming writes
// one purchase entry to the ledger, keyed by the purchase, so however often
// the confirmation or the event arrives the credits arrive once.

const packColumns = `k.id, k.slug, k.credits, k.price, k.currency, k.stripe_price_id, k.is_active, k.created_at, k.updated_at`

func scanPack(row scanner) (*igny8.CreditPack, error) {
	var k igny8.CreditPack
	return &k, row.Scan(&k.ID, &k.Slug, &k.Credits, &k.Price, &k.Currency, &k.StripePriceID, &k.IsActive, &k.CreatedAt, &k.UpdatedAt)
}

// CreditPacks lists the packs on sale, smallest first: a public price
// list, like the plans.
func (s *Packs) CreditPacks(ctx context.Context) ([]igny8.CreditPack, error) {
	return listPacks(ctx, s.db.reader(), false)
}

func listPacks(ctx context.Context, c conn, all bool) ([]igny8.CreditPack, error) {
	q := `SELECT ` + packColumns + ` FROM credit_packs k`
	if !all {
		q += ` WHERE k.is_active = TRUE`
	}
	return queryAll(ctx, c, scanPack, q+` ORDER BY k.credits, k.slug`)
}

const purchaseSelect = `SELECT c.id, c.account_id, k.slug, c.credits, c.amount, c.currency, c.method, c.status, c.reference,
	c.rejected_reason, c.confirmed_at, c.created_at, c.updated_at FROM credit_purchases c JOIN credit_packs k ON k.id = c.pack_id`

func scanPurchase(row scanner) (*igny8.CreditPurchase, error) {
	var c igny8.CreditPurchase
	return &c, row.Scan(&c.ID, &c.AccountID, &c.Pack, &c.Credits, &c.Amount, &c.Currency, &c.Method, &c.Status,
		&c.Reference, &c.RejectedReason, &c.ConfirmedAt, &c.CreatedAt, &c.UpdatedAt)
}

func purchaseByID(ctx context.Context, c conn, id string) (*igny8.CreditPurchase, error) {
	return optionalRow(scanPurchase(c.queryRow(ctx, purchaseSelect+` WHERE c.id = ?`, id)))
}

// BuyCredits starts buying a pack: a pending purchase at the pack's
// current size and price with a unique reference, paid by bank transfer
// (the answer carries the reference; an administrator confirms it) or by
// card (the answer carries Stripe's Checkout page, which sells the pack by
// its Stripe price when it has one, else by its amount). A transfer's
// instructions are also e-mailed to the owner. It needs ActBilling.
// Errors: validation_failed (no such pack, bad method),
// payment_method_unavailable (stripe without Stripe, paypal),
// service_unavailable (Stripe failed), forbidden.
func (s *Packs) BuyCredits(ctx context.Context, in igny8.PackCheckout) (*igny8.PackCheckoutResult, error) {
	p, tn, err := scope(ctx)
	if err != nil {
		return nil, err
	}
	if err := igny8.Authorize(p, igny8.ActBilling); err != nil {
		return nil, err
	}
	if err := igny8.RequireVerifiedEmail(p); err != nil {
		return nil, err
	}
	switch {
	case in.PaymentMethod == igny8.MethodBankTransfer:
	case in.PaymentMethod == igny8.MethodStripe && s.card != nil:
	case igny8.ValidPaymentMethod(in.PaymentMethod):
		return nil, igny8.Errorf(igny8.EPaymentMethod, "Payment by %s is not available; pay by bank_transfer.", in.PaymentMethod)
	default:
		return nil, igny8.InvalidField("payment_method", "must be one of stripe, paypal, bank_transfer")
	}
	var pack *igny8.CreditPack
	pack, err = optionalRow(scanPack(s.db.reader().queryRow(ctx, `SELECT `+packColumns+` FROM credit_packs k
		WHERE k.slug = ? AND k.is_active = TRUE`, strings.TrimSpace(in.Pack))))
	if err != nil {
		return nil, err
	}
	if pack == nil {
		msg := fmt.Sprintf("There is no credit pack %q on sale.", in.Pack)
		return nil, igny8.Invalid(msg, igny8.FieldError{Field: "pack", Message: msg})
	}
	var customer string
	if in.PaymentMethod == igny8.MethodStripe {
		if customer, err = s.cardCustomer(ctx, tn); err != nil {
			return nil, err
		}
	}
	var out *igny8.CreditPurchase
	err = s.db.InTx(ctx, func(tx *Tx) error {
		id := newID()
		for try := 0; try < maxReferenceTries; try++ {
			r, err := tx.exec(ctx, `INSERT INTO credit_purchases (id, account_id, pack_id, credits, amount, currency, method,
				status, reference, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
				ON CONFLICT (reference) DO NOTHING`, id, p.AccountID, pack.ID, pack.Credits, pack.Price, pack.Currency,
				in.PaymentMethod, s.newReference(), tx.now, tx.now)
			if err != nil {
				return err
			}
			if n, err := r.RowsAffected(); err != nil {
				return err
			} else if n == 1 {
				if out, err = purchaseByID(ctx, tx.conn, id); err != nil {
					return err
				}
				if err := packTransferMail(ctx, tx, tn, out); err != nil {
					return err
				}
				return audit(ctx, tx, tn, "credit_purchase.created", "credit_purchase", id, map[string]any{
					"pack": pack.Slug, "credits": pack.Credits, "amount": pack.Price, "currency": pack.Currency,
					"method": in.PaymentMethod, "reference": out.Reference})
			}
		}
		return errors.New("insert credit purchase: no free payment reference found")
	})
	if err != nil {
		return nil, err
	}
	res := &igny8.PackCheckoutResult{Purchase: out}
	if in.PaymentMethod != igny8.MethodStripe {
		return res, nil
	}
	sess, err := s.card.Checkout(ctx, igny8.CardCheckout{Mode: igny8.CardModePayment, CustomerID: customer,
		PurchaseID: out.ID, Amount: out.Amount, Currency: out.Currency, PriceID: pack.StripePriceID,
		Description: fmt.Sprintf("%d igny8 credits", out.Credits),
		SuccessURL:  in.ReturnURL + "?notice=card_paid", CancelURL: in.ReturnURL + "?notice=card_cancelled"})
	if err != nil {
		rerr := s.db.InTx(ctx, func(tx *Tx) error {
			_, err := tx.exec(ctx, `UPDATE credit_purchases SET status = 'rejected', rejected_reason = ?, updated_at = ?
				WHERE id = ? AND status = 'pending'`, igny8.RejectCheckoutFailed, tx.now, out.ID)
			return err
		})
		return nil, errors.Join(cardUnavailable(err), rerr)
	}
	res.CheckoutURL = &sess.URL
	return res, nil
}

// ListCreditPurchases lists credit purchases across accounts, newest first,
// status "" for all. Errors: unauthenticated, forbidden, validation_failed.
func (a *Admin) ListCreditPurchases(ctx context.Context, status string, page igny8.PageRequest) (*igny8.Page[igny8.CreditPurchase], error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	q, args := purchaseSelect+` WHERE 1 = 1`, []any{}
	switch status {
	case "":
	case igny8.PaymentPending, igny8.PaymentConfirmed, igny8.PaymentRejected:
		q, args = q+` AND c.status = ?`, append(args, status)
	default:
		return nil, igny8.InvalidField("status", "must be pending, confirmed or rejected")
	}
	return newestFirst(ctx, a.db.reader(), q, "c.id", args, page, scanPurchase,
		func(c *igny8.CreditPurchase) string { return c.ID })
}

// ConfirmCreditPurchase records a received bank transfer for a pack: the
// purchase confirmed and its credits granted once. Confirming a confirmed
// purchase answers it and changes nothing. Errors: unauthenticated,
// forbidden, not_found, conflict (rejected).
func (a *Admin) ConfirmCreditPurchase(ctx context.Context, id string, in igny8.PaymentConfirmation) (*igny8.CreditPurchase, error) {
	sys, err := asSystem(ctx)
	if err != nil {
		return nil, err
	}
	if err := cleanConfirmation(&in); err != nil {
		return nil, err
	}
	var out *igny8.CreditPurchase
	err = a.db.InTx(ctx, func(tx *Tx) error {
		c, err := lockPurchase(ctx, tx, sys, id)
		if err != nil {
			return err
		}
		if c == nil {
			return igny8.NotFound("Credit purchase")
		}
		if c.Status == igny8.PaymentRejected {
			return igny8.Errorf(igny8.EConflict, "Credit purchase %s was rejected; it cannot be confirmed.", c.Reference)
		}
		if err := confirmPurchase(ctx, tx, sys, c, in.ExternalReference); err != nil {
			return err
		}
		out, err = purchaseByID(ctx, tx.conn, id)
		return err
	})
	return out, err
}

// lockPurchase locks the purchase's account, then reads the purchase; nil
// when there is none.
func lockPurchase(ctx context.Context, tx *Tx, sys system, id string) (*igny8.CreditPurchase, error) {
	var accountID string
	err := tx.queryRow(ctx, `SELECT account_id FROM credit_purchases WHERE id = ?`, id).Scan(&accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err)
	}
	if err := lockAccount(ctx, tx, sys.reach(accountID)); err != nil {
		return nil, err
	}
	return purchaseByID(ctx, tx.conn, id)
}

// confirmPurchase confirms a pending purchase (a confirmed one is left as
// it is) and grants its credits as one purchase entry keyed by the
// purchase, with an audit event.
func confirmPurchase(ctx context.Context, tx *Tx, sys system, c *igny8.CreditPurchase, external string) error {
	if c.Status != igny8.PaymentPending {
		return nil
	}
	actor := "system"
	if p := igny8.PrincipalFrom(ctx); p != nil {
		actor = p.ActorID()
	}
	if _, err := tx.exec(ctx, `UPDATE credit_purchases SET status = 'confirmed', confirmed_by = ?, confirmed_at = ?,
		external_reference = ?, updated_at = ? WHERE id = ? AND status = 'pending'`, actor, tx.now, external, tx.now, c.ID); err != nil {
		return err
	}
	key := "credit_purchase:" + c.ID
	if _, _, err := applyCredit(ctx, tx, sys.reach(c.AccountID), creditChange{Type: igny8.TxPurchase, Amount: c.Credits,
		Description:   fmt.Sprintf("%d credits bought (%s)", c.Credits, c.Reference),
		ReferenceType: igny8.RefCreditPurchase, ReferenceID: c.ID, IdempotencyKey: key, RequestHash: key, Actor: actor}); err != nil {
		return err
	}
	if err := packReceipt(ctx, tx, sys.reach(c.AccountID), c); err != nil {
		return err
	}
	return audit(ctx, tx, sys.reach(c.AccountID), "credit_purchase.confirmed", "credit_purchase", c.ID, map[string]any{
		"reference": c.Reference, "credits": c.Credits, "amount": c.Amount, "currency": c.Currency, "method": c.Method,
		"external_reference": external})
}

// cardPurchasePaid confirms the credit purchase a paid payment-mode
// Checkout names.
func cardPurchasePaid(ctx context.Context, tx *Tx, sys system, ev igny8.CardEvent) (bool, error) {
	c, err := lockPurchase(ctx, tx, sys, ev.PurchaseID)
	if err != nil || c == nil || c.Method != igny8.MethodStripe {
		return c == nil || err == nil && c.Method != igny8.MethodStripe, err
	}
	if c.Status == igny8.PaymentRejected {
		return false, audit(ctx, tx, sys.reach(c.AccountID), "payment.card_unapplied", "credit_purchase", c.ID, map[string]any{
			"reason": "purchase_rejected", "event": ev.ID, "amount": ev.Amount, "currency": ev.Currency})
	}
	return false, confirmPurchase(ctx, tx, sys, c, "stripe:"+ev.ID)
}

// AdminCreditPacks lists every pack, on sale or not.
func (a *Admin) AdminCreditPacks(ctx context.Context) ([]igny8.CreditPack, error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	return listPacks(ctx, a.db.reader(), true)
}

// validPackFields checks the size, price, currency and Stripe price of a
// pack, naming each invalid field.
func validPackFields(credits, price int64, currency, priceID string) []igny8.FieldError {
	var fields []igny8.FieldError
	if credits < 1 || credits > igny8.MaxPackCredits {
		fields = append(fields, igny8.FieldError{Field: "credits", Message: fmt.Sprintf("must be 1-%d", igny8.MaxPackCredits)})
	}
	if price < 1 || price > igny8.MaxPackPrice {
		fields = append(fields, igny8.FieldError{Field: "price", Message: fmt.Sprintf("must be 1-%d (minor units)", igny8.MaxPackPrice)})
	}
	if len(currency) != 3 || upper(currency) != currency || strings.Trim(currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		fields = append(fields, igny8.FieldError{Field: "currency", Message: "must be a three-letter currency code such as USD"})
	}
	if !validStripePrice(priceID) {
		fields = append(fields, igny8.FieldError{Field: "stripe_price_id", Message: "must be a Stripe price id (price_...), or empty"})
	}
	return fields
}

// validStripePrice accepts "" or a Stripe price id, as plans do.
func validStripePrice(id string) bool {
	return id == "" || strings.HasPrefix(id, "price_") && len(id) <= 100 && !strings.ContainsAny(id, " \t/?#")
}

// CreateCreditPack adds a pack, on sale unless in.IsActive is false, with
// an audit event. Errors: unauthenticated, forbidden, validation_failed,
// conflict (the slug is taken).
func (a *Admin) CreateCreditPack(ctx context.Context, in igny8.NewCreditPack) (*igny8.CreditPack, error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	in.Slug, in.StripePriceID = strings.TrimSpace(in.Slug), strings.TrimSpace(in.StripePriceID)
	in.Currency = upper(strings.TrimSpace(in.Currency))
	if in.Currency == "" {
		in.Currency = "USD"
	}
	fields := validPackFields(in.Credits, in.Price, in.Currency, in.StripePriceID)
	if in.Slug == "" || len(in.Slug) > 50 || !isSlug(in.Slug) {
		fields = append([]igny8.FieldError{{Field: "slug", Message: "must be 1-50 lowercase letters, digits and hyphens"}}, fields...)
	}
	if len(fields) > 0 {
		return nil, igny8.Invalid("The credit pack is not valid.", fields...)
	}
	active := in.IsActive == nil || *in.IsActive
	var out *igny8.CreditPack
	err := a.db.InTx(ctx, func(tx *Tx) error {
		id := newID()
		r, err := tx.exec(ctx, `INSERT INTO credit_packs (id, slug, credits, price, currency, stripe_price_id, is_active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (slug) DO NOTHING`,
			id, in.Slug, in.Credits, in.Price, in.Currency, in.StripePriceID, active, tx.now, tx.now)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return igny8.Errorf(igny8.EConflict, "A credit pack %q already exists.", in.Slug)
		}
		if out, err = scanPack(tx.queryRow(ctx, `SELECT `+packColumns+` FROM credit_packs k WHERE k.id = ?`, id)); err != nil {
			return translate(err)
		}
		return audit(ctx, tx, noTenant, "credit_pack.created", "credit_pack", id, map[string]any{"pack": out})
	})
	return out, err
}

// UpdateCreditPack changes a pack's size, price, Stripe price or sale,
// with an audit event naming what changed; purchases already made keep
// theirs. Errors: unauthenticated, forbidden, not_found, validation_failed.
func (a *Admin) UpdateCreditPack(ctx context.Context, slug string, patch igny8.CreditPackPatch) (*igny8.CreditPack, error) {
	if _, err := igny8.AdminPrincipal(ctx); err != nil {
		return nil, err
	}
	if patch.StripePriceID != nil {
		v := strings.TrimSpace(*patch.StripePriceID)
		patch.StripePriceID = &v
	}
	var out *igny8.CreditPack
	err := a.db.InTx(ctx, func(tx *Tx) error {
		cur, err := optionalRow(scanPack(tx.queryRow(ctx, `SELECT `+packColumns+` FROM credit_packs k WHERE k.slug = ?`+tx.db.forUpdate(), slug)))
		if err != nil {
			return err
		}
		if cur == nil {
			return igny8.NotFound("Credit pack")
		}
		next := *cur
		if patch.Credits != nil {
			next.Credits = *patch.Credits
		}
		if patch.Price != nil {
			next.Price = *patch.Price
		}
		if patch.StripePriceID != nil {
			next.StripePriceID = *patch.StripePriceID
		}
		if patch.IsActive != nil {
			next.IsActive = *patch.IsActive
		}
		var fields []igny8.FieldError
		for _, f := range validPackFields(next.Credits, next.Price, next.Currency, next.StripePriceID) {
			if f.Field != "currency" {
				fields = append(fields, f)
			}
		}
		if len(fields) > 0 {
			return igny8.Invalid("The credit pack is not valid.", fields...)
		}
		if _, err := tx.exec(ctx, `UPDATE credit_packs SET credits = ?, price = ?, stripe_price_id = ?, is_active = ?, updated_at = ? WHERE id = ?`,
			next.Credits, next.Price, next.StripePriceID, next.IsActive, tx.now, cur.ID); err != nil {
			return err
		}
		if out, err = scanPack(tx.queryRow(ctx, `SELECT `+packColumns+` FROM credit_packs k WHERE k.id = ?`, cur.ID)); err != nil {
			return translate(err)
		}
		action := "credit_pack.updated"
		if cur.IsActive && !next.IsActive {
			action = "credit_pack.deactivated"
		}
		return audit(ctx, tx, noTenant, action, "credit_pack", cur.ID, map[string]any{"slug": slug, "changes": patch,
			"before": map[string]any{"credits": cur.Credits, "price": cur.Price, "stripe_price_id": cur.StripePriceID, "is_active": cur.IsActive}})
	})
	return out, err
}

// RejectCreditPurchase rejects a pending purchase with a reason (a
// transfer that never arrived, or arrived wrong): no credits, the owner
// told by e-mail, an audit event. Rejecting a rejected purchase answers it
// and changes nothing. Card purchases are Stripe's to decide: their
// checkout expires unpaid after a day (checkout.session.expired rejects
// them). Errors: unauthenticated,
// forbidden, not_found, conflict (confirmed, or paid by card),
// validation_failed (reason).
func (a *Admin) RejectCreditPurchase(ctx context.Context, id string, in igny8.PaymentRejection) (*igny8.CreditPurchase, error) {
	sys, err := asSystem(ctx)
	if err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(in.Reason)
	if n := utf8.RuneCountInString(reason); n < 1 || n > maxNoteLen {
		return nil, igny8.InvalidField("reason", "must be 1-500 characters")
	}
	var out *igny8.CreditPurchase
	err = a.db.InTx(ctx, func(tx *Tx) error {
		c, err := lockPurchase(ctx, tx, sys, id)
		if err != nil {
			return err
		}
		switch {
		case c == nil:
			return igny8.NotFound("Credit purchase")
		case c.Status == igny8.PaymentConfirmed:
			return igny8.Errorf(igny8.EConflict, "Credit purchase %s is already confirmed; it cannot be rejected.", c.Reference)
		case c.Status == igny8.PaymentPending && c.Method != igny8.MethodBankTransfer:
			return igny8.Errorf(igny8.EConflict, "Credit purchase %s is paid by card; Stripe decides it.", c.Reference)
		case c.Status == igny8.PaymentPending:
			if _, err := tx.exec(ctx, `UPDATE credit_purchases SET status = 'rejected', rejected_reason = ?, updated_at = ?
				WHERE id = ? AND status = 'pending'`, reason, tx.now, c.ID); err != nil {
				return err
			}
			if err := packRejectedMail(ctx, tx, sys.reach(c.AccountID), c, reason); err != nil {
				return err
			}
			if err := audit(ctx, tx, sys.reach(c.AccountID), "credit_purchase.rejected", "credit_purchase", c.ID, map[string]any{
				"reason": reason, "reference": c.Reference, "credits": c.Credits, "amount": c.Amount, "currency": c.Currency}); err != nil {
				return err
			}
		}
		out, err = purchaseByID(ctx, tx.conn, id)
		return err
	})
	return out, err
}
