package mcpserver

import (
	"context"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/view"
)

// Prompts and resources are for clients that offer them to the user (a
// slash command, an attachment menu): the same memory as the tools, reached
// without the agent having to think of calling one.

// Resource addresses.
const (
	recentURI      = "memtomem://recent"
	pinnedURI      = "memtomem://pinned"
	memoryTemplate = "memtomem://memory/{id}"
	memoryPrefix   = "memtomem://memory/"
)

// promptRecallTopK is how many memories the recall prompt brings.
const promptRecallTopK = 8

// recentLimit is how many memories the recent resource lists.
const recentLimit = 20

func (s *Server) addPromptsAndResources() {
	s.mcp.AddPrompt(&mcp.Prompt{
		Name:        "recall",
		Title:       "Recall from memory",
		Description: "Bring what memtomem remembers about a topic into the conversation.",
		Arguments:   []*mcp.PromptArgument{{Name: "topic", Description: "what to recall (a few words)", Required: true}},
	}, guarded(s, s.recallPrompt))
	s.mcp.AddPrompt(&mcp.Prompt{
		Name:        "remember",
		Title:       "Remember this",
		Description: "Ask the agent to save what this session learned (or the given text) to memtomem.",
		Arguments:   []*mcp.PromptArgument{{Name: "what", Description: "what to remember; empty: the lessons of this session"}},
	}, guarded(s, rememberPrompt))
	s.mcp.AddResource(&mcp.Resource{
		URI: recentURI, Name: "recent", Title: "Recent memories", MIMEType: "text/markdown",
		Description: fmt.Sprintf("The %d newest memories, newest first.", recentLimit),
	}, guarded(s, s.recentResource))
	s.mcp.AddResource(&mcp.Resource{
		URI: pinnedURI, Name: "pinned", Title: "Pinned memories", MIMEType: "text/markdown",
		Description: "The memories pinned (mem_do pin, or the tag \"pinned\"), newest first.",
	}, guarded(s, s.pinnedResource))
	s.mcp.AddResourceTemplate(&mcp.ResourceTemplate{
		URITemplate: memoryTemplate, Name: "memory", Title: "A memory", MIMEType: "text/markdown",
		Description: "One memory by its chunk id or entry id (the ids mem_search and mem_recall show).",
	}, guarded(s, s.memoryResource))
}

// guarded runs a prompt or resource handler as a call: drained at
// shutdown, refused once shutdown began.
func guarded[Req, Res any](s *Server, h func(context.Context, Req) (Res, error)) func(context.Context, Req) (Res, error) {
	return func(ctx context.Context, req Req) (Res, error) {
		if err := s.calls.Begin(); err != nil {
			var zero Res
			return zero, err
		}
		defer s.calls.End()
		return h(ctx, req)
	}
}

func userText(text string) []*mcp.PromptMessage {
	return []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: text}}}
}

// recallPrompt searches the topic and hands the results to the model, with
// their ids so it can read more.
func (s *Server) recallPrompt(ctx context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	topic := strings.TrimSpace(req.Params.Arguments["topic"])
	if topic == "" {
		return nil, fmt.Errorf("the recall prompt needs a topic: a few words to search memory for")
	}
	m, err := s.memory(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := m.Search(ctx, memtomem.SearchRequest{Query: topic, TopK: promptRecallTopK})
	if err != nil {
		return nil, err
	}
	out := view.FromSearch(topic, resp)
	var b strings.Builder
	if len(out.Results) == 0 {
		fmt.Fprintf(&b, "memtomem has no memories about %q. Work it out, and save what you learn with mem_add.", topic)
	} else {
		fmt.Fprintf(&b, "Here is what memtomem remembers about %q (most relevant first). Use it, check it against the code, and read more with mem_read when a memory is cut short.\n\n", topic)
		b.WriteString(compactSearch(out))
	}
	return &mcp.GetPromptResult{Description: "memories about " + topic, Messages: userText(b.String())}, nil
}

// rememberPrompt asks the model to save memories well.
func rememberPrompt(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	what := strings.TrimSpace(req.Params.Arguments["what"])
	var b strings.Builder
	if what != "" {
		fmt.Fprintf(&b, "Save this to memtomem with mem_add:\n\n%s\n\n", what)
	} else {
		b.WriteString("Save to memtomem, with mem_add, what this session learned that a future session needs and could not easily rediscover: decisions and their reasons, fixes for non-obvious problems and their root causes, the user's preferences and corrections, facts about the project and its environment.\n\n")
	}
	b.WriteString("One self-contained memory per fact, a short title, a few tags; search first (mem_search) so as not to save a fact twice; never save secrets.")
	return &mcp.GetPromptResult{Description: "save to memory", Messages: userText(b.String())}, nil
}

func (s *Server) recentResource(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	m, err := s.memory(ctx)
	if err != nil {
		return nil, err
	}
	page, err := m.Recall(ctx, memtomem.RecallRequest{Limit: recentLimit})
	if err != nil {
		return nil, err
	}
	text := chunkList(view.Chunks(page.Chunks), "No memories yet: mem_add saves one.")
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, MIMEType: "text/markdown", Text: text}}}, nil
}

func (s *Server) pinnedResource(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	m, err := s.memory(ctx)
	if err != nil {
		return nil, err
	}
	page, err := m.Recall(ctx, memtomem.RecallRequest{Tags: []string{memtomem.PinnedTag}, Limit: 100})
	if err != nil {
		return nil, err
	}
	text := chunkList(view.Chunks(page.Chunks), "No memory is pinned: mem_do pin pins one.")
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, MIMEType: "text/markdown", Text: text}}}, nil
}

func (s *Server) memoryResource(ctx context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	id, ok := strings.CutPrefix(req.Params.URI, memoryPrefix)
	if !ok || id == "" || strings.ContainsAny(id, "/?#") {
		return nil, mcp.ResourceNotFoundError(req.Params.URI)
	}
	m, err := s.memory(ctx)
	if err != nil {
		return nil, err
	}
	c, err := m.Read(ctx, id)
	if err != nil {
		if memtomem.KindOf(err) == memtomem.KindNotFound {
			return nil, mcp.ResourceNotFoundError(req.Params.URI)
		}
		return nil, err
	}
	text := fullChunk(view.Chunks([]memtomem.Chunk{c})[0])
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, MIMEType: "text/markdown", Text: text}}}, nil
}
