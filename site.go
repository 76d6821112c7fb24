package igny8

import (
	"context"
	"time"
)

// Site is one website of an account. Its slug is unique among the
// account's live sites; a deleted site keeps its row until purge.
type Site struct {
	ID         string     `json:"id"`
	AccountID  string     `json:"account_id"`
	Name       string     `json:"name"`
	Slug       string     `json:"slug"`
	Domain     string     `json:"domain"`
	IndustryID *string    `json:"industry_id"`
	IsActive   bool       `json:"is_active"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	DeletedAt  *time.Time `json:"deleted_at,omitempty"`
	PurgeAfter *time.Time `json:"purge_after,omitempty"`
	// LegacyID is the site's id in the Django system it was imported from
	// (igny8 import django), null for sites made here; the WordPress
	// plugin's stored site id.
	LegacyID *int64 `json:"legacy_id"`
}

// Sector is a line of business a site writes about. Its account is always
// its site's, set by the system.
type Sector struct {
	ID               string     `json:"id"`
	AccountID        string     `json:"account_id"`
	SiteID           string     `json:"site_id"`
	IndustrySectorID *string    `json:"industry_sector_id"`
	Name             string     `json:"name"`
	Slug             string     `json:"slug"`
	IsActive         bool       `json:"is_active"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	DeletedAt        *time.Time `json:"deleted_at,omitempty"`
	PurgeAfter       *time.Time `json:"purge_after,omitempty"`
}

// SiteAccess grants an editor or viewer one site of their account.
type SiteAccess struct {
	SiteID    string    `json:"site_id"`
	UserID    string    `json:"user_id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	GrantedBy string    `json:"granted_by"`
	GrantedAt time.Time `json:"granted_at"`
}

// SiteCreate is the form that creates a site. Slug is generated from the
// name when empty; Domain is an http(s) URL (a bare host means https).
type SiteCreate struct {
	Name       string  `json:"name" max:"100"`
	Slug       string  `json:"slug,omitempty" max:"100"`
	Domain     string  `json:"domain,omitempty" max:"255"`
	IndustryID *string `json:"industry_id,omitempty" max:"36"`
	IsActive   *bool   `json:"is_active,omitempty"`
}

// SitePatch changes the fields it sets. An empty IndustryID clears the
// site's industry.
type SitePatch struct {
	Name       *string `json:"name,omitempty" max:"100"`
	Slug       *string `json:"slug,omitempty" max:"100"`
	Domain     *string `json:"domain,omitempty" max:"255"`
	IndustryID *string `json:"industry_id,omitempty" max:"36"`
	IsActive   *bool   `json:"is_active,omitempty"`
}

// SiteFilter narrows a site list. Q matches name or domain.
type SiteFilter struct {
	IsActive   *bool
	IndustryID string
	// LegacyID finds the site imported from the Django site of that id.
	LegacyID *int64
	Q        string
	// Deleted lists the deleted sites that can still be restored instead of
	// the live ones; it needs manage_sites (owners and admins).
	Deleted bool
}

// SectorCreate is the form that adds a sector to a site; Name defaults to
// the industry sector's name.
type SectorCreate struct {
	IndustrySectorID string `json:"industry_sector_id" max:"36"`
	Name             string `json:"name,omitempty" max:"100"`
}

// SectorPatch changes the fields it sets.
type SectorPatch struct {
	Name     *string `json:"name,omitempty" max:"100"`
	IsActive *bool   `json:"is_active,omitempty"`
}

// SiteAccessGrant names the user to grant a site to.
type SiteAccessGrant struct {
	UserID string `json:"user_id" max:"36"`
}

// SiteService manages an account's sites, their sectors and who may see
// them. Every method acts on the account of the principal in ctx and sees
// only the sites SiteScope allows it: a site it cannot see answers
// not_found, exactly like a missing one. Every method may also answer
// unauthenticated (no principal) and forbidden (no account, or a role that
// may not take the action).
type SiteService interface {
	// CreateSite adds a live site. Errors: validation_failed, conflict
	// (slug taken), plan_limit_reached (max_sites).
	CreateSite(ctx context.Context, in SiteCreate) (*Site, error)
	// Site returns one live site. Errors: not_found.
	Site(ctx context.Context, id string) (*Site, error)
	// ListSites pages through the live sites, oldest first.
	// Errors: validation_failed (cursor).
	ListSites(ctx context.Context, f SiteFilter, pr PageRequest) (*Page[Site], error)
	// CountSites is the number of the account's live sites, the count
	// max_sites limits, whichever of them the caller may see (editors and
	// viewers learn how many sites the account has, not which).
	CountSites(ctx context.Context) (int, error)
	// UpdateSite changes a live site. Errors: not_found, validation_failed,
	// conflict (slug taken; industry change with sectors of another industry).
	UpdateSite(ctx context.Context, id string, in SitePatch) (*Site, error)
	// DeleteSite soft-deletes a site with its sectors; its access grants
	// are hidden until a restore. Errors: not_found.
	DeleteSite(ctx context.Context, id string) error
	// RestoreSite brings back a deleted site and the sectors deleted with
	// it, within retention. Errors: not_found (never deleted, or retention
	// over), conflict (slug taken meanwhile), plan_limit_reached.
	RestoreSite(ctx context.Context, id string) (*Site, error)

	// ListSectors pages through a live site's live sectors.
	// Errors: not_found, validation_failed (cursor).
	ListSectors(ctx context.Context, siteID string, pr PageRequest) (*Page[Sector], error)
	// CreateSector adds a sector to a live site. Errors: not_found,
	// validation_failed, conflict (slug taken), plan_limit_reached
	// (max_sectors_per_site).
	CreateSector(ctx context.Context, siteID string, in SectorCreate) (*Sector, error)
	// UpdateSector changes a live sector. Errors: not_found,
	// validation_failed, conflict.
	UpdateSector(ctx context.Context, id string, in SectorPatch) (*Sector, error)
	// DeleteSector soft-deletes a sector. Errors: not_found.
	DeleteSector(ctx context.Context, id string) error
	// RestoreSector brings back a sector deleted on its own, within
	// retention. Errors: not_found, conflict, plan_limit_reached.
	RestoreSector(ctx context.Context, id string) (*Sector, error)

	// ListSiteAccess pages through a site's access grants.
	// Errors: not_found, validation_failed (cursor).
	ListSiteAccess(ctx context.Context, siteID string, pr PageRequest) (*Page[SiteAccess], error)
	// GrantSiteAccess gives a member of the account access to a site (it
	// matters for editors and viewers; owners and admins see every site);
	// granting twice is not an error. Errors: not_found, validation_failed
	// (user_id not a live member of the account).
	GrantSiteAccess(ctx context.Context, siteID string, in SiteAccessGrant) (*SiteAccess, error)
	// RevokeSiteAccess removes a grant. Errors: not_found.
	RevokeSiteAccess(ctx context.Context, siteID, userID string) error
}

// AccountDeletion is the owner's way out: deleting the whole account.
type AccountDeletion interface {
	// DeleteAccount cancels and soft-deletes the principal's account with
	// its sites and sectors; the account's credentials stop working at once
	// and an admin can restore it within retention. Only the owner, as a
	// person, may do it. Errors: forbidden.
	DeleteAccount(ctx context.Context) error
}

// PurgeReport counts the rows a purge removed.
type PurgeReport struct {
	Accounts int64 `json:"accounts"`
	Sites    int64 `json:"sites"`
	Sectors  int64 `json:"sectors"`
	Users    int64 `json:"users"`
}

// DeletedAccount is an account its owner deleted, restorable until
// PurgeAfter.
type DeletedAccount struct {
	Account
	PurgeAfter time.Time `json:"purge_after"`
}

// RetentionAdmin is the cross-tenant side of soft delete: restoring a
// deleted account and purging what retention no longer keeps.
type RetentionAdmin interface {
	// ListDeletedAccounts pages through the deleted accounts that can
	// still be restored, oldest first. Errors: forbidden,
	// validation_failed (cursor).
	ListDeletedAccounts(ctx context.Context, pr PageRequest) (*Page[DeletedAccount], error)
	// RestoreAccount undoes an account deletion within retention.
	// Errors: forbidden, not_found (not deleted, or retention over).
	RestoreAccount(ctx context.Context, accountID string) (*Account, error)
	// Purge hard-deletes the soft-deleted accounts, sites, sectors and
	// users whose retention has passed. Errors: forbidden.
	Purge(ctx context.Context) (PurgeReport, error)
}
