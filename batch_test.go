package memtomem_test

import (
	"context"
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
