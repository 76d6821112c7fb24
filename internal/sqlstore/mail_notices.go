package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/igny8/igny8"
)

// The messages igny8 sends, each written by the transaction of its cause
// (see enqueue): no mail for a change that rolled back.

// invitationMail e-mails the invited person their link.
func invitationMail(ctx context.Context, tx *Tx, tn tenant, inv *igny8.Invitation, token string) error {
	var acctName string
	if err := tx.queryRow(ctx, `SELECT name FROM accounts WHERE id = ?`, tn.id).Scan(&acctName); err != nil {
		return translate(err)
	}
	var inviter, inviterEmail sql.NullString
	err := tx.queryRow(ctx, `SELECT name, email FROM users WHERE id = ? AND account_id = ?`, inv.InvitedBy, tn.id).
		Scan(&inviter, &inviterEmail)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return translate(err)
	}
	who := inviter.String
	if who == "" {
		who = inviterEmail.String
	}
	return enqueue(ctx, tx, tn, igny8.InvitationMail{AccountName: acctName, InviterName: who,
		InviteeName: inv.Name, Role: inv.Role, Token: token, ExpiresAt: inv.ExpiresAt}, inv.Email)
}

// bankTransferMail sends the owner (and the billing e-mail) the bank
// instructions of a new pending transfer.
func bankTransferMail(ctx context.Context, tx *Tx, tn tenant, res *igny8.PaymentResult) error {
	pay := res.Payment
	if pay.Method != igny8.MethodBankTransfer || pay.Status != igny8.PaymentPending {
		return nil
	}
	acct, owner, billing, err := ownerAndBilling(ctx, tx, tn)
	if err != nil {
		return err
	}
	return enqueue(ctx, tx, tn, igny8.BankTransferMail{AccountName: acct.Name, PlanName: pay.PlanName,
		Reference: pay.Reference, Amount: pay.Amount, Currency: pay.Currency}, owner, billing)
}

// paymentReceipt writes the receipt of a confirmed payment (plan, period,
// amount, reference, date) to the owner and the billing e-mail, in tx: the
// transaction that confirmed it, whichever way it was paid (the bank
// transfer confirmation calls it; a card payment's confirmation can too).
// reactivated says the payment made a suspended or cancelled account active
// again, which the receipt then says too (no separate message).
func paymentReceipt(ctx context.Context, tx *Tx, tn tenant, paymentID string, reactivated bool) error {
	res, err := paymentResult(ctx, tx.conn, tn, paymentID)
	if err != nil {
		return err
	}
	pay, sub := res.Payment, res.Subscription
	if pay.Status != igny8.PaymentConfirmed || sub == nil || sub.CurrentPeriodStart == nil || sub.CurrentPeriodEnd == nil {
		return nil
	}
	acct, owner, billing, err := ownerAndBilling(ctx, tx, tn)
	if err != nil {
		return err
	}
	confirmed := tx.now
	if pay.ConfirmedAt != nil {
		confirmed = *pay.ConfirmedAt
	}
	return enqueue(ctx, tx, tn, igny8.ReceiptMail{AccountName: acct.Name, PlanName: pay.PlanName,
		PeriodStart: *sub.CurrentPeriodStart, PeriodEnd: *sub.CurrentPeriodEnd, Amount: pay.Amount,
		Currency: pay.Currency, Reference: pay.Reference, ConfirmedAt: confirmed, Reactivated: reactivated}, owner, billing)
}

// paymentRejectedMail tells the owner a transfer was not accepted, and why.
func paymentRejectedMail(ctx context.Context, tx *Tx, tn tenant, pay *igny8.Payment, reason string) error {
	acct, owner, billing, err := ownerAndBilling(ctx, tx, tn)
	if err != nil {
		return err
	}
	return enqueue(ctx, tx, tn, igny8.PaymentRejectedMail{AccountName: acct.Name, PlanName: pay.PlanName,
		Reference: pay.Reference, Amount: pay.Amount, Currency: pay.Currency, Reason: reason}, owner, billing)
}

// accountStatusMail tells the owner their account was suspended or
// reactivated.
func accountStatusMail(ctx context.Context, tx *Tx, tn tenant, suspended bool, reason string) error {
	acct, owner, billing, err := ownerAndBilling(ctx, tx, tn)
	if err != nil {
		return err
	}
	return enqueue(ctx, tx, tn, igny8.AccountStatusMail{AccountName: acct.Name, Suspended: suspended,
		Reason: reason}, owner, billing)
}

// packTransferMail sends the owner (and the billing e-mail) the bank
// instructions of a new pending transfer for a credit pack.
func packTransferMail(ctx context.Context, tx *Tx, tn tenant, c *igny8.CreditPurchase) error {
	if c.Method != igny8.MethodBankTransfer || c.Status != igny8.PaymentPending {
		return nil
	}
	acct, owner, billing, err := ownerAndBilling(ctx, tx, tn)
	if err != nil {
		return err
	}
	return enqueue(ctx, tx, tn, igny8.BankTransferMail{AccountName: acct.Name, Credits: c.Credits,
		Reference: c.Reference, Amount: c.Amount, Currency: c.Currency}, owner, billing)
}

// packReceipt writes the receipt of a confirmed credit purchase to the
// owner and the billing e-mail, in the transaction that confirmed it (an
// administrator's confirmation of a transfer, or Stripe's paid checkout).
func packReceipt(ctx context.Context, tx *Tx, tn tenant, c *igny8.CreditPurchase) error {
	acct, owner, billing, err := ownerAndBilling(ctx, tx, tn)
	if err != nil {
		return err
	}
	return enqueue(ctx, tx, tn, igny8.PackReceiptMail{AccountName: acct.Name, Credits: c.Credits, Amount: c.Amount,
		Currency: c.Currency, Reference: c.Reference, Method: c.Method, ConfirmedAt: tx.now}, owner, billing)
}

// packRejectedMail tells the owner a transfer for a pack was not accepted.
func packRejectedMail(ctx context.Context, tx *Tx, tn tenant, c *igny8.CreditPurchase, reason string) error {
	acct, owner, billing, err := ownerAndBilling(ctx, tx, tn)
	if err != nil {
		return err
	}
	return enqueue(ctx, tx, tn, igny8.PackRejectedMail{AccountName: acct.Name, Credits: c.Credits,
		Reference: c.Reference, Amount: c.Amount, Currency: c.Currency, Reason: reason}, owner, billing)
}
