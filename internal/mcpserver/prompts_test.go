package mcpserver

import (
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func promptText(t *testing.T, res *mcp.GetPromptResult) string {
	t.Helper()
	var b strings.Builder
	for _, m := range res.Messages {
		if tc, ok := m.Content.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// A client that offers prompts and resources gets recall and remember, the
// recent memories and any memory by id, through a real go-sdk client.
func TestPromptsAndResources(t *testing.T) {
	cs, _ := newSession(t)
	ctx := t.Context()
	mustCall(t, cs, "mem_add", map[string]any{"content": "Deploys use a blue-green rollout behind the canary gate.", "title": "Deploy", "tags": []string{"ops"}})
	mustCall(t, cs, "mem_add", map[string]any{"content": "The team lunch is on Thursdays."})

	prompts, err := cs.ListPrompts(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range prompts.Prompts {
		names = append(names, p.Name)
	}
	if strings.Join(names, ",") != "recall,remember" {
		t.Fatalf("prompts %v; want recall and remember", names)
	}
	res, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "recall", Arguments: map[string]string{"topic": "deploy rollout"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := promptText(t, res); !strings.Contains(got, "blue-green rollout") || strings.Contains(got, "lunch") {
		t.Fatalf("recall prompt for deploys:\n%s", got)
	}
	if _, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "recall", Arguments: map[string]string{"topic": " "}}); err == nil || !strings.Contains(err.Error(), "topic") {
		t.Fatalf("recall without a topic: %v", err)
	}
	res, err = cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "remember", Arguments: map[string]string{"what": "the cache key includes the locale"}})
	if err != nil || !strings.Contains(promptText(t, res), "the cache key includes the locale") || !strings.Contains(promptText(t, res), "mem_add") {
		t.Fatalf("remember prompt: %v\n%v", err, res)
	}

	recent, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: recentURI})
	if err != nil {
		t.Fatal(err)
	}
	text := recent.Contents[0].Text
	if !strings.Contains(text, "blue-green") || !strings.Contains(text, "lunch") {
		t.Fatalf("recent memories:\n%s", text)
	}
	templates, err := cs.ListResourceTemplates(ctx, nil)
	if err != nil || len(templates.ResourceTemplates) != 1 || templates.ResourceTemplates[0].URITemplate != memoryTemplate {
		t.Fatalf("resource templates: %+v, %v", templates, err)
	}
	found := mustCall(t, cs, "mem_search", map[string]any{"query": "canary gate", "output_format": "structured"})
	id := found.StructuredContent.(map[string]any)["results"].([]any)[0].(map[string]any)["chunk_id"].(string)
	one, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: memoryPrefix + id})
	if err != nil || !strings.Contains(one.Contents[0].Text, "canary gate") {
		t.Fatalf("memory %s as a resource: %v %+v", id, err, one)
	}
	if _, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: memoryPrefix + "000000000000"}); err == nil {
		t.Fatal("an unknown memory id read as a resource")
	}
}

// Through mem_do: pin a memory, compose a context that starts with it, see
// it in the pinned resource, unpin it.
func TestPinAndContextCompose(t *testing.T) {
	cs, _ := newSession(t)
	ctx := t.Context()
	added := mustCall(t, cs, "mem_add", map[string]any{"content": "Always run make lint before pushing.", "title": "Lint rule"})
	id := added.StructuredContent.(map[string]any)["chunk_ids"].([]any)[0].(string)
	mustCall(t, cs, "mem_add", map[string]any{"content": "The release checklist: bump, tag, push.", "title": "Release"})
	mustCall(t, cs, "mem_do", map[string]any{"action": "pin", "params": map[string]any{"chunk_id": id}})

	res := mustCall(t, cs, "mem_do", map[string]any{"action": "context_compose", "params": map[string]any{"query": "release checklist", "max_tokens": 500}})
	got := text(res)
	if !strings.HasPrefix(got, "## Pinned memories") || !strings.Contains(got, "make lint") || !strings.Contains(got, "bump, tag, push") ||
		strings.Index(got, "make lint") > strings.Index(got, "bump, tag") {
		t.Fatalf("context_compose:\n%s", got)
	}
	pinned, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: pinnedURI})
	if err != nil || !strings.Contains(pinned.Contents[0].Text, "make lint") || strings.Contains(pinned.Contents[0].Text, "release") {
		t.Fatalf("pinned resource: %v %+v", err, pinned)
	}
	mustCall(t, cs, "mem_do", map[string]any{"action": "pin", "params": map[string]any{"chunk_id": id, "unpin": true}})
	pinned, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: pinnedURI})
	if err != nil || strings.Contains(pinned.Contents[0].Text, "make lint") {
		t.Fatalf("pinned resource after unpin: %v %+v", err, pinned)
	}
}
