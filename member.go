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

// Invitation states, as the accept page shows them before its form.
const (
	InvitationPending   = "pending"
	InvitationUsed      = "used"
	InvitationWithdrawn = "withdrawn"
	InvitationExpired   = "expired"
	// InvitationEmailTaken is a pending invitation whose email has since
	// become another live user's: it cannot be accepted.
	InvitationEmailTaken = "email_taken"
)

// InvitationPreview is what the holder of an invitation link learns
// before accepting it: whose account, which role, who invited, and
// whether the link still works.
type InvitationPreview struct {
	AccountName string
	Email       string
	Name        string
	Role        Role
	// InvitedBy is the inviter's name (their email when they have none),
	// or "" when an API key invited or the inviter is gone.
	InvitedBy string
	ExpiresAt time.Time
	State     string
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

// MemberService manages the people of the principal's account (docs/design.md
// section 5: owners and admins, never the owner themselves).
type MemberService interface {
	// ListUsers pages through the account's live users.
	ListUsers(ctx context.Context, page PageRequest) (Page[User], error)
	// InviteUser records an invitation whose link carries token (stored
	// only hashed, as tokenHash) and, in the same transaction, the e-mail
	// that sends the link to the invited person. Errors: validation_failed, conflict naming the email
	// field (a live user's email, here or elsewhere, or already invited),
	// plan_limit_reached (users plus pending invitations). A removed
	// user's email may be invited: acceptance restores a user removed from
	// this account and replaces one removed from another.
	InviteUser(ctx context.Context, in NewInvitation, token, tokenHash string) (*Invitation, error)
	// ResendInvitation sends a pending invitation again with a new link
	// (token, stored hashed as tokenHash), valid for InvitationTTL from now;
	// the earlier link stops working. Errors: not_found (unknown, accepted,
	// revoked or another account's invitation).
	ResendInvitation(ctx context.Context, id, token, tokenHash string) (*Invitation, error)
	// ListInvitations pages through the account's pending invitations.
	ListInvitations(ctx context.Context, page PageRequest) (Page[Invitation], error)
	// RevokeInvitation withdraws a pending invitation, freeing its seat.
	// Errors: not_found.
	RevokeInvitation(ctx context.Context, id string) error
	// AcceptInvitation creates the invited user, or restores them when they
	// were removed from the account (see InviteUser). It needs no
	// principal: the token is the credential. Errors: not_found (unknown, used or expired
	// token), conflict (email taken), plan_limit_reached, validation_failed.
	AcceptInvitation(ctx context.Context, tokenHash, name, passwordHash string) (*User, error)
	// PreviewInvitation describes the invitation whose token hashes to
	// tokenHash, in whatever state it is. Like AcceptInvitation it needs
	// no principal. Errors: not_found (no such token).
	PreviewInvitation(ctx context.Context, tokenHash string) (*InvitationPreview, error)
	// UpdateUser changes a member's name or role. Errors: not_found,
	// forbidden (the owner's role, or making an owner), validation_failed.
	UpdateUser(ctx context.Context, id string, patch UserPatch) (*User, error)
	// RemoveUser soft-deletes a member and ends their sessions at once.
	// Errors: not_found, forbidden (the owner).
	RemoveUser(ctx context.Context, id string) error
	// ListDeletedUsers pages through the account's removed users that can
	// still be restored (their purge_after is in the future).
	ListDeletedUsers(ctx context.Context, page PageRequest) (Page[User], error)
	// RestoreUser brings back a removed user within retention, with their
	// role and site grants, withdrawing pending invitations to their email.
	// Errors: not_found, plan_limit_reached (users plus pending
	// invitations), forbidden.
	RestoreUser(ctx context.Context, id string) (*User, error)
	// TransferOwnership makes another member the owner and the caller an
	// admin; only the owner may. Errors: forbidden, not_found.
	TransferOwnership(ctx context.Context, userID string) error
}
