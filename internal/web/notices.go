package web

// notices are the messages a redirect after a successful form may show
// (?notice=key); only these fixed texts can appear, never text from the URL.
var notices = map[string]string{
	"welcome":    "Welcome to igny8! Your free trial has started.",
	"logged_out": "You have logged out.",
}
