package ai_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8"
	"github.com/igny8/igny8/internal/ai"
)

func TestOpenAIProvider(t *testing.T) {
	t.Parallel()
	var gotAuth, gotModel, gotFormat string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		var body struct {
			Model          string            `json:"model"`
			ResponseFormat map[string]string `json:"response_format"`
			Messages       []struct{ Role, Content string }
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		gotAuth, gotModel, gotFormat = r.Header.Get("Authorization"), body.Model, body.ResponseFormat["type"]
		switch {
		case strings.Contains(body.Messages[1].Content, "fail"):
			w.WriteHeader(http.StatusTooManyRequests)
		case strings.Contains(body.Messages[1].Content, "prose"):
			_, _ = w.Write([]byte(`{"choices":[{"message":{"content":"Sure! Here you go."}}]}`))
		case strings.Contains(body.Messages[1].Content, "hang"):
			<-r.Context().Done()
		default:
			_, _ = w.Write([]byte(`{"model":"m-2024","choices":[{"message":{"content":"` + "```json\\n{\\\"ideas\\\":[]}\\n```" + `"}}],
				"usage":{"prompt_tokens":120,"completion_tokens":30}}`))
		}
	}))
	defer srv.Close()
	p, err := ai.NewOpenAI(ai.OpenAIConfig{BaseURL: srv.URL + "/v1/", APIKey: "sk-secret", Model: "m", Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	run := func(topic string) (*igny8.AIResponse, error) {
		return p.Run(context.Background(), igny8.AIRequest{Operation: igny8.OpGenerateIdeas, Input: igny8.OperationInput{Topic: topic}})
	}
	resp, err := run("coffee")
	if err != nil || string(resp.Output) != `{"ideas":[]}` || resp.Model != "m-2024" || resp.TokensIn != 120 || resp.TokensOut != 30 {
		t.Fatalf("success = %+v, %v", resp, err)
	}
	if gotAuth != "Bearer sk-secret" || gotModel != "m" || gotFormat != "json_object" {
		t.Fatalf("request auth %q model %q format %q", gotAuth, gotModel, gotFormat)
	}
	for _, topic := range []string{"fail", "prose", "hang"} {
		if _, err := run(topic); err == nil || strings.Contains(err.Error(), "sk-secret") {
			t.Fatalf("%s: err = %v", topic, err)
		}
	}
	if _, err := ai.NewOpenAI(ai.OpenAIConfig{}); err == nil {
		t.Fatal("a provider without base URL was accepted")
	}
}

func TestLocalProviderIsDeterministicAndUseful(t *testing.T) {
	t.Parallel()
	in := igny8.OperationInput{Keywords: []string{"coffee beans", "best coffee grinder", "green tea", "tea cups", "espresso"},
		Topic: "home brewing", Title: "Brewing at Home", Content: "# Brewing\n\nShort text about coffee.", Count: 3}
	for _, op := range igny8.Operations() {
		a, err := ai.Local{}.Run(context.Background(), igny8.AIRequest{Operation: op, Input: in})
		if err != nil || !json.Valid(a.Output) || a.Model != ai.LocalModel || a.TokensOut == 0 {
			t.Fatalf("%s: %+v, %v", op, a, err)
		}
		b, _ := ai.Local{}.Run(context.Background(), igny8.AIRequest{Operation: op, Input: in})
		if string(a.Output) != string(b.Output) {
			t.Fatalf("%s is not deterministic", op)
		}
	}
	resp, _ := ai.Local{}.Run(context.Background(), igny8.AIRequest{Operation: igny8.OpAutoCluster, Input: in})
	var out struct{ Clusters []ai.Cluster }
	if err := json.Unmarshal(resp.Output, &out); err != nil {
		t.Fatal(err)
	}
	want := []ai.Cluster{{Name: "Coffee", Keywords: []string{"coffee beans", "best coffee grinder"}},
		{Name: "Tea", Keywords: []string{"green tea", "tea cups"}}, {Name: "Other", Keywords: []string{"espresso"}}}
	if !reflect.DeepEqual(out.Clusters, want) {
		t.Fatalf("clusters = %+v", out.Clusters)
	}
	resp, _ = ai.Local{}.Run(context.Background(), igny8.AIRequest{Operation: igny8.OpOptimizeContent, Input: in})
	var rev ai.Review
	_ = json.Unmarshal(resp.Output, &rev)
	if rev.WordCount != 6 || rev.Headings != 1 || rev.Score >= 100 || len(rev.Suggestions) == 0 {
		t.Fatalf("review = %+v", rev)
	}
	resp, _ = ai.Local{}.Run(context.Background(), igny8.AIRequest{Operation: igny8.OpGenerateIdeas, Input: in})
	var ideas struct{ Ideas []ai.Idea }
	_ = json.Unmarshal(resp.Output, &ideas)
	if len(ideas.Ideas) != 3 || ideas.Ideas[0].Title != "The Complete Guide to Coffee Beans" {
		t.Fatalf("ideas = %+v", ideas)
	}
}
