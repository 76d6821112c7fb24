package igny8

import (
	"context"
	"time"
)

// InvitationTTL is how long an invitation link stays valid.
const InvitationTTL = 7 * 24 * time.Hour

// Invitation is a pending offer to join an account. It counts against the
// plan's max_users until it is accepted, revoked or expired.
type Invitation struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	InvitedBy string    `json:"invited_by"`
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
}

// NewInvitation is the form that invites a person. Role defaults to viewer.
type NewInvitation struct {
	Email string `json:"email" max:"254"`
	Name  string `json:"name,omitempty" max:"100"`
	Role  Role   `json:"role,omitempty" max:"20"`
}

// UserPatch changes a member of the account; nil fields stay as they are.
type UserPatch struct {
	Name *string `json:"name,omitempty" max:"100"`
	Role *Role   `json:"role,omitempty" max:"20"`
}

// InvitableRoles are the roles an invitation or a role change may give:
// ownership changes hands only by TransferOwnership.
func InvitableRoles() []Role { return []Role{RoleAdmin, RoleEditor, RoleViewer} }

// MemberService manages the people of the principal's account (DESIGN.md
// section 5: owners and admins, never the owner themselves).
type MemberService interface {
	// ListUsers pages through the account's live users.
	ListUsers(ctx context.Context, page PageRequest) (Page[User], error)
	// InviteUser records an invitation whose link carries the token hashed
	// as tokenHash. Errors: validation_failed, conflict (already a member
	// or invited), plan_limit_reached (users plus pending invitations).
	InviteUser(ctx context.Context, in NewInvitation, tokenHash string) (*Invitation, error)
	// ListInvitations pages through the account's pending invitations.
	ListInvitations(ctx context.Context, page PageRequest) (Page[Invitation], error)
	// RevokeInvitation withdraws a pending invitation, freeing its seat.
	// Errors: not_found.
	RevokeInvitation(ctx context.Context, id string) error
	// AcceptInvitation creates the invited user. It needs no principal: the
	// token is the credential. Errors: not_found (unknown, used or expired
	// token), conflict (email taken), plan_limit_reached, validation_failed.
	AcceptInvitation(ctx context.Context, tokenHash, name, passwordHash string) (*User, error)
	// UpdateUser changes a member's name or role. Errors: not_found,
	// forbidden (the owner's role, or making an owner), validation_failed.
	UpdateUser(ctx context.Context, id string, patch UserPatch) (*User, error)
	// RemoveUser soft-deletes a member and ends their sessions at once.
	// Errors: not_found, forbidden (the owner).
	RemoveUser(ctx context.Context, id string) error
	// TransferOwnership makes another member the owner and the caller an
	// admin; only the owner may. Errors: forbidden, not_found.
	TransferOwnership(ctx context.Context, userID string) error
}
