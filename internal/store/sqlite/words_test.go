package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/memtomem/memtomem/internal/store"
	"github.com/memtomem/memtomem/internal/store/storetest"
	"github.com/memtomem/memtomem/internal/words"
)

// A store written at v3, before CJK words, gets its keyword index rebuilt
// over chunks_words (storetest.CJKMigration), and a v3 binary may then read
// it but not write.
func TestMigrateToWords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	current := SchemaVersion
	t.Cleanup(func() { SchemaVersion = current })
	open := func(version int) *DB {
		SchemaVersion = current
		if version > 0 {
			SchemaVersion = version
		}
		db, err := Open(context.Background(), path, Options{})
		SchemaVersion = current
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	// The v3 triggers index the text itself, as a v3 binary does.
	storetest.CJKMigration(t, 3, func(version int) store.DB { return open(version) }, nil)

	SchemaVersion = 3
	old := open(3)
	defer old.Close()
	SchemaVersion = 3 // open resets it; the v3 binary stays v3 while it runs
	if old.ReadOnlyReason() == "" {
		t.Fatal("a v3 binary may write a v4 store, whose triggers call a function it lacks")
	}
	if _, err := old.KeywordSearch(context.Background(), store.KeywordQuery{Phrases: storetest.Words("zebra"), Limit: 5}); err != nil {
		t.Fatalf("a v3 binary cannot search a v4 store: %v", err)
	}
}

// FuzzSpacedAgreesWithFTS5 is differential: the CJK words SQLite's
// tokenizer reads from words.Spaced's text are exactly the CJK words of
// words.Index, in order, which PostgreSQL's index holds and the query side
// splits by. Were they to differ, a query would find on one backend what it
// misses on the other.
func FuzzSpacedAgreesWithFTS5(f *testing.F) {
	for _, s := range []string{"東京都の会議", "Deploy 東京 v1.2", "배포는 금요일에", "ジョン・スミス", "a東b京c", "コンピューター", "\xff東京", "〇〻々"} {
		f.Add(s)
	}
	db, err := sql.Open("sqlite", filepath.Join(f.TempDir(), "words.db"))
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, s := range []string{
		`CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 0')`,
		`CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')`,
	} {
		if _, err := db.Exec(s); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := db.Exec(`DELETE FROM t`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO t(rowid, x) VALUES (1, ?)`, words.Spaced(s)); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query(`SELECT term FROM v ORDER BY offset`)
		if err != nil {
			t.Fatal(err)
		}
		var fts []string
		for rows.Next() {
			var w string
			if err := rows.Scan(&w); err != nil {
				t.Fatal(err)
			}
			if words.HasCJK(w) {
				fts = append(fts, w)
			}
		}
		rows.Close()
		var ours []string
		for _, w := range words.Index(s) {
			if words.HasCJK(w) {
				ours = append(ours, w)
			}
		}
		if !slices.Equal(fts, ours) {
			t.Fatalf("text %q: FTS5 reads the CJK words %q, words.Index gives %q", s, fts, ours)
		}
	})
}

// BenchmarkMigrateToWords times the v4 step (the keyword index rebuilt over
// chunks_words) on a v3 store of 10k chunks (100k with
// MEMTOMEM_BENCH_LARGE=1): how long the first process of the new release
// holds the write lock.
func BenchmarkMigrateToWords(b *testing.B) {
	ctx := context.Background()
	n := 10_000
	if os.Getenv("MEMTOMEM_BENCH_LARGE") != "" {
		n = 100_000
	}
	files := benchFiles(n)
	current := SchemaVersion
	defer func() { SchemaVersion = current }()
	for b.Loop() {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "m.db")
		SchemaVersion = 3
		db, err := Open(ctx, path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		var builds []func() (store.File, []store.Chunk, error)
		for i := range files {
			f := store.File{Path: fmt.Sprintf("/notes/n%05d.md", i), Namespace: "default", SHA256: fmt.Sprint(i)}
			cs := files[i]
			builds = append(builds, func() (store.File, []store.Chunk, error) { return f, append([]store.Chunk(nil), cs...), nil })
			if len(builds) == 200 || i == len(files)-1 {
				if _, err := db.ReplaceFiles(ctx, store.Always, builds); err != nil {
					b.Fatal(err)
				}
				builds = nil
			}
		}
		db.Close()
		SchemaVersion = current
		b.StartTimer()
		db, err = Open(ctx, path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n), "chunks")
}
