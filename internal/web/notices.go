package web

import "github.com/igny8/igny8/internal/workflow"

// notices are the messages a redirect after a successful form may show
// (?notice=key); only these fixed texts can appear, never text from the URL.
var notices = map[string]string{
	"welcome":            "Welcome to igny8! Your free trial has started.",
	"logged_out":         "You have logged out.",
	"site_created":       "The site was created.",
	"site_saved":         "The site was saved.",
	"site_deleted":       "The site was deleted.",
	"site_restored":      "The site was restored.",
	"sector_added":       "The sector was added.",
	"sector_deleted":     "The sector was deleted.",
	"sector_restored":    "The sector was restored.",
	"card_paid":          "Thank you: your card payment went through. Your plan is active as soon as Stripe confirms it, usually within a minute.",
	"card_cancelled":     "The card payment was not completed; nothing was charged. Choose a plan again when you are ready.",
	"checkout_started":   "Your order is placed. Transfer the amount with the reference below to activate the plan.",
	"account_suspend":    "The account was suspended.",
	"account_reactivate": "The account was reactivated.",
	"account_cancel":     "The account was cancelled.",
	"credits_adjusted":   "The credits were adjusted.",
	"payment_confirmed":  "The payment was confirmed: the plan is active and its credits were added.",
	"payment_rejected":   "The payment was rejected.",
	"plan_saved":         "The plan was saved.",
	"joined":             "Welcome! You have joined the account.",
	"invitation_revoked": "The invitation was withdrawn; its link no longer works.",
	"account_saved":      "The account settings were saved.",
	"user_role":          "The role was changed.",
	"user_remove":        "The user was removed; their sessions have ended. They can be restored below until their retention ends.",
	"user_restore":       "The user was restored with their role and site access; they can log in again.",
	"user_transfer":      "Ownership was transferred. You are now an admin of this account.",
	"access_granted":     "Site access was granted.",
	"access_revoked":     "Site access was revoked.",
	"key_revoked":        "The API key was revoked; it stops working at once.",
	"cancel_scheduled":   "Your subscription will end when the paid period ends.",
	"resumed":            "Your subscription is no longer set to end; it renews as usual.",
	"name_saved":         "Your name was saved.",
	"free_plan_active":   "You are on the Free Plan now: no payment is needed, and its credits were added.",
	"reset_sent":         workflow.ForgotPasswordAnswer,
	"password_reset":     "Your password was changed and every device that was logged in was logged out. Log in with your new password.",
}
