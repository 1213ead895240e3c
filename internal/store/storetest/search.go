package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/store"
)

var epoch = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// Filters apply inside the query, before the limit: the best matches are
// the ones each filter drops, and every filter still fills its k.
func testFiltersBeforeLimit(t *testing.T, h Harness) {
	db, _ := h.open(t)
	ctx := context.Background()
	rare, common := "zebra", "note"
	var chunks []store.Chunk
	for i := range 40 {
		c := store.Chunk{Content: fmt.Sprintf("%s %s %s entry %d", rare, rare, common, i), Namespace: "archive:old",
			Tags: []string{"old"}, CreatedAt: epoch, StartLine: i}
		if i >= 30 { // the weaker matches are the ones the filters keep
			c.Content = fmt.Sprintf("%s and a longer body with more words in it %s entry %d", rare, common, i)
			c.Namespace, c.Tags, c.CreatedAt = "home", []string{"keep"}, epoch.Add(time.Hour)
		}
		c.ContentHash = c.Content
		chunks = append(chunks, c)
	}
	for i := range 200 { // many chunks with only the common word
		chunks = append(chunks, store.Chunk{Content: fmt.Sprintf("%s filler %d", common, i), ContentHash: fmt.Sprint("f", i),
			Namespace: "home", Tags: []string{"keep"}, CreatedAt: epoch.Add(time.Hour), StartLine: 100 + i})
	}
	if _, _, err := Replace(db, store.File{Path: "/a/one.md", Namespace: "home", SHA256: "1"}, chunks...); err != nil {
		t.Fatal(err)
	}
	// As mm index does after a bulk write.
	if err := db.MergeKeywordIndex(ctx); err != nil {
		t.Fatalf("MergeKeywordIndex after a bulk write: %v", err)
	}
	filters := map[string]store.Filter{
		"archive hidden": {},
		"namespace":      {Namespaces: []string{"home"}, IncludeArchive: true},
		"tag":            {Tags: []string{"keep"}, IncludeArchive: true},
		"since":          {Since: epoch.Add(time.Minute), IncludeArchive: true},
		"until":          {Until: epoch.Add(2 * time.Hour), Namespaces: []string{"home"}},
		"source":         {SourceGlob: "/a/*"},
	}
	for _, q := range [][]store.Phrase{Words(rare), Words(rare, common)} {
		for name, f := range filters {
			hits, err := db.KeywordSearch(ctx, store.KeywordQuery{Phrases: q, Filter: f, Limit: 5})
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) != 5 {
				t.Fatalf("%v, %s: %d hits, want 5", q, name, len(hits))
			}
			for _, h := range hits {
				if h.Namespace != "home" || !strings.Contains(h.Content, rare) {
					t.Fatalf("%v, %s: got %q in %s; want only the home chunks that hold %q", q, name, h.Content, h.Namespace, rare)
				}
			}
		}
	}
}

// archive:* namespaces are out of the way: hidden from searches and
// listings unless a selector names them or IncludeArchive is set; a bare
// "*" still hides them.
func testArchiveHidden(t *testing.T, h Harness) {
	db, _ := h.open(t)
	ctx := context.Background()
	put := func(path, ns, content string) store.Chunk {
		t.Helper()
		c := Chunk(content)
		c.Namespace = ns
		_, cs, err := Replace(db, store.File{Path: path, Namespace: ns, SHA256: content}, c)
		if err != nil {
			t.Fatal(err)
		}
		return cs[0]
	}
	live := put("/n/live.md", "work", "quarterly plan live")
	old := put("/n/old.md", "archive:2025", "quarterly plan old")
	Put(t, db, Gen, []store.Chunk{live, old}, VecAt(10), E1) // the archived one is closer
	for _, c := range []struct {
		name string
		f    store.Filter
		want []string
	}{
		{"default", store.Filter{}, []string{"quarterly plan live"}},
		{"star", store.Filter{Namespaces: []string{"*"}}, []string{"quarterly plan live"}},
		{"named", store.Filter{Namespaces: []string{"archive:*"}}, []string{"quarterly plan old"}},
		{"one archive", store.Filter{Namespaces: []string{"archive:2025", "work"}}, []string{"quarterly plan live", "quarterly plan old"}},
		{"included", store.Filter{IncludeArchive: true}, []string{"quarterly plan live", "quarterly plan old"}},
	} {
		filterFinds(t, db, c.name, "quarterly", c.f, c.want)
		listed, err := db.List(ctx, store.ListQuery{Filter: c.f, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, l := range listed {
			texts = append(texts, l.Content)
		}
		if got := sorted(texts); !slices.Equal(got, c.want) {
			t.Errorf("%s: List gives %q, want %q", c.name, got, c.want)
		}
		if n, err := db.CountChunks(ctx, store.ListQuery{Filter: c.f}); err != nil || n != len(c.want) {
			t.Errorf("%s: CountChunks = %d, %v; want %d", c.name, n, err, len(c.want))
		}
	}
}

// Namespace selectors and source filters follow store.Glob, whichever way
// the backend evaluates them.
func testGlobs(t *testing.T, h Harness) {
	db, _ := h.open(t)
	ctx := context.Background()
	namespaces := []string{"work", "work:api", "work:web", "workshop", "home", "proj:a1", "proj:b2", "proj:c-3"}
	sources := []string{"/home/a/notes/x.md", "/home/a/notes/sub/y.md", "/home/a/log.md", "/srv/notes.md", "/srv/N[1].md", "/srv/star*.md", "/tmp/é.md"}
	var all []store.Chunk
	for i, ns := range namespaces {
		src := sources[i%len(sources)]
		c := store.Chunk{Content: "glob subject " + ns, ContentHash: ns, Namespace: ns}
		_, cs, err := Replace(db, store.File{Path: src + "." + ns, Namespace: ns, SHA256: ns}, c)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, cs...)
	}
	for _, src := range sources[1:] { // every source, one chunk each, in one namespace
		c := store.Chunk{Content: "glob subject " + src, ContentHash: src, Namespace: "home"}
		_, cs, err := Replace(db, store.File{Path: src, Namespace: "home", SHA256: src}, c)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, cs...)
	}
	check := func(f store.Filter, keep func(store.Chunk) bool) {
		t.Helper()
		var want []string
		for _, c := range all {
			if keep(c) {
				want = append(want, c.Content)
			}
		}
		hits, err := db.KeywordSearch(ctx, store.KeywordQuery{Phrases: Words("glob"), Filter: f, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if got := sorted(Texts(hits)); !slices.Equal(got, sorted(want)) {
			t.Errorf("filter %+v finds %q, want %q", f, got, sorted(want))
		}
	}
	for _, p := range []string{"work", "work:*", "work*", "proj:?2", "proj:[ab]*", "proj:[^a]*", "proj:[a-b]1", "*:*", "home", "nothing:*", "[w]ork"} {
		g := store.ParseGlob(p)
		check(store.Filter{Namespaces: []string{p}}, func(c store.Chunk) bool {
			if store.IsGlob(p) {
				return g.Match(c.Namespace)
			}
			return c.Namespace == p
		})
	}
	for _, p := range []string{"*/notes/*", "/home/*", "*.md", "/srv/N[[]1].md", "/srv/star[*].md", "/tmp/?.md", "*log*", "/srv/[^N]*"} {
		g := store.ParseGlob(p)
		check(store.Filter{SourceGlob: p}, func(c store.Chunk) bool { return g.Match(c.Source) })
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// A project's default view holds its own project:* namespace and every
// namespace of no project, not other projects'; a selector still reaches
// any of them.
func testProjectScope(t *testing.T, h Harness) {
	db, _ := h.open(t)
	ctx := context.Background()
	var chunks []store.Chunk
	for i, ns := range []string{"project:lark", "project:wren", "default", "notes", "archive:project:lark", "project:larkspur"} {
		c := Chunk("deploy checklist " + ns)
		c.Namespace = ns
		_, cs, err := Replace(db, store.File{Path: fmt.Sprintf("/p/%d.md", i), Namespace: ns, SHA256: ns}, c)
		if err != nil {
			t.Fatal(err)
		}
		chunks = append(chunks, cs...)
	}
	var vecs [][]float32
	for i := range chunks {
		vecs = append(vecs, VecAt(float64(10*i)))
	}
	Put(t, db, Gen, chunks, vecs...)
	for _, c := range []struct {
		name string
		f    store.Filter
		want []string
	}{
		{"in lark", store.Filter{Project: "project:lark"}, []string{"deploy checklist default", "deploy checklist notes", "deploy checklist project:lark"}},
		// The other projects all sort below this one (a backend may probe
		// for hidden projects on either side).
		{"in wren", store.Filter{Project: "project:wren"}, []string{"deploy checklist default", "deploy checklist notes", "deploy checklist project:wren"}},
		{"no project", store.Filter{}, []string{"deploy checklist default", "deploy checklist notes", "deploy checklist project:lark", "deploy checklist project:larkspur", "deploy checklist project:wren"}},
		{"named other", store.Filter{Project: "project:lark", Namespaces: []string{"project:wren"}}, []string{"deploy checklist project:wren"}},
		{"all projects", store.Filter{Project: "project:lark", Namespaces: []string{"project:*"}}, []string{"deploy checklist project:lark", "deploy checklist project:larkspur", "deploy checklist project:wren"}},
	} {
		filterFinds(t, db, c.name, "checklist", c.f, c.want)
		if n, err := db.CountChunks(ctx, store.ListQuery{Filter: c.f}); err != nil || n != len(c.want) {
			t.Errorf("%s: CountChunks = %d, %v; want %d", c.name, n, err, len(c.want))
		}
	}
}

// filterFinds checks that keyword search for word and dense search, under
// filter f, both find exactly the chunks whose texts are want.
func filterFinds(t *testing.T, db store.Store, name, word string, f store.Filter, want []string) {
	t.Helper()
	hits, err := db.KeywordSearch(context.Background(), store.KeywordQuery{Phrases: Words(word), Filter: f, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got := sorted(Texts(hits)); !slices.Equal(got, want) {
		t.Errorf("%s: keyword search finds %q, want %q", name, got, want)
	}
	if got := sorted(Texts(Dense(t, db, store.DenseQuery{Filter: f, Limit: 10}))); !slices.Equal(got, want) {
		t.Errorf("%s: dense search finds %q, want %q", name, got, want)
	}
}

// A word in a chunk's heading ranks it above a chunk that only mentions the
// word in its text, although the heading's chunk is the longer one (which
// BM25 alone, counting every word once, would rank lower): a user looking
// for "glacier" wants the section about glaciers first.
func testHeadingOutranksBody(t *testing.T, h Harness) {
	db, _ := h.open(t)
	ctx := context.Background()
	about := store.Chunk{Hierarchy: []string{"Field trips", "Glacier retreat"}, Content: "Measurements from the last decade of field work in the north, with photographs.",
		ContentHash: "about", Namespace: "default"}
	mention := store.Chunk{Hierarchy: []string{"Field trips", "Hut"}, Content: "We walked past a glacier on the way.",
		ContentHash: "mention", Namespace: "default", StartLine: 1}
	chunks := []store.Chunk{about, mention}
	for i := range 8 {
		chunks = append(chunks, store.Chunk{Content: fmt.Sprintf("unrelated filler note %d", i), ContentHash: fmt.Sprint("f", i),
			Namespace: "default", StartLine: 2 + i})
	}
	if _, _, err := Replace(db, store.File{Path: "/notes/trips.md", Namespace: "default", SHA256: "1"}, chunks...); err != nil {
		t.Fatal(err)
	}
	hits, err := db.KeywordSearch(ctx, store.KeywordQuery{Phrases: Words("glacier"), Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || hits[0].Content != about.Content {
		var got []string
		for _, h := range hits {
			got = append(got, h.Content)
		}
		t.Fatalf("glacier: got %q, want the chunk headed Glacier retreat first, then the mention", got)
	}
}
