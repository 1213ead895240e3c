package postgres

import (
	"context"
	"slices"
	"testing"

	"github.com/memtomem/memtomem/internal/pgtest"
	"github.com/memtomem/memtomem/internal/store"
	"github.com/memtomem/memtomem/internal/store/storetest"
)

// Two hosts hold a file at the same path (the same user name, the same home
// layout): each keeps its own, sees the other's as //host/path, and one
// host forgetting its file leaves the other's alone.
func TestHostsKeepTheirFiles(t *testing.T) {
	ctx := context.Background()
	url := pgtest.New(t)
	open := func(host string) store.DB {
		db, err := store.Open(ctx, store.Location{Backend: Name, URL: url, Host: host}, store.OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b := open("alpha"), open("beta")
	const path = "/home/dev/.memtomem/memories/2026-12-02.md"
	f := store.File{Path: path, Namespace: "default", SHA256: "x"}
	if _, _, err := storetest.Replace(a, f, storetest.Chunk("deploy notes from alpha")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := storetest.Replace(b, f, storetest.Chunk("deploy notes from beta")); err != nil {
		t.Fatal(err)
	}
	hits, err := a.KeywordSearch(ctx, store.KeywordQuery{Phrases: storetest.Words("deploy"), Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var sources []string
	for _, h := range hits {
		sources = append(sources, h.Source)
	}
	slices.Sort(sources)
	if want := []string{"//beta" + path, path}; !slices.Equal(sources, want) {
		t.Fatalf("alpha sees sources %q, want %q (its own by path, beta's qualified)", sources, want)
	}
	if files, _ := a.Files(ctx, "/home/dev/"); len(files) != 1 || files[0].Path != path {
		t.Fatalf("alpha's files: %+v; want its one file", files)
	}
	// alpha's reconcile finds its file gone and forgets it.
	if n, err := a.DeleteFile(ctx, path); err != nil || n != 1 {
		t.Fatalf("DeleteFile = %d, %v", n, err)
	}
	if _, ok, _ := b.FileState(ctx, path); !ok {
		t.Fatal("beta's file was forgotten with alpha's")
	}
	listed, err := a.List(ctx, store.ListQuery{Source: "//beta" + path, Limit: 10})
	if err != nil || len(listed) != 1 || listed[0].Content != "deploy notes from beta" {
		t.Fatalf("alpha lists beta's file by its qualified path: %+v, %v", listed, err)
	}
	if hits[0].ID == hits[1].ID {
		t.Fatal("the two hosts' chunks got one id")
	}
}
