package web

// notices are the messages a redirect after a successful form may show
// (?notice=key); only these fixed texts can appear, never text from the URL.
var notices = map[string]string{
	"welcome":         "Welcome to igny8! Your free trial has started.",
	"logged_out":      "You have logged out.",
	"site_created":    "The site was created.",
	"site_saved":      "The site was saved.",
	"site_deleted":    "The site was deleted.",
	"site_restored":   "The site was restored.",
	"sector_added":    "The sector was added.",
	"sector_deleted":  "The sector was deleted.",
	"sector_restored": "The sector was restored.",
}
