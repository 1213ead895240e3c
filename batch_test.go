package memtomem_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtomem/memtomem"
)

func TestBatchSaysWhichItemsWereStored(t *testing.T) {
	m, _ := openTest(t)
	ctx := context.Background()
	items, err := m.BatchAdd(ctx, []memtomem.AddRequest{
		{Content: "kept one"},
		{Content: "   "},
		{Content: "kept two", Namespace: "team"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 || !items[0].Stored || items[1].Stored || !items[2].Stored || items[1].Error == "" {
		t.Fatalf("items: %+v", items)
	}
	// A batch whose context ends still reports every item, none stored.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	items, err = m.BatchAdd(cctx, []memtomem.AddRequest{{Content: "late one"}, {Content: "late two"}})
	if err != nil || len(items) != 2 {
		t.Fatalf("cancelled batch: %d items, err %v; want both items reported", len(items), err)
	}
	for i, it := range items {
		if it.Stored || !strings.Contains(it.Error, "not stored") {
			t.Errorf("item %d of a cancelled batch: %+v", i, it)
		}
	}
	if got := searchContents(t, m, memtomem.SearchRequest{Query: "late"}); len(got) != 0 {
		t.Errorf("a cancelled batch stored %q", got)
	}
}

// A batch's items are queued together (one write and one index transaction
// for many of them) yet land in the file in the batch's order, each with
// its own result; a bad item fails alone, and a repeated idempotency key
// is written once.
func TestBatchKeepsOrderAndShares(t *testing.T) {
	ctx := context.Background()
	m, cfg := openTest(t)
	var reqs []memtomem.AddRequest
	for i := range 150 {
		reqs = append(reqs, memtomem.AddRequest{Content: fmt.Sprintf("batch item %03d about the migration", i)})
	}
	reqs[7].Content = "   "
	reqs[20].IdempotencyKey, reqs[21].IdempotencyKey = "same", "same"
	items, err := m.BatchAdd(ctx, reqs)
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range items {
		switch {
		case i == 7:
			if it.Error == "" || it.Stored {
				t.Errorf("the empty item: %+v", it)
			}
		case i == 21:
			if it.Error != "" || it.Result.EntryID != items[20].Result.EntryID || it.Result.Added {
				t.Errorf("the repeated key: %+v (first: %+v)", it, items[20])
			}
		case it.Error != "" || !it.Stored || len(it.Result.ChunkIDs) != 1:
			t.Errorf("item %d: %+v", i, it)
		}
	}
	files, _ := filepath.Glob(filepath.Join(cfg.Indexing.MemoryDirs[0], "*.md"))
	var body []byte
	for _, f := range files {
		b, _ := os.ReadFile(f)
		body = append(body, b...)
	}
	last := -1
	for i := range 150 {
		if i == 7 || i == 21 {
			continue
		}
		at := bytes.Index(body, fmt.Appendf(nil, "batch item %03d ", i))
		if at < 0 || at < last || bytes.Count(body, fmt.Appendf(nil, "batch item %03d ", i)) != 1 {
			t.Fatalf("item %d is at %d (previous at %d) or not once in the files", i, at, last)
		}
		last = at
	}
}
