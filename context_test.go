package memtomem_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/memtomem/memtomem"
)

// A composed context starts with the pinned memories (relevant or not),
// then the relevant ones, each once; it stays within its budget and says
// how many did not fit; unpinning takes a memory out of the pinned part.
func TestContextComposesPinnedThenRelevant(t *testing.T) {
	m, _ := openTest(t)
	ctx := context.Background()
	lint := add(t, m, memtomem.AddRequest{Content: "Always run make lint before pushing.", Title: "Lint rule"})
	release := add(t, m, memtomem.AddRequest{Content: "The release checklist: bump the version, tag, push, announce.", Title: "Release"})
	add(t, m, memtomem.AddRequest{Content: "The release train leaves on Fridays.", Title: "Release train"})
	add(t, m, memtomem.AddRequest{Content: "Lunch is on Thursdays."})
	for _, id := range []string{lint.ChunkIDs[0], release.EntryID} {
		if _, err := m.Pin(ctx, id, true); err != nil {
			t.Fatal(err)
		}
	}

	res, err := m.Context(ctx, memtomem.ContextRequest{Query: "release checklist"})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, it := range res.Items {
		order = append(order, it.Title)
		if it.Pinned != (it.Title == "Lint rule" || it.Title == "Release") {
			t.Errorf("%q pinned = %v", it.Title, it.Pinned)
		}
	}
	if len(order) != 3 || !slices.Contains(order[:2], "Lint rule") || !slices.Contains(order[:2], "Release") || order[2] != "Release train" {
		t.Fatalf("context order %q; want the two pinned (the release checklist once), then the release train", order)
	}
	if strings.Contains(res.Text, "Lunch") || !strings.Contains(res.Text, "## Pinned memories") || !strings.Contains(res.Text, "chunk "+lint.ChunkIDs[0]) {
		t.Fatalf("context text:\n%s", res.Text)
	}

	// A budget that holds the first memory and not the second.
	budget := res.Items[0].Tokens + 5
	small, err := m.Context(ctx, memtomem.ContextRequest{Query: "release checklist", MaxTokens: budget})
	if err != nil {
		t.Fatal(err)
	}
	if got := memtomem.EstimateTokens(small.Text); got > budget || small.Tokens > budget || len(small.Items) != 1 || small.Omitted != 2 {
		t.Fatalf("a %d-token context: %d tokens (%d counted), %d items, %d omitted:\n%s", budget, got, small.Tokens, len(small.Items), small.Omitted, small.Text)
	}

	if _, err := m.Pin(ctx, lint.EntryID, false); err != nil {
		t.Fatal(err)
	}
	res, err = m.Context(ctx, memtomem.ContextRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range res.Items {
		if it.Pinned && it.Title != "Release" {
			t.Errorf("%q still pinned after unpin", it.Title)
		}
	}
	if len(res.Items) != 4 {
		t.Errorf("a context without a query holds %d memories; want all 4 (pinned, then newest)", len(res.Items))
	}
	if _, err := m.Context(ctx, memtomem.ContextRequest{MaxTokens: memtomem.MaxContextTokens + 1}); memtomem.KindOf(err) != memtomem.KindInvalid {
		t.Errorf("an oversized budget: %v", err)
	}
}

func TestEstimateTokensErrsHigh(t *testing.T) {
	for text, atLeast := range map[string]int{"": 0, "abcd": 1, "abcde": 2, "東京の会議": 5, "deploy 東京": 4} {
		if got := memtomem.EstimateTokens(text); got < atLeast {
			t.Errorf("EstimateTokens(%q) = %d, want at least %d", text, got, atLeast)
		}
	}
}
