package ai

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/igny8/igny8"
)

// Section is one heading of an outline with its talking points.
type Section struct {
	Heading string   `json:"heading"`
	Points  []string `json:"points"`
}

// Draft is the local provider's article: an outline and a Markdown draft
// that follows it, for a writer to fill in.
type Draft struct {
	Title     string    `json:"title"`
	Outline   []Section `json:"outline"`
	Draft     string    `json:"draft"`
	WordCount int       `json:"word_count"`
}

func draft(in igny8.OperationInput) Draft {
	subject := strings.TrimSpace(in.Topic)
	if subject == "" {
		subject = strings.TrimSpace(in.Title)
	}
	title := strings.TrimSpace(in.Title)
	if title == "" {
		title = "The Complete Guide to " + titleCase(subject)
	}
	outline := []Section{
		{"Introduction", []string{"Who this article is for", "What the reader will be able to do afterwards"}},
		{"What " + subject + " Means", []string{"A plain definition", "Why it matters now"}},
	}
	for _, k := range in.NonEmptyKeywords() {
		outline = append(outline, Section{titleCase(k), []string{"How " + k + " relates to " + subject, "A practical example"}})
	}
	outline = append(outline,
		Section{"Getting Started", []string{"First steps", "Tools and resources"}},
		Section{"Common Mistakes", []string{"What to avoid", "How to recover"}},
		Section{"Conclusion", []string{"Key takeaways", "Next step for the reader"}})
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", title)
	for _, s := range outline {
		fmt.Fprintf(&b, "\n## %s\n\n", s.Heading)
		fmt.Fprintf(&b, "This section of the article on %s covers %s.\n\n", subject, strings.ToLower(strings.Join(s.Points, " and ")))
		for _, p := range s.Points {
			fmt.Fprintf(&b, "- %s\n", p)
		}
	}
	return Draft{Title: title, Outline: outline, Draft: b.String(), WordCount: len(strings.Fields(b.String()))}
}

var imageStyles = []string{"Editorial photograph", "Flat vector illustration", "Isometric 3D render",
	"Soft watercolor painting", "Minimal line drawing"}

// ImagePrompt is one prompt for an image generator with its alt text.
type ImagePrompt struct {
	Prompt string `json:"prompt"`
	Alt    string `json:"alt"`
}

func imagePrompts(in igny8.OperationInput) []ImagePrompt {
	subject := strings.TrimSpace(in.Title)
	if subject == "" {
		subject = strings.TrimSpace(in.Topic)
	}
	extra := ""
	if ks := in.NonEmptyKeywords(); len(ks) > 0 {
		extra = ", showing " + strings.Join(ks[:min(len(ks), 3)], ", ")
	}
	n := count(in)
	out := make([]ImagePrompt, 0, n)
	for i := 0; i < n; i++ {
		style := imageStyles[i%len(imageStyles)]
		out = append(out, ImagePrompt{
			Prompt: fmt.Sprintf("%s of %s%s, clear focal point, natural light, 16:9, no text", style, subject, extra),
			Alt:    fmt.Sprintf("%s illustrating %s", style, subject)})
	}
	return out
}

// Suggestion is one finding of a content review.
type Suggestion struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// Review is the local provider's rule-based content check.
type Review struct {
	Score          int                `json:"score"`
	WordCount      int                `json:"word_count"`
	Headings       int                `json:"headings"`
	KeywordDensity map[string]float64 `json:"keyword_density"`
	Suggestions    []Suggestion       `json:"suggestions"`
}

var headingRE = regexp.MustCompile(`(?m)^#{1,6}\s|(?i)<h[1-6][\s>]`)

func review(in igny8.OperationInput) Review {
	text := in.Content
	lower := strings.ToLower(text)
	r := Review{Score: 100, WordCount: len(strings.Fields(text)), KeywordDensity: map[string]float64{},
		Headings: len(headingRE.FindAllStringIndex(text, -1)), Suggestions: []Suggestion{}}
	add := func(kind, msg string, penalty int) {
		r.Suggestions = append(r.Suggestions, Suggestion{kind, msg})
		r.Score -= penalty
	}
	if r.WordCount < 300 {
		add("length", fmt.Sprintf("The text has %s; aim for at least 300 so that it can rank.", igny8.Plural(r.WordCount, "word")), 20)
	}
	if r.Headings == 0 {
		add("structure", "Add subheadings (H2/H3) so that readers and search engines can scan the text.", 15)
	}
	for _, p := range strings.Split(text, "\n\n") {
		if len(strings.Fields(p)) > 150 {
			add("readability", "Split paragraphs longer than 150 words.", 10)
			break
		}
	}
	for _, k := range in.NonEmptyKeywords() {
		n := strings.Count(lower, strings.ToLower(k))
		density := 0.0
		if r.WordCount > 0 {
			density = float64(n*len(strings.Fields(k))) * 100 / float64(r.WordCount)
		}
		r.KeywordDensity[k] = float64(int(density*100)) / 100
		switch {
		case n == 0:
			add("keyword", fmt.Sprintf("The keyword %q does not appear; use it in the introduction and a subheading.", k), 15)
		case density > 3:
			add("keyword", fmt.Sprintf("The keyword %q makes up %.1f%% of the text; reduce it below 3%%.", k, density), 10)
		}
	}
	r.Score = max(r.Score, 0)
	return r
}
