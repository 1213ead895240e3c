package mcpserver

import (
	"fmt"

	"github.com/memtomem/memtomem"
)

type composeParams struct {
	Query     string `json:"query,omitempty" jsonschema:"the task or question; empty: the newest memories"`
	MaxTokens *int   `json:"max_tokens,omitempty" jsonschema:"budget in estimated tokens (about 4 bytes a token), 1-32000"`
	Namespace string `json:"namespace,omitempty" jsonschema:"namespace, comma list or glob"`
}

func doContextCompose(c *call, m *memtomem.Memory, p composeParams) (string, any, error) {
	budget, err := intArg("max_tokens", p.MaxTokens, memtomem.DefaultContextTokens, 1, memtomem.MaxContextTokens)
	if err != nil {
		return "", nil, err
	}
	res, err := m.Context(c.ctx, memtomem.ContextRequest{Query: p.Query, MaxTokens: budget, Namespace: p.Namespace})
	if err != nil {
		return "", nil, err
	}
	text := res.Text
	if text == "" {
		text = "No memories to compose: none is pinned, and none matches."
	}
	if res.Omitted > 0 {
		text += fmt.Sprintf("(%d more memories did not fit in %d tokens)\n", res.Omitted, budget)
	}
	return text, res, nil
}

type pinParams struct {
	chunkParams
	Unpin bool `json:"unpin,omitempty" jsonschema:"true removes the pin"`
}

func doPin(c *call, m *memtomem.Memory, p pinParams) (string, any, error) {
	id, err := oneID(p.ChunkID, p.EntryID)
	if err != nil {
		return "", nil, err
	}
	res, err := m.Pin(c.ctx, id, !p.Unpin)
	if err != nil {
		return "", nil, err
	}
	if p.Unpin {
		return fmt.Sprintf("Unpinned the entry in %s.", res.File), res, nil
	}
	return fmt.Sprintf("Pinned the entry in %s: context_compose starts with it.", res.File), res, nil
}
