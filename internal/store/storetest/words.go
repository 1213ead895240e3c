package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/memtomem/memtomem/internal/search"
	"github.com/memtomem/memtomem/internal/store"
)

// testCJK: Chinese, Japanese and Korean text is found by its words, as a
// person types them into a search box (search.ParseQuery), on every
// backend: a Korean stem finds the word with its particle, a two-character
// word is found inside a longer run, a longer word only where it stands,
// one character wherever it stands, mixed-script text by either script, and
// English as before.
func testCJK(t *testing.T, h Harness) {
	db, _ := h.open(t)
	texts := []string{
		"배포는 금요일에 합니다",                // ko: the deployment is on Friday
		"東京都の会議は明日です",                 // ja: the Tokyo meeting is tomorrow
		"我们明天在北京开会",                   // zh: we meet in Beijing tomorrow
		"京都の寺を見る",                     // ja: see the temples of Kyoto
		"Deploy the API to 東京 region", // mixed
		"release notes for the rollout",
	}
	for i, text := range texts {
		if _, _, err := Replace(db, store.File{Path: fmt.Sprintf("/cjk/%d.md", i), Namespace: "default", SHA256: text}, Chunk(text)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		query  string
		want   []string
		ranked bool // want is in rank order
	}{
		{"배포", []string{texts[0]}, false},
		{"금요일", []string{texts[0]}, false},
		{"会議", []string{texts[1]}, false},
		{"北京", []string{texts[2]}, false},
		{"東京都", []string{texts[1]}, false},                // not Kyoto (京都) alone
		{"寺", []string{texts[3]}, false},                  // one character, inside a run
		{"都", []string{texts[1], texts[3]}, false},        // at a run's end and inside one
		{"deploy 東京", []string{texts[4], texts[1]}, true}, // both words first
		{"api", []string{texts[4]}, false},
		{"rollout", []string{texts[5]}, false},
	} {
		q, err := search.ParseQuery(c.query)
		if err != nil {
			t.Fatal(err)
		}
		hits, err := db.KeywordSearch(context.Background(), store.KeywordQuery{Phrases: q.Store(), Limit: 10})
		if err != nil {
			t.Fatalf("%q: %v", c.query, err)
		}
		got := Texts(hits)
		if c.ranked && !slices.Equal(got, c.want) {
			t.Errorf("%q finds %q; want %q in that order", c.query, got, c.want)
		}
		if !slices.Equal(sorted(got), sorted(c.want)) {
			t.Errorf("%q finds %q; want %q", c.query, got, c.want)
		}
	}
}

// CJKMigration checks the step to a backend's schema with CJK words (v4 on
// both) for a store written before it: openAt(oldVersion) opens the store
// as a binary of that schema would, openAt(0) as this one; asOld, when not
// nil, makes what the old store holds what an old binary would have
// written, where the backend splits words in Go. English ranks as it did,
// CJK text becomes findable by its words, the backend's own check agrees,
// and a CJK chunk written before the step can be replaced and deleted after
// it without leaving words behind.
func CJKMigration(t *testing.T, oldVersion int, openAt func(version int) store.DB, asOld func(store.DB)) {
	t.Helper()
	ctx := context.Background()
	f := store.File{Path: "/notes/週次会議.md", Namespace: "default", SHA256: "1"}
	texts := []string{"東京都の会議は明日です", "zebra crossing near the station", "zebra zebra lion", "배포는 금요일에 합니다"}
	var chunks []store.Chunk
	for i, s := range texts {
		c := Chunk(s)
		c.StartLine = i
		chunks = append(chunks, c)
	}
	find := func(db store.DB, query string) string {
		t.Helper()
		q, err := search.ParseQuery(query)
		if err != nil {
			t.Fatal(err)
		}
		hits, err := db.KeywordSearch(ctx, store.KeywordQuery{Phrases: q.Store(), Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		// Contents in rank order; scores move with the CJK chunks'
		// lengths (more words), which BM25 averages over the store.
		out := ""
		for _, h := range hits {
			out += h.Content + "; "
		}
		return out
	}

	old := openAt(oldVersion)
	if _, _, err := Replace(old, f, chunks...); err != nil {
		t.Fatal(err)
	}
	if asOld != nil {
		asOld(old)
	}
	english := find(old, "zebra lion")
	if got := find(old, "会議"); got != "" {
		t.Fatalf("before the step, 会議 already finds %s: the test no longer tests the step", got)
	}
	old.Close()

	db := openAt(0)
	defer db.Close()
	if why := db.ReadOnlyReason(); why != "" {
		t.Fatalf("read-only after the step: %s", why)
	}
	if err := db.Check(ctx); err != nil {
		t.Fatalf("check after the step: %v", err)
	}
	if got := find(db, "zebra lion"); got != english {
		t.Errorf("English ranks differently after the step:\n before %s\n after  %s", english, got)
	}
	for _, q := range []string{"会議", "東京", "배포", "会議.md"} {
		if got := find(db, q); got == "" {
			t.Errorf("after the step, %q finds nothing", q)
		}
	}
	// The old CJK chunk replaced, then the whole file deleted: no word of
	// it may stay behind in the index.
	chunks[0] = Chunk("大阪の会議")
	if _, _, err := Replace(db, store.File{Path: f.Path, Namespace: "default", SHA256: "2"}, chunks...); err != nil {
		t.Fatal(err)
	}
	if got := find(db, "東京"); got != "" {
		t.Errorf("after the chunk was replaced, 東京 still finds %s", got)
	}
	if got := find(db, "大阪"); got == "" {
		t.Error("the replaced chunk's new text is not found")
	}
	if err := db.Check(ctx); err != nil {
		t.Fatalf("check after replacing a chunk written before the step: %v", err)
	}
	if _, err := db.DeleteFile(ctx, f.Path); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"会議", "배포", "zebra"} {
		if got := find(db, q); got != "" {
			t.Errorf("after the file was deleted, %q finds %s", q, got)
		}
	}
	if err := db.Check(ctx); err != nil {
		t.Fatalf("check after deleting: %v", err)
	}
}
