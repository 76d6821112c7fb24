package mail

import (
	"fmt"
	"strconv"

	"github.com/igny8/igny8"
)

// The notices to the owner about the trial, the credits and past due.

// optOut is the line of an optional notice saying where to turn it off.
const optOut = "You can turn these reminders off on your account page, under E-mail notices."

func (c *Composer) trialEnding(m igny8.TrialEndingMail) view {
	acct := plain(m.AccountName)
	when := "in " + strconv.Itoa(m.DaysLeft) + " days"
	switch {
	case m.DaysLeft <= 0:
		when = "today"
	case m.DaysLeft == 1:
		when = "tomorrow"
	}
	return view{
		Subject:  "Your igny8 trial for " + acct + " ends " + when,
		Greeting: "Hello,",
		Paragraphs: []string{
			"The free trial of " + acct + " ends on " + day(m.EndsAt) + ".",
			"To keep your sites, team and API keys working after that, choose a plan on your billing page. " +
				"Nothing is lost when the trial ends: the account waits for you.",
		},
		Action: action{Label: "Choose a plan", URL: c.link("/billing", nil)},
		After:  []string{optOut},
	}
}

func (c *Composer) trialEnded(m igny8.TrialEndedMail) view {
	acct := plain(m.AccountName)
	return view{
		Subject:  "Your igny8 trial for " + acct + " has ended",
		Greeting: "Hello,",
		Paragraphs: []string{
			"The free trial of " + acct + " ended on " + day(m.EndedAt) + ". The account is paused: its members " +
				"cannot use it and its API keys are refused until you choose a plan.",
			"Your sites and settings are kept. As the owner you can still sign in and pay from your billing page.",
		},
		Action: action{Label: "Choose a plan", URL: c.link("/billing", nil)},
		After:  []string{"Questions? Write to " + plain(c.support) + "."},
	}
}

func (c *Composer) creditsLow(m igny8.CreditsLowMail) view {
	acct := plain(m.AccountName)
	return view{
		Subject:  "Credits are running low for " + acct,
		Greeting: "Hello,",
		Paragraphs: []string{
			fmt.Sprintf("%s has %s left, less than a tenth of the %s the %s plan includes.",
				acct, creditCount(m.Balance), creditCount(m.Included), plain(m.PlanName)),
			"When the credits run out, AI operations are refused until more are added. You can buy credits now.",
		},
		Action: action{Label: "Buy credits", URL: c.link("/credits", nil) + "#buy"},
		After:  []string{"You can turn these warnings off on your account page, under E-mail notices."},
	}
}

func (c *Composer) creditsExhausted(m igny8.CreditsExhaustedMail) view {
	acct := plain(m.AccountName)
	first := acct + " has no credits left: AI operations are refused until more are added."
	if m.Required > 0 {
		first = fmt.Sprintf("An AI operation of %s was refused: it needed %s and the balance is %s. "+
			"Operations are refused until more credits are added.", acct, creditCount(m.Required), creditCount(m.Balance))
	}
	return view{
		Subject:    "Out of credits: AI operations of " + acct + " are refused",
		Greeting:   "Hello,",
		Paragraphs: []string{first, "You can buy credits now, or wait for your plan's next period."},
		Action:     action{Label: "Buy credits", URL: c.link("/credits", nil) + "#buy"},
	}
}

func (c *Composer) pastDue(m igny8.PastDueMail) view {
	acct := plain(m.AccountName)
	paras := []string{fmt.Sprintf("We have not received the payment for the %s plan of %s for the period that ended on %s.",
		plain(m.PlanName), acct, day(m.PeriodEnd))}
	subject := "Payment overdue for " + acct
	if m.Suspended {
		subject = "Payment overdue: your igny8 account " + acct + " is suspended"
		paras = append(paras, "The account is suspended until the payment arrives: its members cannot use it and its "+
			"API keys are refused. Your sites and settings are kept, and as the owner you can still sign in and pay.")
	} else {
		paras = append(paras, "Please pay from your billing page to keep the subscription going.")
	}
	return view{
		Subject:    subject,
		Greeting:   "Hello,",
		Paragraphs: paras,
		Action:     action{Label: "Pay now", URL: c.link("/billing", nil)},
		After:      []string{"Already paid? Write to " + plain(c.support) + " with your payment's reference."},
	}
}

// creditCount writes a number of credits, "1 credit", "1,250 credits".
func creditCount(n int64) string {
	if n == 1 {
		return "1 credit"
	}
	if n < 0 {
		return "-" + igny8.GroupThousands(strconv.FormatInt(-n, 10)) + " credits"
	}
	return igny8.GroupThousands(strconv.FormatInt(n, 10)) + " credits"
}
