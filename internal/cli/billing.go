package cli

import (
	"context"
	"fmt"
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
	cmd := &cobra.Command{Use: "confirm PAYMENT_ID", Short: "Confirm a received bank transfer: activates the subscription and grants the plan's credits once",
		Args: cobra.ExactArgs(1)}
	cfg := e.withConfig(cmd, false)
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
			res, err := a.ConfirmPayment(ctx, args[0], in)
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
	cmd := &cobra.Command{Use: "reject PAYMENT_ID", Short: "Reject a pending payment; the account stays as it was", Args: cobra.ExactArgs(1)}
	cfg := e.withConfig(cmd, false)
	var in igny8.PaymentRejection
	cmd.Flags().StringVar(&in.Reason, "reason", "", "why the payment is rejected (required)")
	_ = cmd.MarkFlagRequired("reason")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return withAdmin(cmd, cfg, func(ctx context.Context, a *sqlstore.Admin) error {
			res, err := a.RejectPayment(ctx, args[0], in)
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
	cmd := &cobra.Command{Use: "pending", Short: "List the payments awaiting confirmation", Args: cobra.NoArgs}
	cfg := e.withConfig(cmd, false)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return withAdmin(cmd, cfg, func(ctx context.Context, a *sqlstore.Admin) error {
			page, err := a.ListPayments(ctx, igny8.PaymentFilter{Status: igny8.PaymentPending}, igny8.PageRequest{Limit: igny8.MaxPageSize})
			if err != nil {
				return err
			}
			for _, p := range page.Items {
				fmt.Fprintf(e.stdout, "%s  %s  %-10s %8d %s  %-30s %s old\n", p.Payment.ID, p.Payment.Reference, p.Payment.Plan,
					p.Payment.Amount, p.Payment.Currency, p.Account.Name, time.Duration(p.AgeSeconds)*time.Second)
			}
			return nil
		})
	}
	return cmd
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
