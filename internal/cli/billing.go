package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/sqlstore"
	"github.com/spf13/cobra"
)

// bankAccount is the configured destination of bank transfers.
func (s *App) bankAccount() igny8.BankAccount {
	return igny8.BankAccount{Beneficiary: s.cfg.BankBeneficiary, IBAN: s.cfg.BankIBAN, BIC: s.cfg.BankBIC, BankName: s.cfg.BankName}
}

// grace is how long after a period's end an unpaid subscription stays active.
func (s *App) grace() time.Duration { return time.Duration(s.cfg.GraceDays) * 24 * time.Hour }

// runBillingJob runs the billing job once (past due, end of cancelled
// subscriptions) and logs what it changed.
func (s *App) runBillingJob(ctx context.Context) {
	res, err := s.admin.RunBillingJob(igny8.SystemContext(ctx), s.grace())
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("billing job", "err", err.Error())
		}
		return
	}
	if res.PastDue > 0 || res.Cancelled > 0 || res.Renewed > 0 {
		s.log.Info("billing job", "past_due", res.PastDue, "cancelled", res.Cancelled, "renewed", res.Renewed)
	}
}

// RunBillingJob runs the billing job once, as the periodic jobs do.
func (s *App) RunBillingJob(ctx context.Context) (igny8.BillingJobResult, error) {
	return s.admin.RunBillingJob(igny8.SystemContext(ctx), s.grace())
}

func (e *env) billingCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "billing", Short: "Decide bank-transfer payments (the same code path as the admin API)"}
	cmd.AddCommand(e.billingConfirmCmd(), e.billingRejectCmd(), e.billingPendingCmd())
	return cmd
}

func (e *env) billingConfirmCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "confirm PAYMENT_ID|REFERENCE",
		Short: "Confirm a received bank transfer (by payment id or reference, e.g. IGNY8-7KQ2-M4XD): activates the subscription and grants the plan's credits once",
		Args:  cobra.ExactArgs(1)}
	cfg := e.withConfig(cmd, false)
	cfg.BindMailLinks(cmd.Flags())
	var in igny8.PaymentConfirmation
	var received int64
	cmd.Flags().StringVar(&in.ExternalReference, "external-reference", "", "the bank's reference of the transfer")
	cmd.Flags().Int64Var(&received, "amount-received", -1, "the amount received in minor units, when it differs (needs --note)")
	cmd.Flags().StringVar(&in.Note, "note", "", "a note kept with the payment")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if cmd.Flags().Changed("amount-received") {
			in.AmountReceived = &received
		}
		return withAdmin(cmd, cfg, func(ctx context.Context, a *sqlstore.Admin) error {
			id, err := paymentID(ctx, a, args[0])
			if err != nil {
				return err
			}
			res, err := a.ConfirmPayment(ctx, id, in)
			if err != nil {
				return err
			}
			e.printResult(res)
			return nil
		})
	}
	return cmd
}

func (e *env) billingRejectCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "reject PAYMENT_ID|REFERENCE", Short: "Reject a pending payment (by payment id or reference); the account stays as it was",
		Args: cobra.ExactArgs(1)}
	cfg := e.withConfig(cmd, false)
	cfg.BindMailLinks(cmd.Flags())
	var in igny8.PaymentRejection
	cmd.Flags().StringVar(&in.Reason, "reason", "", "why the payment is rejected (required)")
	_ = cmd.MarkFlagRequired("reason")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return withAdmin(cmd, cfg, func(ctx context.Context, a *sqlstore.Admin) error {
			id, err := paymentID(ctx, a, args[0])
			if err != nil {
				return err
			}
			res, err := a.RejectPayment(ctx, id, in)
			if err != nil {
				return err
			}
			e.printResult(res)
			return nil
		})
	}
	return cmd
}

func (e *env) billingPendingCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "pending", Short: "List the payments awaiting confirmation, oldest first", Args: cobra.NoArgs}
	cfg := e.withConfig(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return withAdmin(cmd, cfg, func(ctx context.Context, a *sqlstore.Admin) error {
			var pending []igny8.AdminPayment
			page := igny8.PageRequest{Limit: igny8.MaxPageSize}
			for {
				res, err := a.ListPayments(ctx, igny8.PaymentFilter{Status: igny8.PaymentPending}, page)
				if err != nil {
					return err
				}
				pending = append(pending, res.Items...)
				if res.NextCursor == nil {
					break
				}
				page.Cursor = *res.NextCursor
			}
			if len(pending) == 0 {
				fmt.Fprintln(e.stdout, "No payments are awaiting confirmation.")
				return nil
			}
			w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "REFERENCE\tAMOUNT\tPLAN\tACCOUNT\tWAITING\tCREATED\tPAYMENT ID")
			for i := len(pending) - 1; i >= 0; i-- {
				p := pending[i]
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Payment.Reference, igny8.FormatMoney(p.Payment.Amount, p.Payment.Currency),
					p.Payment.Plan, oneLine(p.Account.Name), age(p.AgeSeconds), p.Payment.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"), p.Payment.ID)
			}
			return w.Flush()
		})
	}
	return cmd
}

// paymentID turns what an operator typed, a payment id or its reference
// (any case, spaces ignored), into the payment's id. Errors: not_found.
func paymentID(ctx context.Context, a *sqlstore.Admin, arg string) (string, error) {
	ref := igny8.NormalizeReference(arg)
	if !strings.HasPrefix(ref, "IGNY8-") {
		return arg, nil
	}
	page, err := a.ListPayments(ctx, igny8.PaymentFilter{Reference: ref}, igny8.PageRequest{Limit: 1})
	if err != nil {
		return "", err
	}
	if len(page.Items) == 0 {
		return "", igny8.Errorf(igny8.ENotFound, "No payment has the reference %s.", ref)
	}
	return page.Items[0].Payment.ID, nil
}

// age writes how long a payment has waited, to the minute: 2d 3h, 4h 05m, 12m.
func age(seconds int64) string {
	d := time.Duration(seconds) * time.Second
	days, hours, mins := int64(d/(24*time.Hour)), int64(d%(24*time.Hour)/time.Hour), int64(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case hours > 0:
		return fmt.Sprintf("%dh %02dm", hours, mins)
	default:
		return fmt.Sprintf("%dm", mins)
	}
}

// oneLine keeps a name that a customer typed on one table row.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }), " ")
}

func (e *env) printResult(res *igny8.PaymentResult) {
	p, s := res.Payment, res.Subscription
	fmt.Fprintf(e.stdout, "payment %s (%s): %s\n", p.ID, p.Reference, p.Status)
	if s.CurrentPeriodEnd != nil {
		fmt.Fprintf(e.stdout, "subscription %s: %s on %s until %s\n", s.ID, s.Status, s.Plan.Slug, s.CurrentPeriodEnd.Format(time.RFC3339))
	} else {
		fmt.Fprintf(e.stdout, "subscription %s: %s on %s\n", s.ID, s.Status, s.Plan.Slug)
	}
}
