package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/config"
	"github.com/igny8/igny8/internal/mail"
	"github.com/igny8/igny8/internal/sqlstore"
)

// mailInterval is how often serve looks for due messages.
const mailInterval = 5 * time.Second

// mailCounters counts the outbox for Prometheus: messages queued (or
// kept) when their transaction commits, and each delivery attempt's outcome.
type mailCounters struct{ c *prometheus.CounterVec }

func newMailCounters(reg prometheus.Registerer) mailCounters {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "igny8_mail_messages_total",
		Help: "Messages by event: queued and kept (written by a committed change), sent, retried (a temporary failure) and failed (for good)."},
		[]string{"event"})
	for _, e := range []string{"queued", "kept", "sent", "retried", "failed"} {
		c.WithLabelValues(e)
	}
	reg.MustRegister(c)
	return mailCounters{c}
}

func (m mailCounters) stored(state string, n int) { m.c.WithLabelValues(state).Add(float64(n)) }
func (m mailCounters) Sent()                      { m.c.WithLabelValues("sent").Inc() }
func (m mailCounters) Retried()                   { m.c.WithLabelValues("retried").Inc() }
func (m mailCounters) Failed()                    { m.c.WithLabelValues("failed").Inc() }

// composer renders messages with the configured links and bank details.
func composer(cfg *config.Config) (*mail.Composer, error) {
	return mail.NewComposer(cfg.MailBaseURL(), igny8.BankAccount{Beneficiary: cfg.BankBeneficiary, IBAN: cfg.BankIBAN,
		BIC: cfg.BankBIC, BankName: cfg.BankName}, cfg.SupportEmail)
}

// setupMail makes the store write messages, and the worker that sends
// them when a mail server is configured.
func (s *App) setupMail() error {
	c, err := composer(s.cfg)
	if err != nil {
		return err
	}
	counters := newMailCounters(s.reg)
	s.outbox = sqlstore.NewOutbox(s.db)
	s.db.SetMail(c, s.cfg.SMTPURL != "", counters.stored)
	s.db.SetOperatorEmail(s.cfg.OperatorAddress())
	s.db.OnNoticeError(func(err error) { s.log.Warn("credits exhausted notice", "err", err.Error()) })
	if s.cfg.SMTPURL == "" {
		return nil
	}
	settings, err := mail.ParseSMTPURL(s.cfg.SMTPURL)
	if err != nil {
		return err
	}
	sender, err := mail.NewSender(*settings, s.cfg.MailFrom)
	if err != nil {
		return err
	}
	s.mail = &mail.Worker{Outbox: s.outbox, Delivery: sender, Counters: counters, Logger: s.log, Retention: s.cfg.Retention}
	return nil
}

// mailStatus is the line serve prints at start about mail.
func (s *App) mailStatus() string {
	if s.mail == nil {
		return "mail: kept, not sent (no --smtp-url): read messages with igny8 mail list or on /admin/mail"
	}
	settings, _ := mail.ParseSMTPURL(s.cfg.SMTPURL)
	return fmt.Sprintf("mail: sent through %s, links on %s", settings.Address(), s.cfg.MailBaseURL())
}

// RunMail delivers the outbox until ctx ends; with no mail server it
// keeps what others (the CLI) queued, since nothing here will send it.
func (s *App) RunMail(ctx context.Context) {
	if s.mail == nil {
		t := time.NewTicker(mailInterval)
		defer t.Stop()
		var lastPurge time.Time
		for {
			s.job(ctx, "keep queued mail", func(ctx context.Context) error { _, err := s.DeliverMail(ctx); return err })
			if time.Since(lastPurge) > time.Hour {
				lastPurge = time.Now()
				s.job(ctx, "purge kept mail", func(ctx context.Context) error { _, err := s.outbox.PurgeSent(ctx, s.cfg.Retention); return err })
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}
	s.mail.Run(ctx, mailInterval)
}

// DeliverMail does what serve does every few seconds, and reports how
// many messages it handled: it sends the messages due now or, with no
// mail server, keeps the queued ones.
func (s *App) DeliverMail(ctx context.Context) (int, error) {
	if s.mail == nil {
		n, err := s.outbox.KeepQueued(ctx)
		return int(n), err
	}
	return s.mail.RunOnce(ctx)
}

// SetMailTLS replaces the TLS settings of the mail sender (tests trust
// their own server with it).
func (s *App) SetMailTLS(f func(*mail.Sender)) {
	if s.mail != nil {
		f(s.mail.Delivery.(*mail.Sender))
	}
}

func (e *env) mailCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "mail", Short: "The messages igny8 made: queued, sent, failed, or kept when no mail server is configured"}
	list := &cobra.Command{Use: "list", Short: "List messages, newest first", Args: cobra.NoArgs}
	listCfg := e.withConfig(list, false)
	var f igny8.MessageFilter
	var limit int
	list.Flags().StringVar(&f.State, "state", "", "only messages in this state: "+strings.Join(igny8.MessageStates(), ", "))
	list.Flags().StringVar(&f.To, "to", "", "only messages to this address")
	list.Flags().IntVar(&limit, "limit", 50, "how many messages at most")
	list.RunE = func(cmd *cobra.Command, _ []string) error {
		return withAdmin(cmd, listCfg, func(ctx context.Context, a *sqlstore.Admin) error {
			page, err := a.ListMessages(ctx, f, igny8.PageRequest{Limit: limit})
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tCREATED\tSTATE\tTO\tSUBJECT")
			for _, m := range page.Items {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.ID, m.CreatedAt.Format(time.RFC3339), m.State, m.To, m.Subject)
			}
			return tw.Flush()
		})
	}
	show := &cobra.Command{Use: "show ID", Short: "Print one message: its headers, state and text (with its links)", Args: cobra.ExactArgs(1)}
	showCfg := e.withConfig(show, false)
	show.RunE = func(cmd *cobra.Command, args []string) error {
		return withAdmin(cmd, showCfg, func(ctx context.Context, a *sqlstore.Admin) error {
			m, err := a.GetMessage(ctx, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "To: %s\nSubject: %s\nState: %s\nCreated: %s\nAttempts: %d\n", m.To, m.Subject, m.State,
				m.CreatedAt.Format(time.RFC3339), m.Attempts)
			if m.SentAt != nil {
				fmt.Fprintf(e.stdout, "Sent: %s\n", m.SentAt.Format(time.RFC3339))
			}
			if m.LastError != "" {
				fmt.Fprintf(e.stdout, "Last error: %s\n", m.LastError)
			}
			fmt.Fprintf(e.stdout, "\n%s", m.Text)
			return nil
		})
	}
	cmd.AddCommand(list, show)
	return cmd
}
