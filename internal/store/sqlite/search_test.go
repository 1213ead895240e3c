package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/store"
)

var searchEpoch = time.Unix(1_700_000_000, 0)

// The corpora here are small; prune them anyway, so that the tests compare
// the pruned answers with the joined ones.
func init() { pruneMinRows = 1 }

// zipfStore stores n chunks of Zipf-distributed words (so that queries mix
// common and rare words, as real ones do) across namespaces, tags, sources
// and creation times; with archive, one chunk in 8 is archived.
func zipfStore(t *testing.T, n int, archive bool) *DB {
	t.Helper()
	return zipfCorpus(t, 9, n, 300, archive)
}

// zipfCorpus is zipfStore over a vocabulary of vocab words, drawn from seed,
// in files of 50 chunks (the last one shorter).
func zipfCorpus(t *testing.T, seed uint64, n, vocab int, archive bool) *DB {
	t.Helper()
	db, _ := openTemp(t)
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	z := rand.NewZipf(r, 1.1, 1, uint64(vocab-1))
	namespaces := []string{"work", "home", "work:sub", "project:a", "project:b"}
	for f := 0; f*50 < n; f++ {
		var chunks []store.Chunk
		for i := range min(50, n-f*50) {
			words := make([]string, 8+r.IntN(30))
			for j := range words {
				words[j] = zipfWord(int(z.Uint64()))
			}
			ns := namespaces[r.IntN(len(namespaces))]
			if archive && r.IntN(8) == 0 {
				ns = "archive:old"
			}
			text := strings.Join(words, " ")
			chunks = append(chunks, store.Chunk{
				Hierarchy: []string{zipfWord(int(z.Uint64()))}, Content: text, ContentHash: fmt.Sprint(f, i, text),
				StartLine: i * 3, EndLine: i*3 + 2, Namespace: ns, Tags: []string{fmt.Sprint("t", r.IntN(4))},
				CreatedAt: searchEpoch.Add(time.Duration(r.IntN(100)) * time.Hour),
			})
		}
		dir := "notes"
		if f%3 == 0 {
			dir = "other"
		}
		if _, _, err := replace(db, store.File{Path: fmt.Sprintf("/%s/f%d.md", dir, f), Namespace: "work", SHA256: fmt.Sprint(f)}, chunks...); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

var searchFilters = map[string]store.Filter{
	"default":        {},
	"ns":             {Namespaces: []string{"home"}},
	"ns-glob":        {Namespaces: []string{"work*"}},
	"tags":           {Tags: []string{"t1", "t3"}},
	"source":         {SourceGlob: "/notes/*"},
	"since":          {Since: searchEpoch.Add(50 * time.Hour)},
	"ns+tag+window":  {Namespaces: []string{"work"}, Tags: []string{"t0"}, Since: searchEpoch.Add(10 * time.Hour), Until: searchEpoch.Add(90 * time.Hour)},
	"source+archive": {SourceGlob: "/other/*", IncludeArchive: true},
	"project":        {Project: "project:a"},
	"project+tags":   {Project: "project:b", Tags: []string{"t2"}},
}

// keeps reports whether chunk c passes filter f, written out plainly as
// the user-visible rule.
func keeps(f store.Filter, c store.Chunk) bool {
	archived := strings.HasPrefix(c.Namespace, "archive:")
	if len(f.Namespaces) > 0 {
		ok := false
		for _, p := range f.Namespaces {
			m, _ := path.Match(p, c.Namespace)
			ok = ok || m
		}
		if !ok {
			return false
		}
	}
	if archived && !f.IncludeArchive && !slices.ContainsFunc(f.Namespaces, func(p string) bool { return strings.HasPrefix(p, "archive") }) {
		return false
	}
	if f.Project != "" && len(f.Namespaces) == 0 && strings.HasPrefix(c.Namespace, "project:") && c.Namespace != f.Project {
		return false // another project's, out of this project's view
	}
	if len(f.Tags) > 0 && !slices.ContainsFunc(c.Tags, func(t string) bool { return slices.Contains(f.Tags, t) }) {
		return false
	}
	if f.SourceGlob != "" {
		if m, _ := path.Match(f.SourceGlob, c.Source); !m {
			return false
		}
	}
	return (f.Since.IsZero() || !c.CreatedAt.Before(f.Since)) && (f.Until.IsZero() || c.CreatedAt.Before(f.Until))
}

func searchQueries() []string {
	r := rand.New(rand.NewPCG(5, 6))
	z := rand.NewZipf(r, 1.1, 1, 299)
	qs := []string{`"` + zipfWord(1) + `"`, `"` + zipfWord(0) + " " + zipfWord(1) + `" OR "` + zipfWord(40) + `"`, `"wb"* OR "` + zipfWord(7) + `"`}
	for len(qs) < 12 {
		var parts []string
		for range 2 + r.IntN(3) {
			parts = append(parts, `"`+zipfWord(int(z.Uint64()))+`"`)
		}
		qs = append(qs, strings.Join(parts, " OR "))
	}
	return qs
}

// TestKeywordSearchSameAsJoin: on stores with and without archived chunks
// (so with and without the join), with namespace filters applied as rowid
// sets and as joins, every filter gives the same chunks and scores as the
// query KeywordSearch ran before it pruned, and only chunks the filter
// keeps.
func TestKeywordSearchSameAsJoin(t *testing.T) {
	defer func(v int64) { setMinRows = v }(setMinRows)
	for i, archive := range []bool{false, true, true} {
		setMinRows = []int64{0, 0, math.MaxInt64}[i]
		db := zipfStore(t, 150, archive)
		for name, f := range searchFilters {
			// Without archived chunks only the default filter takes the
			// join-free path; the others run as in the archived store.
			if !archive && name != "default" {
				continue
			}
			for _, k := range []int{5} {
				for _, m := range searchQueries() {
					q := store.KeywordQuery{Phrases: phrases(m), Filter: f, Limit: k}
					got, d := prunedVsJoin(t, db, q)
					if d != "" {
						t.Fatalf("archive=%v setMinRows=%d %s k=%d %s: %s", archive, setMinRows, name, k, m, d)
					}
					for _, h := range got {
						if !keeps(f, h.Chunk) {
							t.Fatalf("archive=%v %s %s: %s (namespace %s, tags %v, source %s, created %v) should be filtered out",
								archive, name, m, h.ID, h.Namespace, h.Tags, h.Source, h.CreatedAt)
						}
					}
				}
			}
		}
	}
}

// TestKeywordSearchPruneStages: the comparison above covers every way
// prunedTopK proves an answer, and the fallback to the whole OR, because
// the queries and k below reach each of them on this corpus.
func TestKeywordSearchPruneStages(t *testing.T) {
	ctx := context.Background()
	db := zipfStore(t, 150, false)
	sqlTx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sqlTx.Rollback()
	tx := db.readTx(sqlTx)
	stages := map[pruneStage]int{}
	// Twelve common words: every step's bound stays high, and the chain
	// costs more than scoring the whole OR (notPruned).
	var common []string
	for i := range 12 {
		common = append(common, `"`+zipfWord(i)+`"`)
	}
	for _, m := range append(searchQueries(), strings.Join(common, " OR ")) {
		ps := orPhrases(m)
		if len(ps) < 2 {
			continue
		}
		for _, k := range []int{1, 5, 20, 100} {
			_, how, err := prunedTopK(ctx, tx, ps, k, func(match string, _ int64, n int) ([]scored, error) {
				return rankedRowids(ctx, tx, match, nil, nil, false, n)
			})
			if err != nil {
				t.Fatal(err)
			}
			stages[how]++
		}
	}
	for _, s := range []pruneStage{notPruned, prunedChain, prunedSingles} {
		if stages[s] == 0 {
			t.Errorf("no query ended in stage %d (%v): the corpus must exercise every stage", s, stages)
		}
	}
}

// FuzzKeywordSearchPruned: on random corpora and random OR queries (words,
// phrases, prefixes, a word twice), every filter and k give the same
// chunks and scores as scoring the whole OR. The seeds run in the default
// suite; go test -fuzz=KeywordSearchPruned ./internal/store/sqlite/ looks
// further.
func FuzzKeywordSearchPruned(f *testing.F) {
	for seed := range uint64(6) {
		f.Add(seed, uint8(40+seed*40), uint8(10+seed*20))
	}
	names := slices.Sorted(maps.Keys(searchFilters))
	defer func(v int64) { setMinRows = v }(setMinRows)
	f.Fuzz(func(t *testing.T, seed uint64, size, vocab uint8) {
		v := 8 + int(vocab)%120
		db := zipfCorpus(t, seed, 30+int(size), v, seed%2 == 1)
		r := rand.New(rand.NewPCG(seed, 77))
		z := rand.NewZipf(r, 1.1, 1, uint64(v-1))
		word := func() string { return zipfWord(int(z.Uint64())) }
		for range 16 {
			var parts []string
			for range 2 + r.IntN(5) {
				switch x := r.IntN(20); {
				case x < 2:
					parts = append(parts, `"`+word()+" "+word()+`"`)
				case x < 4:
					parts = append(parts, `"`+word()[:2]+`"*`)
				case x < 5 && len(parts) > 0:
					parts = append(parts, parts[0])
				default:
					parts = append(parts, `"`+word()+`"`)
				}
			}
			m := strings.Join(parts, " OR ")
			name := names[r.IntN(len(names))]
			setMinRows = []int64{0, math.MaxInt64}[r.IntN(2)]
			q := store.KeywordQuery{Phrases: phrases(m), Filter: searchFilters[name], Limit: 1 + r.IntN(25)}
			if _, d := prunedVsJoin(t, db, q); d != "" {
				t.Fatalf("%s, k=%d, %s: %s", name, q.Limit, m, d)
			}
		}
	})
}

func TestOrPhrases(t *testing.T) {
	for in, want := range map[string][]string{
		`"a" OR "b"`:            {`"a"`, `"b"`},
		`"a b" OR "c"* OR "d"`:  {`"a b"`, `"c"*`, `"d"`},
		`"say ""hi""" OR "x"`:   {`"say ""hi"""`, `"x"`},
		`"a"`:                   {`"a"`},
		`"a" AND "b"`:           nil,
		`a OR b`:                nil,
		`"a" OR `:               nil,
		`"unterminated OR "b"`:  nil,
		`("a" OR "b")`:          nil,
		`"a" OR "b" NOT "c"`:    nil,
		`"a"  OR "b"`:           nil,
		`"a" OR "b" OR "c" OR`:  nil,
		`"a"* OR NEAR("b" "c")`: nil,
	} {
		if got := orPhrases(in); !slices.Equal(got, want) {
			t.Errorf("orPhrases(%s) = %q, want %q", in, got, want)
		}
	}
}

// TestFTSRowCount: the row count read from the index's averages record is
// the one bm25() uses, which the bound depends on.
func TestFTSRowCount(t *testing.T) {
	ctx := context.Background()
	db := zipfStore(t, 150, true)
	if _, _, err := replace(db, store.File{Path: "/other/f0.md", Namespace: "work", SHA256: "x"}, chunk("only one left")); err != nil {
		t.Fatal(err)
	}
	sqlTx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sqlTx.Rollback()
	tx := db.readTx(sqlTx)
	var want int64
	if err := tx.QueryRow(`SELECT count(*) FROM chunks`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if got, ok := ftsRowCount(ctx, tx); !ok || got != want || want != 101 {
		t.Fatalf("ftsRowCount = %d, %v; chunks hold %d (want 101)", got, ok, want)
	}
}

// prunedVsJoin runs q through KeywordSearch and through the exhaustive
// join it must agree with: its hits, and how the two differ ("" when they
// agree).
func prunedVsJoin(t testing.TB, db *DB, q store.KeywordQuery) ([]store.Hit, string) {
	t.Helper()
	want, err := keywordSearchJoin(context.Background(), db, q)
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.KeywordSearch(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return got, diffHits(want, got)
}
