package sqlstore

import (
	"context"
	"strings"

	"github.com/igny8/igny8"
)

// industrySeed is the reference data: industries and their sectors.
var industrySeed = []struct {
	name, description string
	sectors           []string
}{
	{"Technology", "Software, hardware and IT services", []string{"SaaS", "Cybersecurity", "Cloud Computing", "Consumer Electronics", "IT Services", "Artificial Intelligence"}},
	{"Healthcare", "Medical care, wellness and life sciences", []string{"Hospitals and Clinics", "Dental", "Mental Health", "Pharmaceuticals", "Medical Devices", "Telehealth"}},
	{"Finance", "Banking, insurance and investing", []string{"Banking", "Insurance", "Personal Finance", "Investing", "Accounting", "Fintech"}},
	{"E-commerce", "Online retail and marketplaces", []string{"Fashion and Apparel", "Home and Garden", "Beauty and Cosmetics", "Electronics Retail", "Marketplaces", "Subscription Boxes"}},
	{"Education", "Schools, training and e-learning", []string{"K-12", "Higher Education", "Online Courses", "Language Learning", "Test Preparation", "Corporate Training"}},
	{"Real Estate", "Property sales, rentals and management", []string{"Residential Sales", "Commercial Property", "Property Management", "Rentals", "Real Estate Investing", "Mortgages"}},
	{"Travel and Hospitality", "Travel, lodging and tourism", []string{"Hotels", "Vacation Rentals", "Tour Operators", "Airlines", "Travel Guides", "Cruises"}},
	{"Food and Beverage", "Restaurants, food products and drinks", []string{"Restaurants", "Recipes and Cooking", "Catering", "Coffee and Tea", "Wine and Spirits", "Food Delivery"}},
	{"Legal", "Law firms and legal services", []string{"Personal Injury", "Family Law", "Business Law", "Immigration", "Criminal Defense", "Estate Planning"}},
	{"Home Services", "Trades and services for the home", []string{"Plumbing", "Electrical", "HVAC", "Roofing", "Cleaning", "Landscaping"}},
	{"Automotive", "Vehicles, dealers and repair", []string{"Car Dealerships", "Auto Repair", "Car Rental", "Electric Vehicles", "Auto Parts", "Motorcycles"}},
	{"Marketing and Media", "Agencies, publishing and entertainment", []string{"Digital Marketing Agencies", "Publishing", "Podcasts", "Video Production", "Public Relations", "Events"}},
	{"Fitness and Wellness", "Gyms, sport and personal wellbeing", []string{"Gyms", "Yoga", "Nutrition", "Personal Training", "Sports Equipment", "Spas"}},
}

// slugify lowercases s and joins its words with hyphens.
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// Slugify is the slug rule used for sites, sectors and accounts.
func Slugify(s string) string { return slugify(s) }

// ListIndustries returns the active industries, each with its active sectors.
func (s *Industries) ListIndustries(ctx context.Context) ([]igny8.Industry, error) {
	rows, err := s.db.reader().query(ctx, `SELECT i.id, i.slug, i.name, i.description, i.is_active,
		s.id, s.slug, s.name
		FROM industries i LEFT JOIN industry_sectors s ON s.industry_id = i.id AND s.is_active = TRUE
		WHERE i.is_active = TRUE ORDER BY i.name, s.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []igny8.Industry
	for rows.Next() {
		var ind igny8.Industry
		var secID, secSlug, secName *string
		if err := rows.Scan(&ind.ID, &ind.Slug, &ind.Name, &ind.Description, &ind.IsActive, &secID, &secSlug, &secName); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != ind.ID {
			ind.Sectors = []igny8.IndustrySector{}
			out = append(out, ind)
		}
		if secID != nil {
			last := &out[len(out)-1]
			last.Sectors = append(last.Sectors, igny8.IndustrySector{ID: *secID, IndustryID: ind.ID, Slug: *secSlug, Name: *secName})
		}
	}
	return out, rows.Err()
}
