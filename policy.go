package igny8

// Action is something a principal may or may not do inside its account.
// The role matrix of docs/design.md section 5 is the table below and nowhere else.
type Action string

// The actions of the role matrix.
const (
	ActReadAccount   Action = "read_account" // account, plan, credits, usage
	ActEditAccount   Action = "edit_account" // account settings
	ActEditNotices   Action = "edit_notices" // which optional e-mails the owner receives
	ActManageAPIKeys Action = "manage_api_keys"
	ActManageUsers   Action = "manage_users" // invite, change role, remove
	ActBilling       Action = "billing"      // checkout, cancel, payments
	ActManageSites   Action = "manage_sites" // create, delete, restore sites; grant site access
	ActReadSites     Action = "read_sites"   // read sites and sectors (scoped by SiteScope)
	ActEditSites     Action = "edit_sites"   // edit a site, manage its sectors (scoped)
	ActRunAI         Action = "run_ai"       // run AI operations (scoped)
	ActAdmin         Action = "admin"        // the /admin endpoints, developers only
)

// personOnly lists the actions no API key may take, whatever its role:
// they need a person's login.
var personOnly = map[Action]bool{
	ActManageAPIKeys: true,
	ActManageUsers:   true,
	ActBilling:       true,
}

// policy is the role matrix: which roles may take which action. Site-scoped
// actions are further limited by SiteScope.
var policy = map[Action]map[Role]bool{
	ActReadAccount:   {RoleOwner: true, RoleAdmin: true, RoleEditor: true, RoleViewer: true},
	ActEditAccount:   {RoleOwner: true, RoleAdmin: true},
	ActEditNotices:   {RoleOwner: true},
	ActManageAPIKeys: {RoleOwner: true, RoleAdmin: true},
	ActManageUsers:   {RoleOwner: true, RoleAdmin: true},
	ActBilling:       {RoleOwner: true},
	ActManageSites:   {RoleOwner: true, RoleAdmin: true},
	ActReadSites:     {RoleOwner: true, RoleAdmin: true, RoleEditor: true, RoleViewer: true},
	ActEditSites:     {RoleOwner: true, RoleAdmin: true, RoleEditor: true},
	ActRunAI:         {RoleOwner: true, RoleAdmin: true, RoleEditor: true},
	ActAdmin:         {RoleDeveloper: true},
}

// Allowed reports whether p may take action a at all. For site-scoped
// actions the caller must also honour SiteScope.
func Allowed(p *Principal, a Action) bool {
	if p == nil {
		return false
	}
	if a == ActAdmin {
		return p.Role == RoleDeveloper && p.AccountID == ""
	}
	if p.AccountID == "" {
		return false
	}
	if p.Kind == CredentialAPIKey && personOnly[a] {
		return false
	}
	if p.Kind == CredentialAPIKey && p.SiteID != "" && (a == ActManageSites || a == ActEditAccount) {
		return false
	}
	return policy[a][p.Role]
}

// Authorize is Allowed as an error: forbidden when p may not take a.
func Authorize(p *Principal, a Action) error {
	if p == nil {
		return Errorf(EUnauthenticated, "Authentication required.")
	}
	if !Allowed(p, a) {
		return Errorf(EForbidden, "Your role does not allow this action.")
	}
	return nil
}

// SiteScopeKind says which of its account's sites a principal may see.
type SiteScopeKind int

// The three site scopes.
const (
	SitesAll     SiteScopeKind = iota // owners, admins, account-wide API keys
	SitesGranted                      // editors and viewers: SiteUserAccess rows
	SitesBound                        // a site-bound API key: its one site
)

// SiteScope returns which sites p may see.
func SiteScope(p *Principal) SiteScopeKind {
	switch {
	case p.SiteID != "":
		return SitesBound
	case p.Kind != CredentialAPIKey && (p.Role == RoleEditor || p.Role == RoleViewer):
		return SitesGranted
	default:
		return SitesAll
	}
}
