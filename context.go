package memtomem

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// PinnedTag marks a memory that every composed context starts with (mm pin,
// or the tag written by hand).
const PinnedTag = "pinned"

// Pin adds (or, with pinned false, removes) the pinned tag of the memory
// entry holding the chunk or entry id. It is an edit of the entry's tags,
// so the markdown says it too.
func (m *Memory) Pin(ctx context.Context, id string, pinned bool) (EditResult, error) {
	c, err := m.Read(ctx, id)
	if err != nil {
		return EditResult{}, err
	}
	tags := slices.DeleteFunc(slices.Clone(c.Tags), func(t string) bool { return t == PinnedTag })
	if pinned {
		tags = append(tags, PinnedTag)
	}
	return m.Edit(ctx, EditRequest{ChunkID: c.ID, Tags: &tags})
}

// Context budget bounds (in estimated tokens, see EstimateTokens).
const (
	DefaultContextTokens = 2000
	MaxContextTokens     = 32000
	// contextCandidates is how many pinned and how many relevant memories
	// are considered before the budget is applied.
	contextCandidates = 50
)

// ContextRequest asks for a context to put in front of a model.
type ContextRequest struct {
	// Query selects the relevant memories; empty: the most recent.
	Query string
	// MaxTokens is the budget (DefaultContextTokens when 0).
	MaxTokens int
	// Namespace is a selector, as for Search.
	Namespace string
	// SkipPinned leaves the pinned memories out (a prompt hook: the
	// session got them when it started).
	SkipPinned bool
}

// ContextItem is one memory of a composed context.
type ContextItem struct {
	ChunkID   string    `json:"chunk_id"`
	Source    string    `json:"source"`
	Namespace string    `json:"namespace"`
	Title     string    `json:"title,omitempty"`
	Content   string    `json:"content"`
	Pinned    bool      `json:"pinned"`
	Tokens    int       `json:"tokens"`
	Created   time.Time `json:"created"`
}

// ContextResult is a composed context: pinned memories first, then the
// relevant ones, each once, within the budget.
type ContextResult struct {
	Text   string        `json:"text"`
	Items  []ContextItem `json:"items"`
	Tokens int           `json:"tokens"`
	// Omitted counts the memories considered that did not fit.
	Omitted int `json:"omitted"`
}

// EstimateTokens estimates the tokens of text as models count them: about
// four bytes a token for English, one a character for CJK. It errs high, so a
// budget is kept.
func EstimateTokens(text string) int {
	n := 0
	ascii := 0
	for _, r := range text {
		if r < 0x80 {
			ascii++
		} else {
			n++
		}
	}
	return n + (ascii+3)/4
}

// Context composes the memories a model should see for a task: the pinned
// ones, then those most relevant to the query (or the newest), without
// repeats (by chunk and by text), within MaxTokens.
func (m *Memory) Context(ctx context.Context, req ContextRequest) (ContextResult, error) {
	budget := req.MaxTokens
	if budget == 0 {
		budget = DefaultContextTokens
	}
	if budget < 1 || budget > MaxContextTokens {
		return ContextResult{}, invalidf("max_tokens must be between 1 and %d (got %d)", MaxContextTokens, req.MaxTokens)
	}
	var pinned ChunkPage
	if !req.SkipPinned {
		var err error
		if pinned, err = m.Recall(ctx, RecallRequest{Tags: []string{PinnedTag}, Namespace: req.Namespace, Limit: contextCandidates}); err != nil {
			return ContextResult{}, err
		}
	}
	var relevant []Chunk
	if strings.TrimSpace(req.Query) != "" {
		resp, err := m.Search(ctx, SearchRequest{Query: req.Query, TopK: contextCandidates, Namespace: req.Namespace})
		if err != nil {
			return ContextResult{}, err
		}
		for _, r := range resp.Results {
			relevant = append(relevant, r.Chunk)
		}
	} else {
		page, err := m.Recall(ctx, RecallRequest{Namespace: req.Namespace, Limit: contextCandidates})
		if err != nil {
			return ContextResult{}, err
		}
		relevant = page.Chunks
	}
	headers := map[bool]string{true: "## Pinned memories\n\n", false: "## Recent memories\n\n"}
	if strings.TrimSpace(req.Query) != "" {
		headers[false] = fmt.Sprintf("## Memories relevant to %q\n\n", req.Query)
	}
	var res ContextResult
	var b strings.Builder
	seen := map[string]bool{}
	started := map[bool]bool{}
	add := func(c Chunk, isPinned bool) {
		text := strings.TrimSpace(c.Content)
		if seen[c.ID] || seen[text] {
			return
		}
		seen[c.ID], seen[text] = true, true
		it := ContextItem{ChunkID: c.ID, Source: c.Source, Namespace: c.Namespace, Content: text, Pinned: isPinned, Created: c.CreatedAt}
		if len(c.Hierarchy) > 0 {
			it.Title = c.Hierarchy[len(c.Hierarchy)-1]
		}
		piece := renderItem(it)
		if !started[isPinned] {
			piece = headers[isPinned] + piece
		}
		it.Tokens = EstimateTokens(piece)
		if res.Tokens+it.Tokens > budget {
			res.Omitted++
			return
		}
		started[isPinned] = true
		b.WriteString(piece)
		res.Tokens += it.Tokens
		res.Items = append(res.Items, it)
	}
	for _, c := range pinned.Chunks {
		add(c, true)
	}
	for _, c := range relevant {
		add(c, false)
	}
	res.Text = b.String()
	return res, nil
}

// renderItem is one memory of a composed context's text: its title as a
// heading (the chunk's own heading line, which repeats it, left out), where
// it comes from, and its text.
func renderItem(it ContextItem) string {
	head := it.Title
	if head == "" {
		head = "Memory"
	}
	return fmt.Sprintf("### %s\n(%s, chunk %s)\n\n%s\n\n", head, it.Source, it.ChunkID, it.Body())
}

// Body is the memory's text without its heading line when that only
// repeats the title.
func (it ContextItem) Body() string {
	first, rest, _ := strings.Cut(it.Content, "\n")
	if it.Title != "" && strings.HasPrefix(first, "#") && strings.TrimSpace(strings.TrimLeft(first, "#")) == it.Title {
		return strings.TrimSpace(rest)
	}
	return it.Content
}
