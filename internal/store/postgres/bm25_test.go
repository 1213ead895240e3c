package postgres_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/memtomem/memtomem/internal/pgtest"
	"github.com/memtomem/memtomem/internal/store"
	"github.com/memtomem/memtomem/internal/store/postgres"
	_ "github.com/memtomem/memtomem/internal/store/sqlite"
	"github.com/memtomem/memtomem/internal/store/storetest"
)

// The same chunks and queries score the same on PostgreSQL as on SQLite's
// FTS5, whose bm25() is the reference: a user moving a store to PostgreSQL
// gets the same results in the same order, and the fusion weights tuned on
// one scale hold on the other. The words are ones both stemmers leave
// whole; a third of the chunks have a heading, whose words count
// store.HeadingWeight times on both (FTS5's column weight, PostgreSQL's
// marked postings).
func TestBM25MatchesSQLite(t *testing.T) {
	ctx := context.Background()
	open := func(loc store.Location) store.DB {
		db, err := store.Open(ctx, loc, store.OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	lite := open(store.Location{Backend: "sqlite", Path: filepath.Join(t.TempDir(), "s.db")})
	pg := open(store.Location{Backend: postgres.Name, URL: pgtest.New(t)})
	words := []string{"zebra", "lion", "tiger", "quick", "brown", "fox", "green", "blue", "river", "stone"}
	var chunks []store.Chunk
	for i := range 60 {
		text := ""
		for j := range 3 + i%7 { // lengths and frequencies vary
			text += words[(i*(j+3)+j*j)%len(words)] + " "
		}
		c := store.Chunk{Content: text + fmt.Sprint(i), ContentHash: fmt.Sprint(i), StartLine: i}
		if i%3 == 0 {
			c.Hierarchy = []string{words[i%len(words)], words[(i+4)%len(words)] + " " + words[(i+7)%len(words)]}
		}
		chunks = append(chunks, c)
	}
	for _, db := range []store.DB{lite, pg} {
		if _, _, err := storetest.Replace(db, store.File{Path: "/", Namespace: "default", SHA256: "1"}, chunks...); err != nil {
			t.Fatal(err)
		}
		// A deleted file's chunks leave the statistics too.
		if _, _, err := storetest.Replace(db, store.File{Path: "/gone", Namespace: "default", SHA256: "2"}, storetest.Chunk("zebra zebra lion")); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DeleteFile(ctx, "/gone"); err != nil {
			t.Fatal(err)
		}
	}
	queries := map[string][]store.Phrase{
		"one word":     storetest.Words("zebra"),
		"common word":  storetest.Words("fox"),
		"two words":    storetest.Words("tiger", "river"),
		"prefix":       {{Words: []string{"sto"}, Prefix: true}},
		"absent words": storetest.Words("zebra", "nowhere"),
	}
	for name, q := range queries {
		want, err := lite.KeywordSearch(ctx, store.KeywordQuery{Phrases: q, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		got, err := pg.KeywordSearch(ctx, store.KeywordQuery{Phrases: q, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || len(want) == 0 {
			t.Errorf("%s: PostgreSQL found %d chunks, SQLite %d", name, len(got), len(want))
			continue
		}
		for i := range want {
			if math.Abs(got[i].Score-want[i].Score) > 1e-9*math.Abs(want[i].Score) {
				t.Errorf("%s: hit %d scores %.9f on PostgreSQL, %.9f on SQLite", name, i, got[i].Score, want[i].Score)
			}
		}
	}
	if err := pg.Check(ctx); err != nil {
		t.Errorf("check after writes: %v", err)
	}
}

// The statistics follow every write, including a reset, and Check notices
// when something outside memtomem made them disagree with the chunks.
func TestTermStatsFollowWrites(t *testing.T) {
	ctx := context.Background()
	url := pgtest.New(t)
	db, err := store.Open(ctx, store.Location{Backend: postgres.Name, URL: url}, store.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f := store.File{Path: "/a.md", Namespace: "default", SHA256: "1"}
	if _, _, err := storetest.Replace(db, f, storetest.Chunk("zebra one"), storetest.Chunk("zebra two")); err != nil {
		t.Fatal(err)
	}
	f.SHA256 = "2" // one chunk kept, one replaced
	if _, _, err := storetest.Replace(db, f, storetest.Chunk("zebra one"), storetest.Chunk("lion three")); err != nil {
		t.Fatal(err)
	}
	if err := db.Check(ctx); err != nil {
		t.Fatalf("after replace: %v", err)
	}
	if err := db.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Check(ctx); err != nil {
		t.Fatalf("after reset: %v", err)
	}
	if _, _, err := storetest.Replace(db, f, storetest.Chunk("zebra one")); err != nil {
		t.Fatal(err)
	}
	hits, err := db.KeywordSearch(ctx, store.KeywordQuery{Phrases: storetest.Words("zebra")})
	if err != nil || len(hits) != 1 {
		t.Fatalf("search after reset: %d hits, %v", len(hits), err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `UPDATE memtomem.corpus SET chunks = chunks + 5`); err != nil {
		t.Fatal(err)
	}
	if err := db.Check(ctx); err == nil || !strings.Contains(err.Error(), "keyword statistics") {
		t.Fatalf("Check after the statistics drifted: %v", err)
	}
}
