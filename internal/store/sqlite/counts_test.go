package sqlite

import (
	"context"
	"fmt"
	"testing"

	"github.com/memtomem/memtomem/internal/store"
)

// 100,000 tags: a page of counts is the page asked for, in name order, with
// the total; Stats keeps the StatsTop most used and counts the rest.
func TestCountsPageThroughManyTags(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	const n = 100_000
	tags := make([]string, n)
	for i := range tags {
		tags[i] = fmt.Sprintf("tag%06d", i)
	}
	a, b := chunk("carries every tag"), chunk("carries the popular ones")
	a.Tags, b.Tags = tags, tags[n-3:]
	b.Namespace = "work"
	if _, _, err := replace(db, store.File{Path: "/notes/a.md", Namespace: "default", SHA256: "1"}, a, b); err != nil {
		t.Fatal(err)
	}

	page, err := db.Counts(ctx, store.CountQuery{Of: store.ByTag, Limit: 100, Offset: 99_950})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != n || len(page.Counts) != 50 || page.Counts[0].Name != "tag099950" || page.Counts[49] != (store.NameCount{Name: "tag099999", Chunks: 2}) {
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
	if len(st.Tags) != store.StatsTop || st.TagCount != n || st.Tags["tag099999"] != 2 || st.NamespaceCount != 2 {
		t.Errorf("stats: %d tags listed of %d (tag099999: %d), %d namespaces", len(st.Tags), st.TagCount, st.Tags["tag099999"], st.NamespaceCount)
	}
}
