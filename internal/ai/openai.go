package ai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/igny8/igny8"
)

// maxResponse bounds what is read from the provider.
const maxResponse = 4 << 20

// OpenAIConfig configures an OpenAI-compatible chat-completions provider.
type OpenAIConfig struct {
	BaseURL string        // e.g. https://api.openai.com/v1; /chat/completions is appended
	APIKey  string        // sent as a bearer token; never logged
	Model   string        // e.g. gpt-4o-mini
	Timeout time.Duration // per request; 0 means 60s
	// Client is the HTTP client; nil means a new client with Timeout.
	Client *http.Client
}

// OpenAI runs operations through POST {BaseURL}/chat/completions.
type OpenAI struct {
	cfg    OpenAIConfig
	client *http.Client
}

var _ igny8.AIProvider = (*OpenAI)(nil)

// NewOpenAI checks cfg and returns the provider.
func NewOpenAI(cfg OpenAIConfig) (*OpenAI, error) {
	if cfg.BaseURL == "" || cfg.Model == "" {
		return nil, errors.New("ai: the OpenAI-compatible provider needs a base URL and a model")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	client := cfg.Client
	if client == nil {
		client = &http.Client{Timeout: cfg.Timeout}
	}
	return &OpenAI{cfg: cfg, client: client}, nil
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model          string            `json:"model"`
	Messages       []chatMessage     `json:"messages"`
	ResponseFormat map[string]string `json:"response_format"`
}

type chatResponse struct {
	Model   string `json:"model"`
	Choices []struct {
		Message chatMessage `json:"message"`
	} `json:"choices"`
	Usage struct {
		PromptTokens     int64 `json:"prompt_tokens"`
		CompletionTokens int64 `json:"completion_tokens"`
	} `json:"usage"`
}

// Run sends the operation's prompt and returns the model's JSON answer with
// its token usage. Errors name the HTTP status or the failure, never the
// key or the provider's response body.
func (o *OpenAI) Run(ctx context.Context, req igny8.AIRequest) (*igny8.AIResponse, error) {
	system, user, err := Prompt(req.Operation, req.Input)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(chatRequest{Model: o.cfg.Model, ResponseFormat: map[string]string{"type": "json_object"},
		Messages: []chatMessage{{Role: "system", Content: system}, {Role: "user", Content: user}}})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, o.cfg.BaseURL+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("ai: build request: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	if o.cfg.APIKey != "" {
		hreq.Header.Set("Authorization", "Bearer "+o.cfg.APIKey)
	}
	hresp, err := o.client.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("ai: provider request failed: %w", err)
	}
	defer hresp.Body.Close()
	if hresp.StatusCode/100 != 2 {
		_, _ = io.Copy(io.Discard, io.LimitReader(hresp.Body, maxResponse))
		return nil, fmt.Errorf("ai: provider answered HTTP %d", hresp.StatusCode)
	}
	return decodeChat(hresp.Body, o.cfg.Model)
}

// decodeChat reads a chat-completions answer whose message is a JSON object.
func decodeChat(r io.Reader, model string) (*igny8.AIResponse, error) {
	var cr chatResponse
	if err := json.NewDecoder(io.LimitReader(r, maxResponse)).Decode(&cr); err != nil {
		return nil, fmt.Errorf("ai: unreadable provider answer: %w", err)
	}
	if len(cr.Choices) == 0 {
		return nil, errors.New("ai: provider answered without choices")
	}
	content := strings.TrimSpace(cr.Choices[0].Message.Content)
	content = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(content, "```json"), "```"), "```")
	content = strings.TrimSpace(content)
	if !json.Valid([]byte(content)) {
		return nil, errors.New("ai: provider answer is not JSON")
	}
	if cr.Model != "" {
		model = cr.Model
	}
	return &igny8.AIResponse{Output: json.RawMessage(content), Model: model,
		TokensIn: cr.Usage.PromptTokens, TokensOut: cr.Usage.CompletionTokens}, nil
}
