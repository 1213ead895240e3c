package sqlite

import (
	"context"
	"fmt"
	"testing"

	"github.com/memtomem/memtomem/internal/store"
)

// 100,000 tags (10,000 under -race, where SQLite runs some 50 times slower): a page of counts is the page asked for, in name order, with
// the total; Stats keeps the StatsTop most used and counts the rest.
func TestCountsPageThroughManyTags(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	const n = manyTags
	a, b := chunk("carries every tag"), chunk("carries the popular ones")
	last := func(k int) string { return fmt.Sprintf("tag%06d", n-k) }
	a.Tags, b.Tags = []string{last(3)}, []string{last(3), last(2), last(1)}
	b.Namespace = "work"
	if _, _, err := replace(db, store.File{Path: "/notes/a.md", Namespace: "default", SHA256: "1"}, a, b); err != nil {
		t.Fatal(err)
	}
	// The rest of chunk a's 100,000 tags in one statement: inserting them
	// one by one through ReplaceFile takes most of a minute under -race.
	if _, err := db.writer.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < ?)
		INSERT OR IGNORE INTO chunk_tags (tag, chunk_rowid)
		SELECT printf('tag%06d', i), (SELECT rowid FROM chunks WHERE content = 'carries every tag') FROM n`, n-1); err != nil {
		t.Fatal(err)
	}

	page, err := db.Counts(ctx, store.CountQuery{Of: store.ByTag, Limit: 100, Offset: n - 50})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != n || len(page.Counts) != 50 || page.Counts[0].Name != last(50) || page.Counts[49] != (store.NameCount{Name: last(1), Chunks: 2}) {
		t.Fatalf("last page: total %d, %d counts, first %v, last %v", page.Total, len(page.Counts), page.Counts[0], page.Counts[len(page.Counts)-1])
	}
	ns, err := db.Counts(ctx, store.CountQuery{Of: store.ByNamespace, Limit: 1})
	if err != nil || ns.Total != 2 || len(ns.Counts) != 1 || ns.Counts[0] != (store.NameCount{Name: "default", Chunks: 1}) {
		t.Fatalf("namespaces, first page of 1: %+v %v", ns, err)
	}

	st, err := db.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Tags) != store.StatsTop || st.TagCount != n || st.Tags[last(1)] != 2 || st.NamespaceCount != 2 {
		t.Errorf("stats: %d tags listed of %d (%s: %d), %d namespaces", len(st.Tags), st.TagCount, last(1), st.Tags[last(1)], st.NamespaceCount)
	}
}
