package igny8

import "testing"

// principals of every kind the role matrix of docs/design.md section 5 knows.
func matrixPrincipals() map[string]*Principal {
	person := func(r Role) *Principal { return &Principal{Kind: CredentialJWT, UserID: "u", AccountID: "a", Role: r} }
	key := func(r Role, site string) *Principal {
		return &Principal{Kind: CredentialAPIKey, APIKeyID: "k", AccountID: "a", Role: r, SiteID: site}
	}
	return map[string]*Principal{
		"owner": person(RoleOwner), "admin": person(RoleAdmin), "editor": person(RoleEditor), "viewer": person(RoleViewer),
		"session owner": {Kind: CredentialSession, UserID: "u", AccountID: "a", Role: RoleOwner},
		"admin key":     key(RoleAdmin, ""), "editor key": key(RoleEditor, ""), "viewer key": key(RoleViewer, ""),
		"site admin key": key(RoleAdmin, "s"), "site editor key": key(RoleEditor, "s"), "site viewer key": key(RoleViewer, "s"),
		"developer": {Kind: CredentialJWT, UserID: "d", Role: RoleDeveloper},
	}
}

// TestRoleMatrix is the whole matrix: every principal kind x every action,
// with the expected answer written out from the design.
func TestRoleMatrix(t *testing.T) {
	all := []string{"owner", "session owner", "admin", "editor", "viewer", "admin key", "editor key", "viewer key",
		"site admin key", "site editor key", "site viewer key"}
	want := map[Action][]string{
		ActReadAccount:   all,
		ActEditAccount:   {"owner", "session owner", "admin", "admin key"},
		ActEditNotices:   {"owner", "session owner"},
		ActManageAPIKeys: {"owner", "session owner", "admin"},
		ActManageUsers:   {"owner", "session owner", "admin"},
		ActBilling:       {"owner", "session owner"},
		ActManageSites:   {"owner", "session owner", "admin", "admin key"},
		ActReadSites:     all,
		ActEditSites:     {"owner", "session owner", "admin", "editor", "admin key", "editor key", "site admin key", "site editor key"},
		ActRunAI:         {"owner", "session owner", "admin", "editor", "admin key", "editor key", "site admin key", "site editor key"},
		ActAdmin:         {"developer"},
	}
	for action, allowed := range want {
		yes := map[string]bool{}
		for _, n := range allowed {
			yes[n] = true
		}
		for name, p := range matrixPrincipals() {
			if got := Allowed(p, action); got != yes[name] {
				t.Errorf("Allowed(%s, %s) = %v, want %v", name, action, got, yes[name])
			}
			err := Authorize(p, action)
			if (err == nil) != yes[name] || err != nil && ErrorCode(err) != EForbidden {
				t.Errorf("Authorize(%s, %s) = %v", name, action, err)
			}
		}
	}
	if Allowed(nil, ActReadAccount) || ErrorCode(Authorize(nil, ActReadAccount)) != EUnauthenticated {
		t.Error("no principal must be refused as unauthenticated")
	}
	if Allowed(&Principal{Kind: CredentialJWT, Role: RoleOwner}, ActReadAccount) {
		t.Error("a principal without an account must be refused tenant actions")
	}
	if Allowed(&Principal{Kind: CredentialJWT, Role: RoleDeveloper, AccountID: "a"}, ActAdmin) {
		t.Error("a developer tied to an account must not be an admin")
	}
}

func TestSiteScope(t *testing.T) {
	want := map[string]SiteScopeKind{
		"owner": SitesAll, "session owner": SitesAll, "admin": SitesAll, "editor": SitesGranted, "viewer": SitesGranted,
		"admin key": SitesAll, "editor key": SitesAll, "viewer key": SitesAll,
		"site admin key": SitesBound, "site editor key": SitesBound, "site viewer key": SitesBound,
		"developer": SitesAll,
	}
	for name, p := range matrixPrincipals() {
		if got := SiteScope(p); got != want[name] {
			t.Errorf("SiteScope(%s) = %v, want %v", name, got, want[name])
		}
	}
}
