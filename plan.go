package igny8

import (
	"context"
	"time"
)

// Plan is what an account pays for: its price, its credits per period and
// its limits.
type Plan struct {
	ID                   string    `json:"id" max:"36"`
	Slug                 string    `json:"slug" max:"50"`
	Name                 string    `json:"name" max:"100"`
	Price                int64     `json:"price" min:"0"` // minor units (cents)
	Currency             string    `json:"currency" max:"3"`
	BillingPeriod        string    `json:"billing_period" max:"20"`
	IncludedCredits      int64     `json:"included_credits" min:"0"`
	MaxSites             int       `json:"max_sites" min:"0"`
	MaxUsers             int       `json:"max_users" min:"1"`
	MaxSectorsPerSite    int       `json:"max_sectors_per_site" min:"0"`
	APIRequestsPerMinute int       `json:"api_requests_per_minute" min:"1"`
	IsActive             bool      `json:"is_active"`
	Features             []string  `json:"features" max:"200"`
	CreatedAt            time.Time `json:"created_at"`
	UpdatedAt            time.Time `json:"updated_at"`
	// StripePriceID is the Stripe price that card checkout sells the plan
	// at; empty: the plan is not sold by card.
	StripePriceID string `json:"stripe_price_id" max:"100"`
}

// Plan slugs the system itself relies on.
const (
	PlanFreeTrial = "free-trial"
	PlanFree      = "free"
)

// SelfService reports whether a customer may buy p through checkout: a plan
// listed at 0 that is not a free plan (enterprise) is sold by a person.
func (p *Plan) SelfService() bool {
	return p.Price > 0 || p.Slug == PlanFree || p.Slug == PlanFreeTrial
}

// DefaultPlans is the catalogue of docs/design.md section 8.
func DefaultPlans() []Plan {
	mk := func(slug, name string, price, credits int64, sites, users, sectors, rpm int, features ...string) Plan {
		return Plan{Slug: slug, Name: name, Price: price, Currency: "USD", BillingPeriod: "month",
			IncludedCredits: credits, MaxSites: sites, MaxUsers: users, MaxSectorsPerSite: sectors,
			APIRequestsPerMinute: rpm, IsActive: true, Features: features}
	}
	return []Plan{
		mk("free", "Free Plan", 0, 100, 1, 1, 3, 60, "ai_operations"),
		FreeTrialPlan(),
		mk("starter", "Starter", 8900, 1000, 1, 2, 5, 300, "ai_operations", "wordpress"),
		mk("growth", "Growth", 13900, 2000, 3, 3, 5, 600, "ai_operations", "wordpress", "priority_queue"),
		mk("scale", "Scale", 22900, 4000, 5, 5, 5, 1200, "ai_operations", "wordpress", "priority_queue", "api_access"),
		mk("enterprise", "Enterprise", 0, 10000, 20, 10000, 5, 6000, "ai_operations", "wordpress", "priority_queue", "api_access", "dedicated_support"),
	}
}

// FreeTrialPlan is the plan every sign-up starts on.
func FreeTrialPlan() Plan {
	return Plan{Slug: PlanFreeTrial, Name: "Free Trial", Price: 0, Currency: "USD", BillingPeriod: "month",
		IncludedCredits: 2000, MaxSites: 1, MaxUsers: 1, MaxSectorsPerSite: 3, APIRequestsPerMinute: 120,
		IsActive: true, Features: []string{"ai_operations", "wordpress"}}
}

// PlanService reads the plan catalogue. Changing it is the admin side's
// (AdminPlanService and the seeding of the store's Admin).
type PlanService interface {
	// ListPlans returns the plans, only active ones unless all is set.
	ListPlans(ctx context.Context, all bool) ([]Plan, error)
	// PlanBySlug returns one plan or not_found.
	PlanBySlug(ctx context.Context, slug string) (*Plan, error)
}

// Industry is reference data: a line of business with its sectors.
type Industry struct {
	ID          string           `json:"id"`
	Slug        string           `json:"slug"`
	Name        string           `json:"name"`
	Description string           `json:"description"`
	IsActive    bool             `json:"is_active"`
	Sectors     []IndustrySector `json:"sectors"`
}

// IndustrySector is one sector of an industry.
type IndustrySector struct {
	ID         string `json:"id"`
	IndustryID string `json:"industry_id"`
	Slug       string `json:"slug"`
	Name       string `json:"name"`
}

// IndustryService reads the industry reference data.
type IndustryService interface {
	ListIndustries(ctx context.Context) ([]Industry, error)
}
