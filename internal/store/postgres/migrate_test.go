package postgres

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/memtomem/memtomem/internal/pgtest"
	"github.com/memtomem/memtomem/internal/store"
	"github.com/memtomem/memtomem/internal/store/storetest"
	"github.com/memtomem/memtomem/internal/words"
)

// A store written by a v2 binary is upgraded to v3 when a v3 binary opens
// it: the postings get their chunks' lengths, Check agrees, and searches
// score exactly as on a store built at v3.
func TestUpgradeFromV2(t *testing.T) {
	ctx := context.Background()
	texts := []string{"zebra one", "zebra zebra and a longer chunk with more words", "lion three zebra", "lion"}
	fill := func(db store.DB) {
		var chunks []store.Chunk
		for i, s := range texts {
			c := storetest.Chunk(s)
			c.StartLine = i
			chunks = append(chunks, c)
		}
		if _, _, err := storetest.Replace(db, store.File{Path: "/a.md", Namespace: "default", SHA256: "1"}, chunks...); err != nil {
			t.Fatal(err)
		}
	}
	scores := func(db store.DB) string { return scored(t, db, storetest.Words("zebra", "lion")) }

	old := store.Location{Backend: Name, URL: pgtest.New(t)}
	SchemaVersion = 2
	db, err := store.Open(ctx, old, store.OpenOptions{})
	SchemaVersion = migrations[len(migrations)-1].version
	if err != nil {
		t.Fatal(err)
	}
	fill(db)
	db.Close()

	db, fresh := upgraded(t, old, fill)
	if got, want := scores(db), scores(fresh); got != want || got == "" {
		t.Fatalf("upgraded store scores %q; a store built at v3 scores %q", got, want)
	}
}

// A store written at v4, before CJK words, is reindexed where it holds CJK
// text (storetest.CJKMigration).
func TestUpgradeToCJKWords(t *testing.T) {
	ctx := context.Background()
	loc := store.Location{Backend: Name, URL: pgtest.New(t)}
	current := SchemaVersion
	t.Cleanup(func() { SchemaVersion = current })
	storetest.CJKMigration(t, 4, func(version int) store.DB {
		SchemaVersion = current
		if version > 0 {
			SchemaVersion = version
		}
		db, err := store.Open(context.Background(), loc, store.OpenOptions{})
		SchemaVersion = current
		if err != nil {
			t.Fatal(err)
		}
		return db
	}, func(old store.DB) {
		// What a v4 binary wrote: each run of letters and digits one word,
		// CJK runs whole (the test's chunks have no headings to mark).
		db := old.(*DB)
		rows, err := db.pool.Query(ctx, `SELECT rid, hierarchy, content, source FROM chunks`)
		if err != nil {
			t.Fatal(err)
		}
		type row struct {
			rid             int64
			hierarchy       []string
			content, source string
		}
		var all []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.rid, &r.hierarchy, &r.content, &r.source); err != nil {
				t.Fatal(err)
			}
			all = append(all, r)
		}
		rows.Close()
		for _, r := range all {
			base := r.source[strings.LastIndexByte(r.source, '/')+1:]
			ws := strings.FieldsFunc(words.Fold(strings.Join(r.hierarchy, " ")+"\n"+r.content+"\n"+base),
				func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsNumber(c) })
			if _, err := db.pool.Exec(ctx, `UPDATE chunks SET words = to_tsvector('`+textConfig+`', $1), word_count = $2 WHERE rid = $3`,
				strings.Join(ws, " "), len(ws), r.rid); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// A store written before v4, whose heading words count once, is upgraded
// when a v4 binary opens it: its headings are marked, Check agrees, and a
// chunk whose heading holds the query word now scores as on a store built
// at v4 (above one that only mentions it in its text).
func TestUpgradeFromV3(t *testing.T) {
	ctx := context.Background()
	title := storetest.Chunk("measurements from the last decade of field work in the north")
	title.Hierarchy = []string{"Glacier retreat"}
	body := storetest.Chunk("we walked past a glacier on the way")
	body.Hierarchy, body.StartLine = []string{"Field notes"}, 1
	fill := func(db store.DB) {
		if _, _, err := storetest.Replace(db, store.File{Path: "/a.md", Namespace: "default", SHA256: "1"},
			title, body, storetest.Chunk("nothing to see"), storetest.Chunk("more filler here"), storetest.Chunk("and more")); err != nil {
			t.Fatal(err)
		}
	}
	scores := func(db store.DB) string { return scored(t, db, storetest.Words("glacier")) }
	old := store.Location{Backend: Name, URL: pgtest.New(t)}
	SchemaVersion = 3
	db, err := store.Open(ctx, old, store.OpenOptions{})
	if err == nil {
		fill(db)
		// What a v3 binary wrote: no word marked as a heading's.
		_, err = db.(*DB).pool.Exec(ctx, `UPDATE chunks SET words = setweight(words, 'D')`)
		before := scores(db)
		db.Close()
		if !strings.HasPrefix(before, body.Content) {
			t.Fatalf("before the upgrade the body mention should win on length: %s", before)
		}
	}
	SchemaVersion = migrations[len(migrations)-1].version
	if err != nil {
		t.Fatal(err)
	}
	db, fresh := upgraded(t, old, fill)
	got, want := scores(db), scores(fresh)
	if got != want || !strings.HasPrefix(got, title.Content) {
		t.Fatalf("upgraded store scores %q; a store built at v4 scores %q (the heading match first)", got, want)
	}
}

// upgraded opens the store at old with this binary, which upgrades it to
// SchemaVersion, checks it, and opens beside it a fresh store that fill
// writes at SchemaVersion, for the two to be compared.
func upgraded(t *testing.T, old store.Location, fill func(store.DB)) (db, fresh store.DB) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, old, store.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if db.Schema() != SchemaVersion {
		t.Fatalf("schema after the upgrade: v%d, want v%d", db.Schema(), SchemaVersion)
	}
	if err := db.Check(ctx); err != nil {
		t.Fatalf("Check after the upgrade: %v", err)
	}
	fresh, err = store.Open(ctx, store.Location{Backend: Name, URL: pgtest.New(t)}, store.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fresh.Close() })
	fill(fresh)
	return db, fresh
}

// scored is what a keyword search of db finds, in rank order: each hit's
// text and score, for comparing two stores' rankings exactly.
func scored(t *testing.T, db store.DB, phrases []store.Phrase) string {
	t.Helper()
	hits, err := db.KeywordSearch(context.Background(), store.KeywordQuery{Phrases: phrases, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	out := ""
	for _, h := range hits {
		out += fmt.Sprintf("%s:%.9f ", h.Content, h.Score)
	}
	return out
}
