package igny8

import "context"

// Role is what a person or an API key may do inside an account.
type Role string

// The roles of docs/design.md section 5. Developer is the system administrator and
// belongs to no account.
const (
	RoleDeveloper Role = "developer"
	RoleOwner     Role = "owner"
	RoleAdmin     Role = "admin"
	RoleEditor    Role = "editor"
	RoleViewer    Role = "viewer"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	switch r {
	case RoleDeveloper, RoleOwner, RoleAdmin, RoleEditor, RoleViewer:
		return true
	}
	return false
}

// CredentialKind says how a request proved who it is.
type CredentialKind string

// The ways a request can authenticate.
const (
	CredentialJWT     CredentialKind = "jwt"
	CredentialSession CredentialKind = "session"
	CredentialAPIKey  CredentialKind = "api_key"
	CredentialSystem  CredentialKind = "system" // the CLI and periodic jobs
)

// Principal is the authenticated caller of a request, resolved once by
// middleware. Every tenant-scoped store call reads the account from the
// principal in its context; no store call accepts an account id from input.
type Principal struct {
	Kind      CredentialKind
	UserID    string // empty for API keys and the system
	APIKeyID  string // set for API keys
	AccountID string // empty only for developers and the system
	Role      Role
	// SiteID is set for a site-bound API key: it may see only this site.
	SiteID string
	// SessionID identifies the JWT refresh family or web session, when any.
	SessionID string
	Email     string
	// FactorRequired: the person must use a second factor (a system
	// administrator, or a person of an account that requires one).
	FactorRequired bool
	// SecondFactor: this login (refresh family or web session) proved a
	// second factor that is still on.
	SecondFactor bool
	// EmailVerified is the person's users.email_verified_at being set,
	// read with the credential on every request (RequireVerifiedEmail).
	EmailVerified bool
}

// IsPerson reports whether the principal is a logged-in person rather than
// an API key or the system.
func (p *Principal) IsPerson() bool {
	return p.Kind == CredentialJWT || p.Kind == CredentialSession
}

// ActorID names the principal in audit events and ledger rows.
func (p *Principal) ActorID() string {
	switch {
	case p.UserID != "":
		return p.UserID
	case p.APIKeyID != "":
		return "api_key:" + p.APIKeyID
	default:
		return "system"
	}
}

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal of ctx, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// SystemContext returns a context acting as the system (CLI, periodic jobs).
// Only cross-tenant services accept it; it carries no account.
func SystemContext(ctx context.Context) context.Context {
	return WithPrincipal(ctx, &Principal{Kind: CredentialSystem, Role: RoleDeveloper})
}

// TenantPrincipal returns the principal of ctx when it belongs to an account.
// It fails closed: no principal is unauthenticated, and a principal without
// an account (a developer) is forbidden from tenant data.
func TenantPrincipal(ctx context.Context) (*Principal, error) {
	p := PrincipalFrom(ctx)
	if p == nil {
		return nil, Errorf(EUnauthenticated, "Authentication required.")
	}
	if p.AccountID == "" {
		return nil, Errorf(EForbidden, "This action needs an account.")
	}
	return p, nil
}

// AdminPrincipal returns the principal of ctx when it may act across
// accounts: a developer user or the system. Errors: unauthenticated, forbidden.
func AdminPrincipal(ctx context.Context) (*Principal, error) {
	p := PrincipalFrom(ctx)
	if p == nil {
		return nil, Errorf(EUnauthenticated, "Authentication required.")
	}
	if p.Role != RoleDeveloper || p.AccountID != "" {
		return nil, Errorf(EForbidden, "This action is for system administrators.")
	}
	return p, nil
}
