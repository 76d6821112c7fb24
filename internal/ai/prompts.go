// Package ai holds the providers that run igny8's AI operations: an
// OpenAI-compatible chat-completions client, and Local, a deterministic
// development provider that needs no network. Both implement
// igny8.AIProvider; the store calls them outside any transaction.
package ai

import (
	"encoding/json"
	"fmt"

	"github.com/igny8/igny8"
)

// systemPrompt is shared by every operation: it fixes the answer format.
const systemPrompt = `You are the content assistant of igny8, a platform that plans and writes website content.
Answer with one JSON object only, no prose around it, in the exact shape the task describes.`

// instructions holds each operation's task, in one place. The user's input
// follows it as JSON.
var instructions = map[igny8.Operation]string{
	igny8.OpAutoCluster: `Group the keywords in "keywords" into topical clusters for content planning.
Every keyword belongs to exactly one cluster. Answer {"clusters":[{"name":string,"keywords":[string]}]}.`,
	igny8.OpGenerateIdeas: `Propose "count" (default 5) article ideas for the "topic" and/or "keywords".
Answer {"ideas":[{"title":string,"keyword":string,"angle":string}]}.`,
	igny8.OpGenerateContent: `Write an article for the "title" (or "topic"), using the "keywords" naturally.
Answer {"title":string,"outline":[{"heading":string,"points":[string]}],"draft":string (Markdown),"word_count":number}.`,
	igny8.OpGenerateImages: `Write "count" (default 5) image-generation prompts illustrating the "title" (or "topic").
Answer {"prompts":[{"prompt":string,"alt":string}]}.`,
	igny8.OpOptimizeContent: `Review the "content" for search and readability, for the "keywords" if given.
Answer {"score":number 0-100,"word_count":number,"suggestions":[{"type":string,"message":string}]}.`,
}

// Prompt returns the system and user messages for one operation.
func Prompt(op igny8.Operation, in igny8.OperationInput) (system, user string, err error) {
	task, ok := instructions[op]
	if !ok {
		return "", "", fmt.Errorf("ai: unknown operation %q", op)
	}
	data, err := json.Marshal(in)
	if err != nil {
		return "", "", fmt.Errorf("ai: encode input: %w", err)
	}
	return systemPrompt, task + "\n\nInput:\n" + string(data), nil
}
