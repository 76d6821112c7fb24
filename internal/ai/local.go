package ai

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/igny8/igny8"
)

// LocalModel is the model name the local provider reports.
const LocalModel = "igny8-local"

// Local is the development provider, the default when no AI provider is
// configured: it is NOT artificial intelligence. It answers every
// operation instantly and deterministically from its input with simple
// text rules (keyword clusters by shared words, idea titles from
// templates, an outline-shaped draft, image prompts, rule-based content
// checks), so that the whole metered flow works offline and in tests. Its
// token counts are estimates (four bytes a token).
type Local struct{}

var _ igny8.AIProvider = Local{}

// Run produces the operation's output from the input alone.
func (Local) Run(ctx context.Context, req igny8.AIRequest) (*igny8.AIResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out any
	in := req.Input
	switch req.Operation {
	case igny8.OpAutoCluster:
		out = map[string]any{"clusters": clusterKeywords(in.NonEmptyKeywords())}
	case igny8.OpGenerateIdeas:
		out = map[string]any{"ideas": ideas(in)}
	case igny8.OpGenerateContent:
		out = draft(in)
	case igny8.OpGenerateImages:
		out = map[string]any{"prompts": imagePrompts(in)}
	case igny8.OpOptimizeContent:
		out = review(in)
	default:
		return nil, fmt.Errorf("ai: unknown operation %q", req.Operation)
	}
	data, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	input, _ := json.Marshal(in)
	return &igny8.AIResponse{Output: data, Model: LocalModel,
		TokensIn: int64(len(input)+3) / 4, TokensOut: int64(len(data)+3) / 4}, nil
}

var stopwords = map[string]bool{"a": true, "an": true, "and": true, "the": true, "for": true, "of": true,
	"to": true, "in": true, "on": true, "with": true, "how": true, "what": true, "best": true, "is": true,
	"vs": true, "near": true, "me": true, "my": true, "your": true, "top": true, "at": true, "by": true}

// words returns the lowercase significant words of s.
func words(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if !stopwords[w] && len(w) > 1 {
			out = append(out, w)
		}
	}
	return out
}

// Cluster is one group of keywords.
type Cluster struct {
	Name     string   `json:"name"`
	Keywords []string `json:"keywords"`
}

// clusterKeywords puts each keyword under the word it shares with the most
// other keywords; keywords that share no word go to "Other".
func clusterKeywords(keywords []string) []Cluster {
	df := map[string]int{}
	for _, k := range keywords {
		seen := map[string]bool{}
		for _, w := range words(k) {
			if !seen[w] {
				seen[w], df[w] = true, df[w]+1
			}
		}
	}
	groups := map[string][]string{}
	for _, k := range keywords {
		best := ""
		for _, w := range words(k) {
			if df[w] > 1 && (df[w] > df[best] || df[w] == df[best] && w < best) {
				best = w
			}
		}
		groups[best] = append(groups[best], k)
	}
	out := make([]Cluster, 0, len(groups))
	for w, ks := range groups {
		name := "Other"
		if w != "" {
			name = titleCase(w)
		}
		out = append(out, Cluster{Name: name, Keywords: ks})
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Name == "Other") != (out[j].Name == "Other") {
			return out[j].Name == "Other"
		}
		if len(out[i].Keywords) != len(out[j].Keywords) {
			return len(out[i].Keywords) > len(out[j].Keywords)
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func titleCase(s string) string {
	ws := strings.Fields(s)
	for i, w := range ws {
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		ws[i] = string(r)
	}
	return strings.Join(ws, " ")
}

// subjects returns what ideas and drafts are about: the keywords, else the
// topic or title.
func subjects(in igny8.OperationInput) []string {
	if ks := in.NonEmptyKeywords(); len(ks) > 0 {
		return ks
	}
	for _, s := range []string{in.Topic, in.Title} {
		if s = strings.TrimSpace(s); s != "" {
			return []string{s}
		}
	}
	return []string{"your topic"}
}

func count(in igny8.OperationInput) int {
	if in.Count > 0 {
		return in.Count
	}
	return 5
}

var ideaTemplates = []struct{ angle, title string }{
	{"guide", "The Complete Guide to %s"},
	{"how-to", "How to Get Started with %s: A Step-by-Step Plan"},
	{"mistakes", "%s: 7 Common Mistakes and How to Avoid Them"},
	{"comparison", "Choosing %s: What to Compare Before You Decide"},
	{"checklist", "The %s Checklist for Beginners"},
	{"trends", "What Is Changing in %s This Year"},
	{"faq", "%s: Answers to the Questions People Ask Most"},
	{"case-study", "How One Business Improved Results with %s"},
}

// Idea is one article idea.
type Idea struct {
	Title   string `json:"title"`
	Keyword string `json:"keyword"`
	Angle   string `json:"angle"`
}

func ideas(in igny8.OperationInput) []Idea {
	subs := subjects(in)
	n := count(in)
	out := make([]Idea, 0, n)
	for i := 0; i < n; i++ {
		s := subs[i%len(subs)]
		t := ideaTemplates[i%len(ideaTemplates)]
		out = append(out, Idea{Title: fmt.Sprintf(t.title, titleCase(s)), Keyword: s, Angle: t.angle})
	}
	return out
}

// NewProvider returns the OpenAI-compatible provider when cfg names a base
// URL, and the local development provider otherwise.
func NewProvider(cfg OpenAIConfig) (igny8.AIProvider, error) {
	if cfg.BaseURL == "" {
		return Local{}, nil
	}
	return NewOpenAI(cfg)
}
