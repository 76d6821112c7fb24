package sqlstore

import (
	"context"

	"github.com/igny8/igny8"
)

// tenant is the one account an account-scoped store helper reads and
// writes. Helpers take a tenant, never an account id string, and its field
// is unexported, so a tenant comes from one of the constructors below and
// nowhere else (TestNoRawAccountIDs keeps it so):
//
//   - scope, from the tenant principal in ctx (fails closed), and self,
//     the account of the person in ctx (none for a developer);
//   - newTenant, for the account a sign-up transaction creates;
//   - invitedTenant, for the account whose invitation token was presented,
//     linkedTenant, for the account of the user whose e-mail link was,
//     and resetTenant, for the account of the user a password reset link
//     names,
//     and formerTenant, for the account a removed user left when the email
//     joins another account that way;
//   - system.reach, the cross-tenant reach of the admin and system side,
//     which needs a system value, itself only made by asSystem from a
//     developer or system principal.
//
// A grep for "reach(" and "formerTenant(" therefore finds every place the
// store crosses tenants.
type tenant struct{ id string }

// scope returns the principal of ctx and its account when the principal
// belongs to an account, and fails closed otherwise. Every tenant-scoped
// store method starts here.
func scope(ctx context.Context) (*igny8.Principal, tenant, error) {
	p, err := igny8.TenantPrincipal(ctx)
	if err != nil {
		return nil, tenant{}, err
	}
	return p, tenant{id: p.AccountID}, nil
}

// self is the person of ctx (a user logged in with an access token or a
// web session) and their account, none for a developer.
// Errors: unauthenticated.
func self(ctx context.Context) (*igny8.Principal, tenant, error) {
	p := igny8.PrincipalFrom(ctx)
	if p == nil || p.UserID == "" || !p.IsPerson() {
		return nil, tenant{}, igny8.Errorf(igny8.EUnauthenticated, "Authentication required.")
	}
	return p, tenant{id: p.AccountID}, nil
}

// newTenant returns a fresh account id for the account a sign-up creates
// in its transaction: no other tenant can hold it.
func newTenant() tenant { return tenant{id: newID()} }

// invitedTenant is the account of an invitation found by the hash of its
// token: presenting the token is the credential that reaches it.
func invitedTenant(inv invitationRow) tenant { return tenant{id: inv.accountID} }

// linkedTenant is the account of u, the user whose e-mail link was found
// by the hash of its token: presenting the token is the credential that
// reaches it (none for a developer).
func linkedTenant(u *igny8.User) tenant {
	if u.AccountID == nil {
		return tenant{}
	}
	return tenant{id: *u.AccountID}
}

// resetTenant is the account of the user a password reset link, or a reset
// request's e-mail, names: the link (or the mailbox it is sent to) is the
// credential, and the store writes there only the link's messages and the
// reset's audit event.
func resetTenant(accountID string) tenant { return tenant{id: accountID} }

// formerTenant is the account a removed user left, when the user's row is
// purged because its email joins another account by invitation: the one
// write outside the admin side into an account whose members did not ask
// for it (its audit event, user.purged, says so).
func formerTenant(accountID string) tenant { return tenant{id: accountID} }

// system proves that ctx acts as a developer or the system (the admin API,
// the CLI, periodic jobs, provider events): only asSystem makes one.
type system struct{ p *igny8.Principal }

// asSystem returns the system side of ctx. Errors: unauthenticated,
// forbidden (as igny8.AdminPrincipal).
func asSystem(ctx context.Context) (system, error) {
	p, err := igny8.AdminPrincipal(ctx)
	if err != nil {
		return system{}, err
	}
	return system{p: p}, nil
}

// reach returns account accountID for a cross-tenant helper call.
func (system) reach(accountID string) tenant { return tenant{id: accountID} }

// noTenant names no account: audit events outside any account.
var noTenant = tenant{}
